// X.509 certificates shaped like the ones Go's crypto/x509 and siderolabs/crypto produce for Talos (research/talos.md
// §1, §2, §5): extension order KeyUsage, ExtKeyUsage, BasicConstraints, SubjectKeyId, AuthorityKeyId, SAN; subject
// attributes as PrintableString where Go would use it, one RDN per attribute type; 128-bit random serials.
import "reflect-metadata";
import { createHash, X509Certificate as NodeX509Certificate } from "node:crypto";
import type { KeyObject } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { UserError } from "../../errors.js";
import {
  generateKeyPair,
  keyAlgorithmOf,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyOf,
  publicKeyToSpkiDer,
  toSigningKey,
  type KeyAlgorithm,
} from "./keys.js";
import { base64ToPem, decodePem, encodePem, pemToBase64 } from "./pem.js";
import { cryptoRandom, type RandomSource } from "./random.js";

export type KeyUsage =
  | "digitalSignature"
  | "contentCommitment"
  | "keyEncipherment"
  | "dataEncipherment"
  | "keyAgreement"
  | "certSign"
  | "crlSign";

export type ExtKeyUsage = "serverAuth" | "clientAuth";

export interface Subject {
  /** Subject O values; Talos carries API roles here. */
  organization?: readonly string[];
  commonName?: string;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** Talos' CAValidityTime: 87600h. */
export const CA_VALIDITY_MS = 87_600 * HOUR_MS;

export interface ValidityOptions {
  /** The clock: NotBefore = now − backdateMs, NotAfter = now + ttlMs. */
  now: Date;
  ttlMs: number;
  backdateMs?: number;
}

export interface CertificateOptions extends ValidityOptions {
  subject: Subject;
  keyUsage: readonly KeyUsage[];
  extKeyUsage?: readonly ExtKeyUsage[];
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  random?: RandomSource;
}

export interface CaOptions {
  algorithm: KeyAlgorithm;
  subject: Subject;
  now: Date;
  /** Default 87600h (10 years), as Talos. */
  ttlMs?: number;
  /**
   * "random": 20 random bytes, as siderolabs/crypto ≥ v0.6 (Talos ≥ 1.10). "sha1": SHA-1 of the public key bits,
   * what Go derives when the template leaves it empty (Talos 1.9).
   */
  subjectKeyId?: "random" | "sha1";
  random?: RandomSource;
}

export interface CertificateInfo {
  pem: string;
  der: Buffer;
  /** Lowercase hex without leading zero padding byte. */
  serialNumber: string;
  subject: { organization: string[]; commonName?: string };
  issuer: { organization: string[]; commonName?: string };
  notBefore: Date;
  notAfter: Date;
  isCA: boolean;
  keyUsage: KeyUsage[];
  /** Known usages by name, anything else as its OID. */
  extKeyUsage: string[];
  dnsNames: string[];
  ipAddresses: string[];
  /** Lowercase hex. */
  subjectKeyId?: string;
  authorityKeyId?: string;
  publicKey: KeyObject;
  algorithm: KeyAlgorithm;
}

/** A CA ready to sign: the certificate plus its private key, with both PEMs as stored on disk. */
export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
  cert: CertificateInfo;
  privateKey: KeyObject;
}

export interface IssuedCertificate {
  certPem: string;
  cert: CertificateInfo;
}

export interface IssuedKeyPair extends IssuedCertificate {
  keyPem: string;
  privateKey: KeyObject;
}

const EKU_OIDS: Record<ExtKeyUsage, string> = {
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
};

const KEY_USAGE_FLAGS: Record<KeyUsage, number> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  contentCommitment: x509.KeyUsageFlags.nonRepudiation,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  dataEncipherment: x509.KeyUsageFlags.dataEncipherment,
  keyAgreement: x509.KeyUsageFlags.keyAgreement,
  certSign: x509.KeyUsageFlags.keyCertSign,
  crlSign: x509.KeyUsageFlags.cRLSign,
};

const OID_ORGANIZATION = "2.5.4.10";
const OID_COMMON_NAME = "2.5.4.3";

// Go's asn1 isPrintable additionally accepts '*' and '&' (for wildcard names and legacy certificates).
const GO_PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?*&]*$/;

