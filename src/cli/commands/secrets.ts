// `cairn secrets …`: generate the cluster secrets bundle (talosctl gen secrets) and move it in and out of age
// encryption. The work lives in ../secrets-run.ts, loaded only when a subcommand runs.
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import type { Io } from "../output.js";
import { deprecatedAlias } from "../flags.js";

const collect = (value: string, previous: string[]) => [...previous, value];

const IDENTITY_HELP =
  "age identity file for encrypted bundles (default: $CAIRN_AGE_IDENTITY_FILE, or the key itself in $CAIRN_AGE_IDENTITY)";

export function registerSecrets(program: Command, io: Io): void {
  const secrets = program
    .command("secrets")
    .description("Generate and manage the cluster secrets bundle (CAs, tokens, encryption keys)");

  const gen = secrets
    .command("gen")
    .description("Generate a secrets bundle, the same content as `talosctl gen secrets`")
    .option("-o, --out <file>", 'where to write it ("-" for stdout)')
    .option("--force", "replace an existing file")
    .option(
      "--age-recipient <recipient>",
      "encrypt the file to this age public key (repeatable)",
      collect,
      [],
    )
    .addHelpText(
      "after",
      "\nThe file is written with mode 0600. Without recipients it is talosctl's secrets.yaml (default name\n" +
        "secrets.yaml); with recipients it is the ASCII-armored age encryption of it (default name\n" +
        "secrets.yaml.age), which `age -d -i key.txt` also decrypts.\n\nExamples:\n" +
        "  cairn secrets gen\n" +
        "  cairn secrets gen --age-recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n" +
        "  cairn secrets gen -o - | talosctl gen config demo https://10.0.0.10:6443 --with-secrets /dev/stdin",
    )
    .action(async (opts: { out?: string; force?: boolean; ageRecipient: string[] }) => {
      const { runSecretsGen } = await import("../secrets-run.js");
      await runSecretsGen({ ...opts, output: opts.out }, io);
    });

  const decrypt = secrets
    .command("decrypt")
    .description("Decrypt an age-encrypted secrets bundle to plain secrets.yaml")
    .argument("<file>", "the encrypted bundle")
    .option("-o, --out <file>", 'where to write the plain bundle ("-" for stdout; required)')
    .option("--force", "replace an existing file")
    .option("--age-identity <file>", IDENTITY_HELP)
    .action(async (file: string, opts: { out?: string; force?: boolean; ageIdentity?: string }) => {
      const { runSecretsDecrypt } = await import("../secrets-run.js");
      await runSecretsDecrypt(file, { ...opts, output: requireOut(opts.out) }, io);
    });

  const encrypt = secrets
    .command("encrypt")
    .description("Encrypt a plain secrets bundle with age")
    .argument("<file>", "the plain bundle")
    .option("-o, --out <file>", "where to write the encrypted bundle (required)")
    .option("--force", "replace an existing file")
    .requiredOption("--age-recipient <recipient>", "age public key to encrypt to (repeatable)", collect, [])
    .action(async (file: string, opts: { out?: string; force?: boolean; ageRecipient: string[] }) => {
      const { runSecretsEncrypt } = await import("../secrets-run.js");
      await runSecretsEncrypt(file, { ...opts, output: requireOut(opts.out) }, io);
    });
  for (const c of [gen, decrypt, encrypt])
    deprecatedAlias(c, "--output <file>", { attribute: "out", spelling: "-o/--out" });
}

/** -o is required; checked here rather than by commander so the deprecated --output spelling counts too. */
function requireOut(out: string | undefined): string {
  if (out === undefined) throw new UserError("-o/--out FILE is required", { hint: 'use "-" for stdout' });
  return out;
}
