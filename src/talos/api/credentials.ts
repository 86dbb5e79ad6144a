// TLS for the Talos API as grpc-js channel credentials. Our own connector instead of createSsl because:
// * endpoints are IPs: the certificate must be checked against IP SANs, and Node warns (DEP0123) when an IP is sent
//   as SNI, which createSsl always does;
// * maintenance mode skips verification but must still see the leaf to show and pin its fingerprint, and Node never
//   calls checkServerIdentity for an unverified chain.
import { createHash } from "node:crypto";
import { isIP, type Socket } from "node:net";
import {
  checkServerIdentity,
  connect as tlsConnect,
  createSecureContext,
  type SecureContext,
  type TLSSocket,
} from "node:tls";
import { CallCredentials, ChannelCredentials } from "@grpc/grpc-js";
import type { ChannelOptions } from "@grpc/grpc-js";
import type { SecureConnector } from "@grpc/grpc-js/build/src/channel-credentials.js";
import type { GrpcUri } from "@grpc/grpc-js/build/src/uri-parser.js";
import { encodePem, nodeCompatibleKeyPem, parseCertificate, spkiFingerprint } from "../pki/index.js";

export type TlsMode =
  | { mode: "mtls"; caPem: string; certPem: string; keyPem: string }
  | { mode: "insecure"; fingerprint?: string };

/** Where the connector reports what it saw, so the client can turn a failed handshake into a precise error. */
export interface HandshakeObserver {
  fingerprint(endpoint: string, fingerprint: string): void;
  failure(endpoint: string, error: Error): void;
}

/** Marks a connection refused because the leaf did not match the pinned fingerprint. */
export class FingerprintMismatch extends Error {
  constructor(
    readonly expected: string,
    readonly observed: string,
  ) {
    super(`server certificate fingerprint ${observed} does not match the expected ${expected}`);
    this.name = "FingerprintMismatch";
  }
}

/**
 * The node refused cairn's client certificate: it answered the handshake with one of the TLS alerts a server sends
 * about the peer's certificate. In TLS 1.3 that alert arrives after the client already considers the handshake
 * done, so grpc-js only sees a dropped connection; the connector catches it on the TLS socket itself.
 */
export class ClientCertificateRefused extends Error {
  /** How the refusal showed: the TLS alert, or the node hanging up before its first HTTP/2 frame. */
  readonly detail: string;

  constructor(alert: string | undefined, options: { cause?: unknown } = {}) {
    const detail = alert
      ? `TLS alert: ${alert}`
      : "it closed the connection right after the TLS handshake, before saying anything";
    super(`the node refused the client certificate (${detail})`, options);
    this.name = "ClientCertificateRefused";
    this.detail = detail;
  }
}

/** How long to wait for the node's first bytes after an mTLS handshake (HTTP/2 servers send SETTINGS at once). */
const FIRST_WORD_MS = 1500;

/**
 * Resolves when the peer has sent application data (left unread in the socket for grpc-js), has said nothing for
 * `waitMs`, or has hung up ("closed") or failed (the error).
 */
function firstWord(socket: TLSSocket, waitMs: number): Promise<"data" | "quiet" | "closed" | Error> {
  return new Promise((resolve) => {
    const done = (r: "data" | "quiet" | "closed" | Error): void => {
      socket.off("readable", onReadable);
      socket.off("end", onEnd);
      socket.off("close", onEnd);
      socket.off("error", onError);
      clearTimeout(timer);
      resolve(r);
    };
    const onReadable = (): void => {
      const chunk: unknown = socket.read();
      if (chunk === null) return;
      socket.unshift(chunk as Buffer);
      done("data");
    };
    const onEnd = (): void => done("closed");
    const onError = (e: Error): void => done(e);
    const timer = setTimeout(() => done("quiet"), waitMs);
    timer.unref();
    socket.on("readable", onReadable);
    socket.once("end", onEnd);
    socket.once("close", onEnd);
    socket.once("error", onError);
  });
}

// OpenSSL's reason codes (Node's `ERR_SSL_<reason>`) for alerts received from the peer about our certificate:
// bad_certificate, unsupported_certificate, certificate_revoked, certificate_expired, certificate_unknown,
// unknown_ca, access_denied, decrypt_error (a certificate whose key does not match) and certificate_required.
const CLIENT_CERTIFICATE_ALERT =
  /^ERR_SSL_(SSLV3_ALERT_(BAD_CERTIFICATE|UNSUPPORTED_CERTIFICATE|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED|CERTIFICATE_UNKNOWN)|TLSV1_ALERT_(UNKNOWN_CA|ACCESS_DENIED|DECRYPT_ERROR)|TLSV13_ALERT_CERTIFICATE_REQUIRED)$/;

/** The alert's name ("tlsv1 alert unknown ca") when `e` is the peer refusing our client certificate. */
function clientCertificateAlert(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const { code, reason } = e as { code?: unknown; reason?: unknown };
  if (typeof code !== "string" || !CLIENT_CERTIFICATE_ALERT.test(code)) return undefined;
  return typeof reason === "string" && reason ? reason : code.slice("ERR_SSL_".length).toLowerCase();
}