function attributeValue(value: string): { printableString: string } | { utf8String: string } {
  return GO_PRINTABLE.test(value) ? { printableString: value } : { utf8String: value };
}

// DER orders SET OF members by their encodings (Go's encoding/asn1 does so since 1.15). For values of one attribute
// type the encodings differ first in length, then in string tag, then in content.
function derSetOrder(values: readonly string[]): string[] {
  const key = (v: string) => {
    const bytes = Buffer.from(v, "utf8");
    return { len: bytes.length, tag: GO_PRINTABLE.test(v) ? 0x13 : 0x0c, bytes };
  };
  return [...values].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka.len - kb.len || ka.tag - kb.tag || Buffer.compare(ka.bytes, kb.bytes);
  });
}

/** The subject as Go's pkix.Name.ToRDNSequence encodes it: O before CN, each type one (multi-valued) RDN. */
function subjectName(subject: Subject): x509.Name {
  const rdns: x509.JsonNameParams = [];
  const organization = subject.organization ?? [];
  if (organization.length) rdns.push({ [OID_ORGANIZATION]: derSetOrder(organization).map(attributeValue) });
  if (subject.commonName) rdns.push({ [OID_COMMON_NAME]: [attributeValue(subject.commonName)] });
  return new x509.Name(rdns);
}

function serialHex(random: RandomSource): string {
  // Uniform in [0, 2^128) like Go's rand.Int(rand.Reader, 2^128); the library DER-minimises it.
  return Buffer.from(random(16)).toString("hex");
}

function validity(options: ValidityOptions): { notBefore: Date; notAfter: Date } {
  const now = options.now.getTime();
  return { notBefore: new Date(now - (options.backdateMs ?? 0)), notAfter: new Date(now + options.ttlMs) };
}

function keyUsageExtension(usages: readonly KeyUsage[]): x509.KeyUsagesExtension {
  let flags = 0;
  for (const usage of usages) flags |= KEY_USAGE_FLAGS[usage];
  return new x509.KeyUsagesExtension(flags, true);
}

function sanExtension(dnsNames: readonly string[], ipAddresses: readonly string[], subjectEmpty: boolean) {
  const names: x509.JsonGeneralNames = [
    ...dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...ipAddresses.map((value) => ({ type: "ip" as const, value })),
  ];
  // RFC 5280 4.2.1.6 (and Go): the SAN extension is critical when the subject is empty.
  return new x509.SubjectAlternativeNameExtension(names, subjectEmpty);
}

function isSubjectEmpty(subject: Subject): boolean {
  return !(subject.organization?.length || subject.commonName);
}

/** Creates a self-signed CA with Talos' CA template (research/talos.md §1). */
export async function createSelfSignedCA(options: CaOptions): Promise<CertificateAuthority> {
  const random = options.random ?? cryptoRandom;
  const keys = await generateKeyPair(options.algorithm);
  const spki = publicKeyToSpkiDer(keys.publicKey);
  const ski = options.subjectKeyId === "sha1" ? sha1OfPublicKeyBits(spki) : Buffer.from(random(20));
  const name = subjectName(options.subject);
  const { notBefore, notAfter } = validity({ now: options.now, ttlMs: options.ttlMs ?? CA_VALIDITY_MS });
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialHex(random),
    subject: name,
    issuer: name,
    notBefore,
    notAfter,
    publicKey: spki,
    signingKey: await toSigningKey(keys.privateKey),
    extensions: [
      keyUsageExtension(["digitalSignature", "certSign"]),
      new x509.ExtendedKeyUsageExtension([EKU_OIDS.serverAuth, EKU_OIDS.clientAuth], false),
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.SubjectKeyIdentifierExtension(ski.toString("hex"), false),
    ],
  });
  const certPem = encodePem("CERTIFICATE", new Uint8Array(cert.rawData));
  return {
    certPem,
    keyPem: privateKeyToPem(keys.privateKey),
    cert: parseCertificate(certPem),
    privateKey: keys.privateKey,
  };
}

// Go's fallback SubjectKeyId: SHA-1 over the subjectPublicKey BIT STRING contents.
function sha1OfPublicKeyBits(spkiDer: Buffer): Buffer {
  const bits = subjectPublicKeyBits(spkiDer);
  return createHash("sha1").update(bits).digest();
}

// SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE, subjectPublicKey BIT STRING }; return the BIT STRING bytes
// after its unused-bits octet.
function subjectPublicKeyBits(der: Buffer): Buffer {
  let offset = 0;
  const readHeader = (): { tag: number; length: number; start: number } => {
    const tag = der[offset++] ?? 0;
    let length = der[offset++] ?? 0;
    if (length & 0x80) {
      const n = length & 0x7f;
      length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + (der[offset++] ?? 0);
    }
    return { tag, length, start: offset };
  };
  readHeader(); // outer SEQUENCE
  const algorithm = readHeader();
  offset = algorithm.start + algorithm.length;
  const bitString = readHeader();
  return der.subarray(bitString.start + 1, bitString.start + bitString.length);
}

/** Signs a certificate for someone else's public key (e.g. from a CSR) with the CA. */
export async function signCertificate(
  ca: CertificateAuthority,
  publicKey: KeyObject,
  options: CertificateOptions,
): Promise<IssuedCertificate> {
  const random = options.random ?? cryptoRandom;
  const { notBefore, notAfter } = validity(options);
  const extensions: x509.Extension[] = [keyUsageExtension(options.keyUsage)];
  if (options.extKeyUsage?.length)
    extensions.push(
      new x509.ExtendedKeyUsageExtension(
        options.extKeyUsage.map((u) => EKU_OIDS[u]),
        false,
      ),
    );
  if (ca.cert.subjectKeyId)
    extensions.push(new x509.AuthorityKeyIdentifierExtension(ca.cert.subjectKeyId, false));
  const dnsNames = options.dnsNames ?? [];
  const ipAddresses = options.ipAddresses ?? [];
  if (dnsNames.length || ipAddresses.length)
    extensions.push(sanExtension(dnsNames, ipAddresses, isSubjectEmpty(options.subject)));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialHex(random),
    subject: subjectName(options.subject),
    issuer: new x509.Name(new Uint8Array(new x509.X509Certificate(ca.cert.der).subjectName.toArrayBuffer())),
    notBefore,
    notAfter,
    publicKey: publicKeyToSpkiDer(publicKey),
    signingKey: await toSigningKey(ca.privateKey),
    extensions,
  });
  const certPem = encodePem("CERTIFICATE", new Uint8Array(cert.rawData));
  return { certPem, cert: parseCertificate(certPem) };
}

/**
 * Issues a certificate with a fresh key. The key type defaults to the CA's, as Talos does (Ed25519 under the OS CA,
 * ECDSA P-256 under the Kubernetes CA).
 */
export async function issueCertificate(
  ca: CertificateAuthority,
  options: CertificateOptions & { keyAlgorithm?: KeyAlgorithm },
): Promise<IssuedKeyPair> {
  const keys = await generateKeyPair(options.keyAlgorithm ?? ca.cert.algorithm);
  const signed = await signCertificate(ca, keys.publicKey, options);
  return { ...signed, keyPem: privateKeyToPem(keys.privateKey), privateKey: keys.privateKey };
}

/**
 * A self-signed leaf (not a CA), e.g. for a throwaway server identity. Uses the leaf extension set: KeyUsage,
 * ExtKeyUsage, SAN.
 */
export async function createSelfSignedCertificate(
  options: CertificateOptions & { keyAlgorithm: KeyAlgorithm },
): Promise<IssuedKeyPair> {
  const random = options.random ?? cryptoRandom;
  const keys = await generateKeyPair(options.keyAlgorithm);
  const { notBefore, notAfter } = validity(options);
  const name = subjectName(options.subject);
  const extensions: x509.Extension[] = [keyUsageExtension(options.keyUsage)];
  if (options.extKeyUsage?.length)
    extensions.push(
      new x509.ExtendedKeyUsageExtension(
        options.extKeyUsage.map((u) => EKU_OIDS[u]),
        false,
      ),
    );
  const dnsNames = options.dnsNames ?? [];
  const ipAddresses = options.ipAddresses ?? [];
  if (dnsNames.length || ipAddresses.length)
    extensions.push(sanExtension(dnsNames, ipAddresses, isSubjectEmpty(options.subject)));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialHex(random),
    subject: name,
    issuer: name,
    notBefore,
    notAfter,
    publicKey: publicKeyToSpkiDer(keys.publicKey),
    signingKey: await toSigningKey(keys.privateKey),
    extensions,
  });
  const certPem = encodePem("CERTIFICATE", new Uint8Array(cert.rawData));
  return {
    certPem,
    cert: parseCertificate(certPem),
    keyPem: privateKeyToPem(keys.privateKey),
    privateKey: keys.privateKey,
  };
}

