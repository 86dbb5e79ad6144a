// TLS to a PVE node, always verified: by a CA (the cluster's pve-root-ca.pem, or the system store for an ACME
// certificate) and/or by a pinned SHA-256 fingerprint of the node's certificate. PVE ships self-signed certificates,
// and Node runs checkServerIdentity only when the chain verified, so the checks happen here, on the socket, before
// any request byte (the token) is written. Node's fetch cannot do this; node:https with an agent can.
import type { ClientRequestArgs } from "node:http";
import { Agent, type AgentOptions } from "node:https";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import { isIP } from "node:net";
import { UserError } from "../../errors.js";
import { ProxmoxTlsError } from "./errors.js";

export interface ProxmoxTrust {
  /** PEM CA certificate(s) the node's certificate must chain to (e.g. /etc/pve/pve-root-ca.pem). */
  caPem?: string;
  /** Trust the system CA store (a publicly trusted certificate, e.g. from ACME). */
  systemCa?: boolean;
  /** SHA-256 fingerprint of the node's certificate: "AB:CD:…" (as PVE shows it) or 64 hex digits. */
  fingerprint?: string;
}

export interface PresentedCertificate {
  /** Colon-separated upper-case hex, the format PVE's UI and `pvenode cert info` show. */
  fingerprint256: string;
  subject: string;
  issuer: string;
  validTo: string;
  subjectAltName: string;
  /** Whether the chain verified against the trust given to the probe (none: always false for self-signed). */
  authorized: boolean;
  authorizationError: string | undefined;
}

/** "ab cd:…", "sha256:ABCD…" or 64 hex digits → "AB:CD:…"; a UserError for anything that is not 32 bytes. */
function normaliseFingerprint(text: string): string {
  const hex = text
    .trim()
    .replace(/^sha-?256[:=\s]*/i, "")
    .replace(/[\s:]/g, "")
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex))
    throw new UserError(`"${text}" is not a SHA-256 certificate fingerprint`, {
      hint: "use the 64 hex digits PVE shows under Node → System → Certificates, e.g. AB:CD:…:EF",
    });
  return hex.match(/../g)!.join(":");
}

function describe(cert: tls.PeerCertificate): PresentedCertificate {
  const name = (n: unknown): string =>
    n && typeof n === "object"
      ? Object.entries(n as Record<string, string | string[]>)
          .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("+") : v}`)
          .join(", ")
      : "";
  return {
    fingerprint256: cert.fingerprint256,
    subject: name(cert.subject),
    issuer: name(cert.issuer),
    validTo: cert.valid_to,
    subjectAltName: cert.subjectaltname ?? "",
    authorized: false,
    authorizationError: undefined,
  };
}

interface VerifyInput {
  host: string;
  socket: tls.TLSSocket;
  trust: ProxmoxTrust;
  pinned: string | undefined;
}

/** Returns an error when the socket's peer does not pass the configured trust, undefined when it does. */
function verify({ host, socket, trust, pinned }: VerifyInput): ProxmoxTlsError | undefined {
  const cert = socket.getPeerCertificate();
  const presented = cert?.fingerprint256;
  if (!presented)
    return new ProxmoxTlsError(
      "untrusted",
      `${host} presented no certificate`,
      undefined,
      "check the endpoint URL",
    );
  const pinHint = `if the node's certificate was renewed on purpose, pin the new fingerprint ${presented} (provider.fingerprint in cairn.yaml)`;
  if (pinned !== undefined && presented !== pinned)
    return new ProxmoxTlsError(
      "mismatch",
      `the certificate of ${host} has SHA-256 fingerprint ${presented}, not the pinned ${pinned}: refusing to send the API token`,
      presented,
      `${pinHint}; otherwise someone may be intercepting the connection`,
    );
  const chainTrust = trust.caPem !== undefined || trust.systemCa === true;
  if (chainTrust) {
    if (!socket.authorized)
      return new ProxmoxTlsError(
        "untrusted",
        `the certificate of ${host} (SHA-256 ${presented}) is not signed by the configured CA: ${String(socket.authorizationError)}`,
        presented,
        `give the cluster CA (/etc/pve/pve-root-ca.pem on any node) as provider.caFile, or compare the fingerprint with Node → System → Certificates and pin it: provider.fingerprint: "${presented}"`,
      );
    const identity = tls.checkServerIdentity(host, cert);
    if (identity)
      return new ProxmoxTlsError(
        "hostname",
        `the certificate of ${host} does not name it (${cert.subjectaltname ?? "no SAN"}): ${identity.message}`,
        presented,
        "use the host name or address the node's certificate was issued for, or pin the fingerprint instead",
      );
  }
  if (!chainTrust && pinned === undefined)
    return new ProxmoxTlsError(
      "no-trust",
      `no way to verify ${host} is configured; it presented a certificate with SHA-256 fingerprint ${presented} (subject ${describe(cert).subject}, issuer ${describe(cert).issuer})`,
      presented,
      `compare it with Node → System → Certificates in the PVE UI, then pin it (provider.fingerprint: "${presented}") or give the cluster CA file (provider.caFile)`,
    );
  return undefined;
}

/**
 * An https.Agent whose every new connection is verified against `trust` before the agent hands it to a request.
 * Sessions are not cached, so each socket shows its certificate (a resumed session may not).
 */
export class ProxmoxAgent extends Agent {
  private readonly trust: ProxmoxTrust;
  private readonly pinned: string | undefined;

  constructor(trust: ProxmoxTrust, options: AgentOptions = {}) {
    super({ keepAlive: true, maxSockets: 8, ...options, maxCachedSessions: 0 });
    this.trust = trust;
    this.pinned = trust.fingerprint === undefined ? undefined : normaliseFingerprint(trust.fingerprint);
  }

  override createConnection(
    options: ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const host = String(options.hostname ?? options.host ?? "localhost").replace(/^\[|\]$/g, "");
    const socket = tls.connect({
      host,
      port: Number(options.port ?? 8006),
      ...(isIP(host) ? {} : { servername: host }),
      // Verification is done below so the error can name the presented fingerprint; nothing is sent before it.
      rejectUnauthorized: false,
      ...(this.trust.caPem !== undefined ? { ca: this.trust.caPem } : {}),
      ALPNProtocols: ["http/1.1"],
    });
    const fail = (e: Error): void => {
      socket.destroy();
      callback?.(e, socket);
    };
    socket.once("error", fail);
    socket.once("secureConnect", () => {
      socket.removeListener("error", fail);
      const problem = verify({ host, socket, trust: this.trust, pinned: this.pinned });
      if (problem) return fail(problem);
      callback?.(null, socket);
    });
    return undefined;
  }
}

/** Connects once without trusting anything and describes the certificate: what `first contact` shows the user. */
export function probeCertificate(
  endpoint: string,
  trust: ProxmoxTrust = {},
  timeoutMs = 10_000,
): Promise<PresentedCertificate> {
  const url = new URL(endpoint);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port: Number(url.port || 8006),
      ...(isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
      ...(trust.caPem !== undefined ? { ca: trust.caPem } : {}),
    });
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`no TLS answer from ${url.host} in ${timeoutMs} ms`)),
    );
    socket.once("error", reject);
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      const out = describe(cert);
      out.authorized = socket.authorized && tls.checkServerIdentity(host, cert) === undefined;
      out.authorizationError = socket.authorizationError ? String(socket.authorizationError) : undefined;
      socket.end();
      resolve(out);
    });
  });
}
