// The work behind `cairn secrets …`. Secrets never reach the terminal unless `-o -` asks for them.
import { readFileSync } from "node:fs";
import { UserError } from "../errors.js";
import { generateSecretsBundle } from "../talos/secrets/generate.js";
import { parseSecretsBundle } from "../talos/secrets/format.js";
import { validateSecretsBundle } from "../talos/secrets/validate.js";
import { ageEncrypt, isAgeEncrypted } from "../talos/secrets/age.js";
import {
  readSecretsBundleFile,
  renderSecretsBundleFile,
  writeSecretFile,
  readMaybeEncrypted,
} from "../talos/secrets/files.js";
import type { Io } from "./output.js";

function emit(output: string, content: string, force: boolean | undefined, io: Io, what: string): void {
  if (output === "-") {
    io.out(content);
    return;
  }
  writeSecretFile(output, content, force);
  io.out(`wrote ${what} to ${output} (mode 0600)\n`);
}

export async function runSecretsGen(
  opts: { output?: string; force?: boolean; ageRecipient: string[] },
  io: Io,
): Promise<void> {
  const recipients = opts.ageRecipient;
  const output = opts.output ?? (recipients.length ? "secrets.yaml.age" : "secrets.yaml");
  const bundle = await generateSecretsBundle({ now: new Date() });
  const content = await renderSecretsBundleFile(bundle, { recipients });
  emit(
    output,
    content,
    opts.force,
    io,
    recipients.length ? "age-encrypted secrets bundle" : "secrets bundle",
  );
  if (output !== "-") io.out("keep it safe: every certificate and token of the cluster derives from it\n");
}

export async function runSecretsDecrypt(
  file: string,
  opts: { output: string; force?: boolean; ageIdentity?: string },
  io: Io,
): Promise<void> {
  if (!isAgeEncrypted(readFileSync(file))) throw new UserError(`${file} is not age-encrypted`);
  const { text } = await readMaybeEncrypted(
    file,
    "secrets bundle",
    opts.ageIdentity ? { identityFile: opts.ageIdentity } : {},
  );
  validateSecretsBundle(parseSecretsBundle(text, file), file);
  emit(opts.output, text, opts.force, io, "decrypted secrets bundle");
}

export async function runSecretsEncrypt(
  file: string,
  opts: { output: string; force?: boolean; ageRecipient: string[] },
  io: Io,
): Promise<void> {
  const { encrypted } = await readSecretsBundleFile(file);
  if (encrypted) throw new UserError(`${file} is already age-encrypted`);
  const content = await ageEncrypt(readFileSync(file), opts.ageRecipient);
  emit(opts.output, content, opts.force, io, "age-encrypted secrets bundle");
}
