// Encryption at rest for secrets bundles with age (https://age-encryption.org). cairn writes the ASCII-armored
// form: the `age` CLI (and sops) decrypts it with `age -d -i key.txt`, and it survives copy-paste and git diffs.
// Reading accepts armored and binary files. Pure: identities and recipients come in as strings.
import { Decrypter, Encrypter, armor } from "age-encryption";
import { UserError } from "../../errors.js";

/** Path of an age identity file (as `age -i`), used when no --age-identity flag is given. */
export const AGE_IDENTITY_FILE_ENV = "CAIRN_AGE_IDENTITY_FILE";
/** The identity itself (`AGE-SECRET-KEY-1…` lines), for CI systems that inject secrets as variables. */
export const AGE_IDENTITY_ENV = "CAIRN_AGE_IDENTITY";

const BINARY_MAGIC = "age-encryption.org/v1\n";
const ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----";

/** True for both the binary and the armored age format. */
export function isAgeEncrypted(data: Uint8Array | string): boolean {
  const head =
    typeof data === "string" ? data.slice(0, 64) : Buffer.from(data.subarray(0, 64)).toString("latin1");
  return head.startsWith(BINARY_MAGIC) || head.trimStart().startsWith(ARMOR_BEGIN);
}

/** Encrypts to every recipient (`age1…`); returns the armored file text. */
export async function ageEncrypt(
  plaintext: Uint8Array | string,
  recipients: readonly string[],
): Promise<string> {
  if (recipients.length === 0) throw new UserError("no age recipients given");
  const encrypter = new Encrypter();
  for (const recipient of recipients) {
    try {
      encrypter.addRecipient(recipient.trim());
    } catch (e) {
      throw new UserError(`"${recipient}" is not an age recipient: ${(e as Error).message}`, {
        hint: "pass the public key printed by `age-keygen` (it starts with age1)",
        cause: e,
      });
    }
  }
  return armor.encode(await encrypter.encrypt(plaintext));
}

/**
 * The identities in an age identity file: `AGE-SECRET-KEY-1…` lines; blank lines and `#` comments are skipped,
 * as the age CLI does.
 */
export function parseAgeIdentities(text: string, source = "age identity"): string[] {
  const identities: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (!line.startsWith("AGE-SECRET-KEY-")) {
      throw new UserError(`${source} contains a line that is not an age secret key`, {
        hint: "cairn reads plain age identity files (from age-keygen); passphrase-protected and plugin identities are not supported",
      });
    }
    identities.push(line);
  }
  if (identities.length === 0) throw new UserError(`${source} holds no AGE-SECRET-KEY-1… line`);
  return identities;
}

/** Decrypts an armored or binary age file with any of the identities. */
export async function ageDecrypt(
  data: Uint8Array | string,
  identities: readonly string[],
  source = "file",
): Promise<Uint8Array> {
  let binary: Uint8Array;
  try {
    if (typeof data === "string") binary = armor.decode(data);
    else if (Buffer.from(data.subarray(0, 64)).toString("latin1").trimStart().startsWith(ARMOR_BEGIN))
      binary = armor.decode(Buffer.from(data).toString("utf8"));
    else binary = data;
  } catch (e) {
    throw new UserError(`${source} is not a valid age file: ${(e as Error).message}`, { cause: e });
  }
  const decrypter = new Decrypter();
  for (const identity of identities) {
    try {
      decrypter.addIdentity(identity);
    } catch (e) {
      throw new UserError(`unsupported age identity: ${(e as Error).message}`, { cause: e });
    }
  }
  try {
    return await decrypter.decrypt(binary);
  } catch (e) {
    const message = (e as Error).message;
    if (/no identity matched/.test(message))
      throw new UserError(`${source} is not encrypted to any of the given age identities`, {
        hint: `use the identity file the bundle was encrypted for (--age-identity, ${AGE_IDENTITY_FILE_ENV} or ${AGE_IDENTITY_ENV})`,
        cause: e,
      });
    throw new UserError(`${source} could not be decrypted: ${message}`, { cause: e });
  }
}
