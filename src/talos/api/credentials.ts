// TLS for the Talos API as grpc-js channel credentials. Our own connector instead of createSsl because:
// * endpoints are IPs: the certificate must be checked against IP SANs, and Node warns (DEP0123) when an IP is sent
//   as SNI, which createSsl always does;
// * maintenance mode skips verification but must still see the leaf to show and pin its fingerprint, and Node never
//   calls checkServerIdentity for an unverified chain.
import { isIP, type Socket } from "node:net";
import {
  checkServerIdentity,
  connect as tlsConnect,
  createSecureContext,
  type SecureContext,
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
      const fail = (error: Error): void => {
        observer?.failure(this.endpoint, error);
        tlsSocket.destroy();
        reject(error);
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

export class TalosChannelCredentials extends ChannelCredentials {
  readonly secureContext: SecureContext;

  constructor(
    readonly tlsMode: TlsMode,
    readonly observer?: HandshakeObserver,
  ) {
    super();
    this.secureContext =
      tlsMode.mode === "mtls"
        ? createSecureContext({
            ca: tlsMode.caPem,
            cert: tlsMode.certPem,
            key: nodeCompatibleKeyPem(tlsMode.keyPem),
            minVersion: "TLSv1.2",
          })
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
