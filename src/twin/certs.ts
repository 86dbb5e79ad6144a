// Certificates the twin's nodes present and check (research/talos.md §5): the maintenance service's ephemeral
// self-signed identity, and the apid server certificate a configured node issues itself from `machine.ca`. Built on
// the project's PKI (src/talos/pki), which makes certificates the way Talos does.
import { isIP } from "node:net";
import {
  createSelfSignedCA,
  DAY_MS,
  encodePem,
  issueCertificate,
  loadCertificateAuthority,
  nodeCompatibleKeyPem,
  parseCertificate,
  spkiFingerprint,
  type CertificateAuthority,
  type IssuedKeyPair,
} from "../talos/pki/index.js";

export interface CertKeyPem {
  /** PEM certificate (leaf first if a chain). */
  cert: string;
  /** PEM private key as Node/OpenSSL accept it (no "ED25519 PRIVATE KEY" label). */
  key: string;
}

/** Names for a SAN extension: deduplicated, empty ones dropped, split into DNS names and IP addresses. */
function sans(names: readonly string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const unique = [...new Set(names.filter((n) => n))];
  return { dnsNames: unique.filter((n) => !isIP(n)), ipAddresses: unique.filter((n) => isIP(n)) };
}

function certKeyPem(issued: IssuedKeyPair): CertKeyPem {
  return { cert: issued.certPem, key: nodeCompatibleKeyPem(issued.keyPem) };
}

/**
 * The maintenance service identity (Talos ≤1.12 `internal/app/maintenance`): an ephemeral Ed25519 CA with an
 * empty subject and a leaf with CN maintenance-service.talos.dev, SANs = node addresses + loopback + hostname.
 */
export async function maintenanceIdentity(
  addresses: readonly string[],
  hostname: string,
): Promise<CertKeyPem & { fingerprint: string }> {
  const now = new Date();
  const ca = await createSelfSignedCA({ algorithm: "ed25519", subject: {}, now, ttlMs: DAY_MS });
  const leaf = await issueCertificate(ca, {
    subject: { commonName: "maintenance-service.talos.dev" },
    keyUsage: ["digitalSignature"],
    extKeyUsage: ["serverAuth"],
    ...sans([...addresses, "127.0.0.1", "::1", hostname]),
    now,
    ttlMs: DAY_MS,
  });
  return { ...certKeyPem(leaf), fingerprint: spkiFingerprint(leaf.cert) };
}

/** apid's server certificate, issued from the Talos OS CA of the applied config (EKU serverAuth, 24h). */
export async function issueServerCert(
  caCertPem: string,
  caKeyPem: string,
  cn: string,
  names: readonly string[],
): Promise<CertKeyPem> {
  const ca: CertificateAuthority = loadCertificateAuthority(caCertPem, caKeyPem, "machine.ca");
  const leaf = await issueCertificate(ca, {
    subject: { commonName: cn },
    keyUsage: ["digitalSignature"],
    extKeyUsage: ["serverAuth"],
    ...sans(names),
    now: new Date(),
    backdateMs: 10_000,
    ttlMs: DAY_MS,
  });
  return certKeyPem(leaf);
}

interface ClientIdentity {
  roles: readonly string[];
  extKeyUsages: readonly string[];
  isCa: boolean;
}

// Parsed once per certificate: every call carries its client's certificate, and parsing one (ASN.1 in JS) costs
// more than a twin call itself. Bounded, since clients issue fresh certificates.
const identities = new Map<string, ClientIdentity>();
const IDENTITY_CACHE_SIZE = 256;

/** Roles (Subject O) and extended key usages ("clientAuth", "serverAuth" or an OID) of a DER peer certificate. */
export function clientIdentity(der: Buffer): ClientIdentity {
  const key = der.toString("base64");
  let id = identities.get(key);
  if (!id) {
    const cert = parseCertificate(encodePem("CERTIFICATE", der), "client certificate");
    id = Object.freeze({
      roles: Object.freeze([...cert.subject.organization]),
      extKeyUsages: Object.freeze([...cert.extKeyUsage]),
      isCa: cert.isCA,
    });
    if (identities.size >= IDENTITY_CACHE_SIZE) identities.delete(identities.keys().next().value!);
    identities.set(key, id);
  }
  return id;
}
