// Certificates the twin's nodes present and check (research/talos.md §5): the maintenance service's ephemeral
// self-signed identity, and the apid server certificate a configured node issues itself from `machine.ca`.
// Built on @peculiar/x509 + WebCrypto, which handle Ed25519 (the Talos OS CA's type) and ECDSA P-256.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createHash, createPrivateKey, randomBytes, webcrypto } from "node:crypto";
import { isIP } from "node:net";

export interface CertKeyPem {
  /** PEM certificate (leaf first if a chain). */
  cert: string;
  /** PEM private key as Node/OpenSSL accept it (PKCS#8 "PRIVATE KEY"). */
  key: string;
}

const ED25519 = { name: "Ed25519" } as const;
const ECDSA = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const HOUR = 3600_000;

/** Talos writes Ed25519 keys with an `ED25519 PRIVATE KEY` label that OpenSSL refuses; the DER is plain PKCS#8. */
export function relabelKey(pem: string): string {
  return pem.replace(/-----(BEGIN|END) ED25519 PRIVATE KEY-----/g, "-----$1 PRIVATE KEY-----");
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString("hex");
}

function sanEntries(names: readonly string[]): x509.JsonGeneralName[] {
  const seen = new Set<string>();
  const out: x509.JsonGeneralName[] = [];
  for (const n of names) {
    if (!n || seen.has(n)) continue;
    seen.add(n);
    out.push(isIP(n) ? { type: "ip", value: n } : { type: "dns", value: n });
  }
  return out;
}

async function exportKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key as webcrypto.CryptoKey));
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/** base64(SHA-256(SubjectPublicKeyInfo)) of a PEM certificate: what `talosctl --cert-fingerprint` pins. */
export function fingerprint(certPem: string): string {
  const cert = new x509.X509Certificate(certPem);
  return createHash("sha256").update(Buffer.from(cert.publicKey.rawData)).digest("base64");
}

interface LoadedCa {
  cert: x509.X509Certificate;
  key: webcrypto.CryptoKey;
  algorithm: typeof ED25519 | typeof ECDSA;
}

async function loadCa(certPem: string, keyPem: string): Promise<LoadedCa> {
  const relabelled = relabelKey(keyPem);
  const nodeKey = createPrivateKey(relabelled);
  const der = nodeKey.export({ format: "der", type: "pkcs8" });
  const type = nodeKey.asymmetricKeyType;
  const algorithm = type === "ed25519" ? ED25519 : type === "ec" ? ECDSA : undefined;
  if (!algorithm) throw new Error(`unsupported CA key type ${type ?? "unknown"}`);
  const key = (await webcrypto.subtle.importKey("pkcs8", der, algorithm, false, [
    "sign",
  ])) as unknown as webcrypto.CryptoKey;
  return { cert: new x509.X509Certificate(certPem), key, algorithm };
}

async function newKeyPair(algorithm: typeof ED25519 | typeof ECDSA): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithm, true, [
    "sign",
    "verify",
  ])) as unknown as webcrypto.CryptoKeyPair;
}

/**
 * The maintenance service identity (Talos ≤1.12 `internal/app/maintenance`): an ephemeral Ed25519 CA with an
 * empty subject and a leaf with CN maintenance-service.talos.dev, SANs = node addresses + loopback + hostname.
 */
export async function maintenanceIdentity(
  addresses: readonly string[],
  hostname: string,
): Promise<CertKeyPem & { fingerprint: string }> {
  const now = Date.now();
  const caKeys = await newKeyPair(ED25519);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: [],
    notBefore: new Date(now),
    notAfter: new Date(now + 24 * HOUR),
    keys: caKeys,
    signingAlgorithm: ED25519,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  const leafKeys = await newKeyPair(ED25519);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: "CN=maintenance-service.talos.dev",
    issuer: ca.subjectName,
    notBefore: new Date(now),
    notAfter: new Date(now + 24 * HOUR),
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ED25519,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(sanEntries([...addresses, "127.0.0.1", "::1", hostname])),
    ],
  });
  const cert = leaf.toString("pem");
  return { cert: `${cert}\n`, key: await exportKeyPem(leafKeys.privateKey), fingerprint: fingerprint(cert) };
}

/** apid's server certificate, issued from the Talos OS CA of the applied config (EKU serverAuth, 24h). */
export async function issueServerCert(
  caCertPem: string,
  caKeyPem: string,
  cn: string,
  sans: readonly string[],
): Promise<CertKeyPem> {
  const ca = await loadCa(caCertPem, caKeyPem);
  const keys = await newKeyPair(ca.algorithm);
  const now = Date.now();
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${cn}`,
    issuer: ca.cert.subjectName,
    notBefore: new Date(now - 10_000),
    notAfter: new Date(now + 24 * HOUR),
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ca.algorithm,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(sanEntries(sans)),
    ],
  });
  return { cert: `${leaf.toString("pem")}\n`, key: await exportKeyPem(keys.privateKey) };
}

export interface ClientCertOptions {
  /** Subject O values, e.g. ["os:reader"]. */
  roles: readonly string[];
  /** Extended key usages; Talos issues exactly [clientAuth]. */
  usages?: readonly ("clientAuth" | "serverAuth")[];
  validityMs?: number;
}

/** A Talos API client certificate (roles in Subject O), for tests and for rehearsing access with the twin. */
export async function issueClientCert(
  caCertPem: string,
  caKeyPem: string,
  options: ClientCertOptions,
): Promise<CertKeyPem> {
  const ca = await loadCa(caCertPem, caKeyPem);
  const keys = await newKeyPair(ca.algorithm);
  const now = Date.now();
  const usages = (options.usages ?? ["clientAuth"]).map((u) =>
    u === "clientAuth" ? x509.ExtendedKeyUsage.clientAuth : x509.ExtendedKeyUsage.serverAuth,
  );
  const subject = options.roles.map((r) => `O=${r.replace(/([,+"\\<>;=])/g, "\\$1")}`).join(", ");
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subjectName,
    notBefore: new Date(now - 10_000),
    notAfter: new Date(now + (options.validityMs ?? 365 * 24 * HOUR)),
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ca.algorithm,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature),
      new x509.ExtendedKeyUsageExtension(usages),
    ],
  });
  return { cert: `${leaf.toString("pem")}\n`, key: await exportKeyPem(keys.privateKey) };
}

/** A fresh self-signed Ed25519 CA (O=talos), e.g. a foreign CA for negative tests. */
export async function createOsCa(): Promise<CertKeyPem> {
  const keys = await newKeyPair(ED25519);
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: "O=talos",
    notBefore: new Date(now),
    notAfter: new Date(now + 87600 * HOUR),
    keys,
    signingAlgorithm: ED25519,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
    ],
  });
  return { cert: `${ca.toString("pem")}\n`, key: await exportKeyPem(keys.privateKey) };
}

/** Roles (Subject O) and extended key usages of a DER client certificate presented over TLS. */
export function clientIdentity(der: Buffer): { roles: string[]; extKeyUsages: string[]; isCa: boolean } {
  const cert = new x509.X509Certificate(der);
  const roles = cert.subjectName.getField("O");
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  return { roles, extKeyUsages: eku ? eku.usages.map(String) : [], isCa: bc?.ca ?? false };
}

export const EKU_CLIENT_AUTH = x509.ExtendedKeyUsage.clientAuth as string;
