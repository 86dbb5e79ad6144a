// Secrets bundles on disk: secrets.yaml (mode 0600, never silently overwritten), optionally age-encrypted.
// Every command that loads a bundle goes through readSecretsBundleFile, so encrypted bundles work everywhere.
import { readFileSync } from "node:fs";
import { UserError } from "../../errors.js";
import { FileExistsError, SECRET_FILE_MODE, writeFileAtomic } from "../../io/files.js";
import {
  AGE_IDENTITY_ENV,
  AGE_IDENTITY_FILE_ENV,
  ageDecrypt,
  ageEncrypt,
  isAgeEncrypted,
  parseAgeIdentities,
} from "./age.js";
import type { SecretsBundle } from "./bundle.js";
import { encodeSecretsBundle, parseSecretsBundle } from "./format.js";
import { validateSecretsBundle, type BundleAuthorities } from "./validate.js";

export interface AgeIdentityOptions {
  /** An identity file given on the command line (--age-identity); wins over the environment. */
  identityFile?: string;
  env?: NodeJS.ProcessEnv;
}

function readText(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot read ${what} ${path}: ${code === "ENOENT" ? "no such file" : (e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}

/** The age identities to decrypt with: --age-identity, then $CAIRN_AGE_IDENTITY_FILE, then $CAIRN_AGE_IDENTITY. */
export function resolveAgeIdentities(options: AgeIdentityOptions = {}): string[] | undefined {
  const env = options.env ?? process.env;
  const file = options.identityFile ?? env[AGE_IDENTITY_FILE_ENV];
  if (file) return parseAgeIdentities(readText(file, "age identity file").toString("utf8"), file);
  const inline = env[AGE_IDENTITY_ENV];
  if (inline) return parseAgeIdentities(inline, `$${AGE_IDENTITY_ENV}`);
  return undefined;
}

/** Reads a file that may be age-encrypted, decrypting it with the resolved identity. */
export async function readMaybeEncrypted(
  path: string,
  what: string,
  options: AgeIdentityOptions = {},
): Promise<{ text: string; encrypted: boolean }> {
  const data = readText(path, what);
  if (!isAgeEncrypted(data)) return { text: data.toString("utf8"), encrypted: false };
  const identities = resolveAgeIdentities(options);
  if (!identities)
    throw new UserError(`${path} is age-encrypted and no age identity was given`, {
      hint: `pass --age-identity KEYFILE, or set ${AGE_IDENTITY_FILE_ENV}=KEYFILE (or ${AGE_IDENTITY_ENV} to the key itself)`,
    });
  return { text: Buffer.from(await ageDecrypt(data, identities, path)).toString("utf8"), encrypted: true };
}

/** Loads and validates a secrets bundle, plain or age-encrypted (detected from the content, not the name). */
export async function readSecretsBundleFile(
  path: string,
  options: AgeIdentityOptions = {},
): Promise<{ bundle: SecretsBundle; authorities: BundleAuthorities; encrypted: boolean }> {
  const { text, encrypted } = await readMaybeEncrypted(path, "secrets bundle", options);
  const bundle = parseSecretsBundle(text, path);
  return { bundle, authorities: validateSecretsBundle(bundle, path), encrypted };
}

export interface WriteSecretsOptions {
  /** Replace an existing file. */
  force?: boolean;
  /** age recipients (age1…); when given, the file holds the armored age encryption of secrets.yaml. */
  recipients?: readonly string[];
}

/** The file content for a bundle: talosctl's secrets.yaml text, age-encrypted when recipients are given. */
export async function renderSecretsBundleFile(
  bundle: SecretsBundle,
  options: WriteSecretsOptions = {},
): Promise<string> {
  const text = encodeSecretsBundle(bundle);
  return options.recipients?.length ? ageEncrypt(text, options.recipients) : text;
}

/** Writes a secrets file with mode 0600, atomically, refusing to replace one unless forced. */
export function writeSecretFile(path: string, content: string, force = false): void {
  try {
    writeFileAtomic(path, content, { mode: SECRET_FILE_MODE, noClobber: !force });
  } catch (e) {
    if (e instanceof FileExistsError)
      throw new UserError(`${path} already exists; not overwriting it`, {
        hint: "pass --force to replace it, or -o to write elsewhere (replacing secrets locks you out of clusters built from them)",
      });
    throw e;
  }
}
