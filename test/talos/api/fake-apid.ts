// A tiny in-test Talos apid: grpc-js server on 127.0.0.1 with real mTLS (Talos-shaped Ed25519 certs from
// src/talos/pki) or a maintenance-style self-signed cert, serving cairn's message definitions. Handlers are given
// per test; helpers emulate apid's `nodes` fan-out (hostname injection, per-node errors in metadata.error).
import { X509Certificate } from "node:crypto";
import {
  Server,
  ServerCredentials,
  status,
  type Metadata,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { serviceDefinition, SERVICES, type ServiceName } from "../../../src/talos/api/messages.js";
import {
  createSelfSignedCA,
  createSelfSignedCertificate,
  issueCertificate,
  nodeCompatibleKeyPem,
  DAY_MS,
  type CertificateAuthority,
} from "../../../src/talos/pki/index.js";

export interface Pki {
  ca: CertificateAuthority;
  server: { certPem: string; keyPem: string };
  admin: { certPem: string; keyPem: string };
  reader: { certPem: string; keyPem: string };
}

export async function makePki(ipSans: string[] = ["127.0.0.1"]): Promise<Pki> {
  const now = new Date();
  const ca = await createSelfSignedCA({ algorithm: "ed25519", subject: { organization: ["talos"] }, now });
  const server = await issueCertificate(ca, {
    now,
    ttlMs: DAY_MS,
    subject: { commonName: "node" },
    keyUsage: ["digitalSignature"],
    extKeyUsage: ["serverAuth"],
    ipAddresses: ipSans,
    dnsNames: ["node"],
  });
  const client = (role: string) =>
    issueCertificate(ca, {
      now,
      ttlMs: DAY_MS,
      subject: { organization: [role] },
      keyUsage: ["digitalSignature"],
      extKeyUsage: ["clientAuth"],
    });
  const admin = await client("os:admin");
  const reader = await client("os:reader");
  return {
    ca,
    server: { certPem: server.certPem, keyPem: server.keyPem },
    admin: { certPem: admin.certPem, keyPem: admin.keyPem },
    reader: { certPem: reader.certPem, keyPem: reader.keyPem },
  };
}

export async function makeMaintenanceCert(): Promise<{
  certPem: string;
  keyPem: string;
  fingerprint: string;
}> {
  const cert = await createSelfSignedCertificate({
    now: new Date(),
    ttlMs: DAY_MS,
    keyAlgorithm: "ed25519",
    subject: { commonName: "maintenance-service.talos.dev" },
    keyUsage: ["digitalSignature"],
    extKeyUsage: ["serverAuth"],
    ipAddresses: ["127.0.0.1"],
  });
  const spki = new X509Certificate(cert.certPem).publicKey.export({ type: "spki", format: "der" });
  const { createHash } = await import("node:crypto");
  return {
    certPem: cert.certPem,
    keyPem: cert.keyPem,
    fingerprint: createHash("sha256").update(spki).digest("base64"),
  };
}

export type Handlers = Partial<Record<ServiceName, UntypedServiceImplementation>>;

export interface FakeApid {
  port: number;
  endpoint: string;
  server: Server;
  stop(): Promise<void>;
}

/** Roles from the peer certificate's Subject O, as apid's authz injector reads them. */
export function peerRoles(call: {
  getPeer(): string;
  getAuthContext?: () => { sslPeerCertificate?: { subject?: { O?: string | string[] } } };
}): string[] {
  const o = call.getAuthContext?.()?.sslPeerCertificate?.subject?.O;
  return o === undefined ? [] : Array.isArray(o) ? o : [o];
}

export async function startFakeApid(
  handlers: Handlers,
  tls: { mode: "mtls"; pki: Pki } | { mode: "maintenance"; certPem: string; keyPem: string },
  port = 0,
): Promise<FakeApid> {
  const server = new Server();
  for (const name of SERVICES) {
    const impl = handlers[name];
    if (impl) server.addService(serviceDefinition(name), impl);
  }
  const creds =
    tls.mode === "mtls"
      ? ServerCredentials.createSsl(
          Buffer.from(tls.pki.ca.certPem),
          [
            {
              cert_chain: Buffer.from(tls.pki.server.certPem),
              private_key: Buffer.from(nodeCompatibleKeyPem(tls.pki.server.keyPem)),
            },
          ],
          true,
        )
      : ServerCredentials.createSsl(
          null,
          [
            {
              cert_chain: Buffer.from(tls.certPem),
              private_key: Buffer.from(nodeCompatibleKeyPem(tls.keyPem)),
            },
          ],
          false,
        );
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, creds, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port: bound,
    endpoint: `127.0.0.1:${bound}`,
    server,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** The `node` header (apid's one-to-one proxying, what the client sends per node), or undefined. */
export function nodeOf(md: Metadata): string | undefined {
  const v = md.get("node")[0];
  return v === undefined ? undefined : String(v);
}

/**
 * A unary reply as apid gives it for a one-to-one proxied call: the target's message without metadata, or the
 * target's failure as the call's gRPC status (a node in `dead` is unreachable from apid).
 */
export function proxied<M extends object>(
  md: Metadata,
  cb: (err: { code: number; details: string } | null, value?: unknown) => void,
  make: (node: string) => M,
  dead: readonly string[] = [],
): void {
  const node = nodeOf(md) ?? "";
  if (dead.includes(node))
    return cb({
      code: status.UNAVAILABLE,
      details: `connection error: dial tcp ${node}:50000: connect: connection refused`,
    });
  cb(null, { messages: [make(node)] });
}

/** The `nodes` header values (apid's one-to-many targets). */
export function nodesOf(md: Metadata): string[] {
  return md.get("nodes").flatMap((v) =>
    String(v)
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

export const UNIMPLEMENTED_IN_MAINTENANCE = {
  code: status.UNIMPLEMENTED,
  details: "API is not implemented in maintenance mode",
};