function hostOf(target: GrpcUri): string {
  const path = target.path;
  if (path.startsWith("[")) return path.slice(1, path.indexOf("]"));
  const colon = path.lastIndexOf(":");
  return colon > 0 && path.indexOf(":") === colon ? path.slice(0, colon) : path;
}

class TalosConnector implements SecureConnector {
  constructor(
    private readonly creds: TalosChannelCredentials,
    private readonly host: string,
    private readonly endpoint: string,
    private readonly callCredentials: CallCredentials,
  ) {}

  connect(socket: Socket): Promise<{ socket: Socket; secure: boolean }> {
    const { tlsMode, observer } = this.creds;
    return new Promise((resolve, reject) => {
      const tlsSocket = tlsConnect({
        socket,
        secureContext: this.creds.secureContext,
        ALPNProtocols: ["h2"],
        // SNI only for names: RFC 6066 forbids IP literals there.
        ...(isIP(this.host) ? {} : { servername: this.host }),
        rejectUnauthorized: tlsMode.mode === "mtls",
        // Verified against the IP or DNS SANs of the endpoint as dialled; Node's checker handles both.
        checkServerIdentity: (_name, cert) => checkServerIdentity(this.host, cert),
      });
      const refused = (error: Error): Error => {
        const alert = tlsMode.mode === "mtls" ? clientCertificateAlert(error) : undefined;
        return alert ? new ClientCertificateRefused(alert, { cause: error }) : error;
      };
      const fail = (error: Error): void => {
        const e = refused(error);
        observer?.failure(this.endpoint, e);
        tlsSocket.destroy();
        reject(e);
      };
      tlsSocket.once("error", fail);
      tlsSocket.once("secureConnect", () => {
        tlsSocket.removeListener("error", fail);
        if (tlsMode.mode === "insecure") {
          const leaf = tlsSocket.getPeerCertificate();
          if (!leaf?.raw) return fail(new Error("server presented no certificate"));
          const observed = spkiFingerprint(
            parseCertificate(encodePem("CERTIFICATE", leaf.raw), "server certificate"),
          );
          observer?.fingerprint(this.endpoint, observed);
          if (tlsMode.fingerprint !== undefined && tlsMode.fingerprint !== observed)
            return fail(new FingerprintMismatch(tlsMode.fingerprint, observed));
        } else if (!tlsSocket.authorized) {
          return fail(tlsSocket.authorizationError ?? new Error("server certificate not authorized"));
        } else {
          // TLS 1.3: the node judges our certificate only after our side of the handshake is done. A refusal is
          // an alert (Go's crypto/tls, as apid) or a plain hang-up (Node's TLS server, as the twin), which grpc-js
          // would report as a dropped connection; so wait for the node's first word before handing the socket on.
          void firstWord(tlsSocket, FIRST_WORD_MS).then((word) => {
            if (word === "closed") return fail(new ClientCertificateRefused(undefined));
            if (word instanceof Error) return fail(refused(word));
            // Later alerts (a renegotiated check) still reach the transport's failure record.
            tlsSocket.on("error", (error: Error) => {
              const e = refused(error);
              if (e instanceof ClientCertificateRefused) observer?.failure(this.endpoint, e);
            });
            resolve({ socket: tlsSocket, secure: true });
          });
          return;
        }
        resolve({ socket: tlsSocket, secure: true });
      });
    });
  }

  waitForReady(): Promise<void> {
    return Promise.resolve();
  }

  getCallCredentials(): CallCredentials {
    return this.callCredentials;
  }

  destroy(): void {}
}

// One SecureContext per credentials, shared by every client made with them: building one parses the key and the
// CA and costs milliseconds, and an operation opens a client per node and a fresh one after each failed poll.
const contexts = new Map<string, SecureContext>();
const CONTEXT_CACHE_SIZE = 16;

function mtlsContext(caPem: string, certPem: string, keyPem: string): SecureContext {
  const key = createHash("sha256")
    .update(caPem)
    .update("\0")
    .update(certPem)
    .update("\0")
    .update(keyPem)
    .digest("hex");
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = createSecureContext({
      ca: caPem,
      cert: certPem,
      key: nodeCompatibleKeyPem(keyPem),
      minVersion: "TLSv1.2",
    });
    if (contexts.size >= CONTEXT_CACHE_SIZE) contexts.delete(contexts.keys().next().value!);
    contexts.set(key, ctx);
  }
  return ctx;
}

export class TalosChannelCredentials extends ChannelCredentials {
  readonly secureContext: SecureContext;

  constructor(
    readonly tlsMode: TlsMode,
    readonly observer?: HandshakeObserver,
  ) {
    super();
    this.secureContext =
      tlsMode.mode === "mtls"
        ? mtlsContext(tlsMode.caPem, tlsMode.certPem, tlsMode.keyPem)
        : createSecureContext({ minVersion: "TLSv1.2" });
  }

  override _isSecure(): boolean {
    return true;
  }

  override _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  override _createSecureConnector(
    channelTarget: GrpcUri,
    _options: ChannelOptions,
    callCredentials?: CallCredentials,
  ): SecureConnector {
    const host = hostOf(channelTarget);
    return new TalosConnector(
      this,
      host,
      channelTarget.path,
      callCredentials ?? CallCredentials.createEmpty(),
    );
  }
}
