// Private keys in the PEM forms Talos writes and reads (research/talos.md §1): Ed25519 as PKCS#8 DER under the
// non-standard "ED25519 PRIVATE KEY" label, ECDSA as SEC1 "EC PRIVATE KEY", RSA as PKCS#1 "RSA PRIVATE KEY".
// OpenSSL (and so node:crypto and TLS) rejects the Ed25519 label, so loading relabels it to "PRIVATE KEY".
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair as nodeGenerateKeyPair,
  webcrypto,
} from "node:crypto";
import type { KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { UserError } from "../../errors.js";
import { decodePem, encodePem } from "./pem.js";

export type KeyAlgorithm = "ed25519" | "ecdsa-p256" | "rsa-2048" | "rsa-4096";

export interface KeyPair {
  algorithm: KeyAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export const ED25519_PEM_LABEL = "ED25519 PRIVATE KEY";
const PRIVATE_KEY_LABELS = [ED25519_PEM_LABEL, "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"] as const;

const generate = promisify(nodeGenerateKeyPair);

/** A fresh key pair. Asynchronous so RSA-4096 runs on the thread pool instead of blocking the event loop. */
export async function generateKeyPair(algorithm: KeyAlgorithm): Promise<KeyPair> {
  switch (algorithm) {
    case "ed25519": {
      const { privateKey, publicKey } = await generate("ed25519");
      return { algorithm, privateKey, publicKey };
    }
    case "ecdsa-p256": {
      const { privateKey, publicKey } = await generate("ec", { namedCurve: "prime256v1" });
      return { algorithm, privateKey, publicKey };
    }
    case "rsa-2048":
    case "rsa-4096": {
      const modulusLength = algorithm === "rsa-2048" ? 2048 : 4096;
      const { privateKey, publicKey } = await generate("rsa", { modulusLength, publicExponent: 65537 });
      return { algorithm, privateKey, publicKey };
    }
  }
}

/** The algorithm of a key, or a UserError for key types Talos does not use. */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === "ed25519") return "ed25519";
  if (type === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ecdsa-p256";
  if (type === "rsa") {
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (bits === 2048) return "rsa-2048";
    if (bits === 4096) return "rsa-4096";
  }
  const detail = key.asymmetricKeyDetails?.namedCurve ?? key.asymmetricKeyDetails?.modulusLength ?? "";
  throw new UserError(`unsupported key type ${type ?? "unknown"} ${detail}`.trim(), {
    hint: "cairn handles Ed25519, ECDSA P-256 and RSA 2048/4096 keys",
  });
}

/** PEM text of a private key in Talos' encoding (see the module comment). */
export function privateKeyToPem(key: KeyObject): string {
  const algorithm = keyAlgorithmOf(key);
  if (algorithm === "ed25519")
    return encodePem(ED25519_PEM_LABEL, key.export({ type: "pkcs8", format: "der" }));
  if (algorithm === "ecdsa-p256")
    return encodePem("EC PRIVATE KEY", key.export({ type: "sec1", format: "der" }));
  return encodePem("RSA PRIVATE KEY", key.export({ type: "pkcs1", format: "der" }));
}

/** Parses any private key PEM Talos accepts (including "ED25519 PRIVATE KEY"). */
export function privateKeyFromPem(pem: string, what = "private key"): KeyObject {
  const block = decodePem(pem, PRIVATE_KEY_LABELS, what);
  const type =
    block.label === "EC PRIVATE KEY" ? "sec1" : block.label === "RSA PRIVATE KEY" ? "pkcs1" : "pkcs8";
  try {
    return createPrivateKey({ key: block.der, format: "der", type });
  } catch (e) {
    throw new UserError(`${what} could not be parsed: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The same key PEM with "ED25519 PRIVATE KEY" relabelled to "PRIVATE KEY" (the DER is standard PKCS#8), the form
 * node:crypto, tls and grpc-js accept. Other labels pass through unchanged.
 */
export function nodeCompatibleKeyPem(pem: string): string {
  return pem
    .replaceAll(`-----BEGIN ${ED25519_PEM_LABEL}-----`, "-----BEGIN PRIVATE KEY-----")
    .replaceAll(`-----END ${ED25519_PEM_LABEL}-----`, "-----END PRIVATE KEY-----");
}

export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}

export function publicKeyToSpkiDer(key: KeyObject): Buffer {
  return key.export({ type: "spki", format: "der" });
}

/** The WebCrypto algorithm a key signs with; matches Go's choice for each key type (SHA-256 for ECDSA/RSA). */
export function webCryptoAlgorithm(
  algorithm: KeyAlgorithm,
): webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | webcrypto.Algorithm {
  if (algorithm === "ed25519") return { name: "Ed25519" };
  if (algorithm === "ecdsa-p256") return { name: "ECDSA", namedCurve: "P-256" };
  return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
}

/** The private key as a non-extractable WebCrypto signing key (what @peculiar/x509 signs with). */
export async function toSigningKey(privateKey: KeyObject): Promise<webcrypto.CryptoKey> {
  const der = privateKey.export({ type: "pkcs8", format: "der" });
  return webcrypto.subtle.importKey("pkcs8", der, webCryptoAlgorithm(keyAlgorithmOf(privateKey)), false, [
    "sign",
  ]);
}