const KNOWN_EKU: Record<string, ExtKeyUsage> = Object.fromEntries(
  Object.entries(EKU_OIDS).map(([name, oid]) => [oid, name as ExtKeyUsage]),
);

function nameInfo(name: x509.Name): { organization: string[]; commonName?: string } {
  const cn = name.getField(OID_COMMON_NAME)[0];
  return { organization: name.getField(OID_ORGANIZATION), ...(cn === undefined ? {} : { commonName: cn }) };
}

/** Parses one PEM certificate into the fields cairn checks. */
export function parseCertificate(pem: string, what = "certificate"): CertificateInfo {
  const block = decodePem(pem, ["CERTIFICATE"], what);
  let cert: x509.X509Certificate;
  let publicKey: KeyObject;
  try {
    cert = new x509.X509Certificate(new Uint8Array(block.der));
    publicKey = new NodeX509Certificate(block.der).publicKey;
  } catch (e) {
    throw new UserError(`${what} could not be parsed: ${(e as Error).message}`, { cause: e });
  }
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  const keyUsage = ku
    ? (Object.keys(KEY_USAGE_FLAGS) as KeyUsage[]).filter((u) => (ku.usages & KEY_USAGE_FLAGS[u]) !== 0)
    : [];
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  const sanItems = san?.names.items ?? [];
  return {
    pem: encodePem("CERTIFICATE", block.der),
    der: block.der,
    serialNumber: cert.serialNumber.toLowerCase(),
    subject: nameInfo(cert.subjectName),
    issuer: nameInfo(cert.issuerName),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    isCA: bc?.ca ?? false,
    keyUsage,
    extKeyUsage: Array.from(eku?.usages ?? [], (oid) => KNOWN_EKU[String(oid)] ?? String(oid)),
    dnsNames: sanItems.filter((n) => n.type === "dns").map((n) => n.value),
    ipAddresses: sanItems.filter((n) => n.type === "ip").map((n) => n.value),
    ...(ski ? { subjectKeyId: ski.keyId.toLowerCase() } : {}),
    ...(aki?.keyId ? { authorityKeyId: aki.keyId.toLowerCase() } : {}),
    publicKey,
    algorithm: keyAlgorithmOf(publicKey),
  };
}

/** Loads a CA from its PEM certificate and private key, checking that they belong together. */
export function loadCertificateAuthority(certPem: string, keyPem: string, what = "CA"): CertificateAuthority {
  const cert = parseCertificate(certPem, `${what} certificate`);
  const privateKey = privateKeyFromPem(keyPem, `${what} key`);
  const fromKey = publicKeyToSpkiDer(publicKeyOf(privateKey));
  if (!fromKey.equals(publicKeyToSpkiDer(cert.publicKey)))
    throw new UserError(`${what} key does not match the ${what} certificate`, {
      hint: "the crt and key entries must come from the same CA",
    });
  return { certPem, keyPem, cert, privateKey };
}

/** Loads a CA from a secrets-bundle (or machine config) entry: `{ crt, key }`, each base64 of PEM. */
export function loadCertificateAuthorityFromEntry(
  entry: { crt: string; key: string },
  what = "CA",
): CertificateAuthority {
  return loadCertificateAuthority(
    base64ToPem(entry.crt, `${what} crt`),
    base64ToPem(entry.key, `${what} key`),
    what,
  );
}

/** The bundle-entry form of a CA: `{ crt, key }` as base64 of PEM. */
export function certificateAuthorityToEntry(ca: CertificateAuthority): { crt: string; key: string } {
  return { crt: pemToBase64(ca.certPem), key: pemToBase64(ca.keyPem) };
}

/** base64(SHA-256(SubjectPublicKeyInfo)), the fingerprint talosctl's --cert-fingerprint pins. */
export function spkiFingerprint(cert: CertificateInfo): string {
  return createHash("sha256").update(publicKeyToSpkiDer(cert.publicKey)).digest("base64");
}
