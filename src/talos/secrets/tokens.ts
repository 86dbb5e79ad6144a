// Random tokens and identifiers in the encodings talosctl gen secrets uses (research/talos.md §1,
// secrets/utils.go): bootstrap-style tokens from [0-9a-z] by rejection sampling, IDs and secrets as base64.
import type { RandomSource } from "../pki/random.js";

const TOKEN_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
// 252 = 7 × 36: bytes at or above it are dropped so `byte % 36` stays uniform.
const MAX_BYTE = 252;

/** A random string of [0-9a-z], drawing bytes in chunks as Go's bufio reader does. */
export function randomTokenString(length: number, random: RandomSource): string {
  let out = "";
  let buffer = random(length * 2);
  let index = 0;
  while (out.length < length) {
    if (index >= buffer.length) {
      buffer = random(length * 2);
      index = 0;
    }
    const byte = buffer[index++] ?? MAX_BYTE;
    if (byte < MAX_BYTE) out += TOKEN_ALPHABET[byte % TOKEN_ALPHABET.length];
  }
  return out;
}

/** `[0-9a-z]{6}.[0-9a-z]{16}`, the bootstrap and trustd token shape. */
export function generateToken(random: RandomSource): string {
  return `${randomTokenString(6, random)}.${randomTokenString(16, random)}`;
}

export const TOKEN_PATTERN = /^[0-9a-z]{6}\.[0-9a-z]{16}$/;

/** base64 (standard alphabet, padded) of 32 random bytes: cluster secret, secretbox key. */
export function randomBase64Secret(random: RandomSource): string {
  return Buffer.from(random(32)).toString("base64");
}

/** base64url (padded, like Go's base64.URLEncoding) of 32 random bytes: the cluster ID. */
export function randomClusterId(random: RandomSource): string {
  return Buffer.from(random(32)).toString("base64").replaceAll("+", "-").replaceAll("/", "_");
}
