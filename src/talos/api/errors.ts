// Typed failures of the Talos machine API boundary. Everything the client throws is one of these, so commands and
// the engine can react (retry, fall back, tell the user which role or mode is needed) without parsing messages.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { CairnError, type CairnErrorOptions, type ErrorCode } from "../../errors.js";

export interface TalosErrorDetails {
  /** gRPC status code, when the failure came from a call. */
  grpcCode?: number;
  /** The endpoint (host:port) the call went through. */
  endpoint?: string;
  /** The target node, when known. */
  node?: string;
}

export class TalosApiError extends CairnError {
  readonly grpcCode: number | undefined;
  readonly endpoint: string | undefined;
  readonly node: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details: TalosErrorDetails = {},
    options: CairnErrorOptions = {},
  ) {
    super(code, message, options);
    this.name = "TalosApiError";
    this.grpcCode = details.grpcCode;
    this.endpoint = details.endpoint;
    this.node = details.node;
  }
}

/** No endpoint answered (connection refused, timed out, node down). */
export class TalosUnreachableError extends TalosApiError {
  /** What the last attempt reported (for a proxied call: why apid could not reach the target node). */
  readonly reason: string;

  constructor(endpoints: readonly string[], lastError: string, options: CairnErrorOptions = {}) {
    super(
      "talos.unreachable",
      `no Talos endpoint reachable (${endpoints.join(", ")}): ${lastError}`,
      { grpcCode: GrpcStatus.UNAVAILABLE },
      {
        hint: "check that the nodes are up and that port 50000 is reachable; pass other endpoints with -e",
        ...options,
      },
    );
    this.name = "TalosUnreachableError";
    this.reason = lastError;
  }
}

/** The server's certificate failed verification, or did not match the pinned maintenance fingerprint. */
export class TalosCertificateError extends TalosApiError {
  readonly observedFingerprint: string | undefined;

  constructor(
    message: string,
    endpoint: string,
    observedFingerprint?: string,
    options: CairnErrorOptions = {},
  ) {
    super("talos.certificate", message, { endpoint }, options);
    this.name = "TalosCertificateError";
    this.observedFingerprint = observedFingerprint;
  }
}

/**
 * The node tore down the TLS handshake with an alert about cairn's client certificate (unknown CA, bad or expired
 * certificate): the talosconfig is not one this node trusts. Retrying cannot help.
 */
export class TalosClientCertificateRefusedError extends TalosApiError {
  /** How the refusal showed, e.g. "TLS alert: tlsv1 alert unknown ca". */
  readonly detail: string;

  constructor(endpoint: string, detail: string) {
    super(
      "talos.client-certificate-refused",
      `${endpoint} refused cairn's client certificate (${detail})`,
      { endpoint },
      {
        hint:
          "check that the talosconfig belongs to this cluster: its CA must be the cluster's Talos CA (machine.ca) " +
          "and its client certificate must be current (`cairn talosconfig` issues a new one from the secrets)",
      },
    );
    this.name = "TalosClientCertificateRefusedError";
    this.detail = detail;
  }
}

/** The client was closed while the call was pending (or before it started): the caller gave up on it. */
export class TalosClientClosedError extends TalosApiError {
  constructor(method: string) {
    super("talos.closed", `${method} was abandoned: the Talos client was closed`);
    this.name = "TalosClientClosedError";
  }
}

/** The client certificate's roles do not allow the call. */
export class TalosPermissionDeniedError extends TalosApiError {
  constructor(method: string, message: string, details: TalosErrorDetails = {}) {
    super(
      "talos.permission-denied",
      `permission denied for ${method}: ${message}`,
      { grpcCode: GrpcStatus.PERMISSION_DENIED, ...details },
      {
        hint: "this call needs a talosconfig whose client certificate carries a stronger role (e.g. os:admin)",
      },
    );
    this.name = "TalosPermissionDeniedError";
  }
}

/** The node runs in maintenance mode, where only ApplyConfiguration (and a few reads) are served. */
export class TalosMaintenanceModeError extends TalosApiError {
  constructor(method: string, details: TalosErrorDetails = {}) {
    super(
      "talos.maintenance-mode",
      `${method} is not available: the node is in maintenance mode`,
      { grpcCode: GrpcStatus.UNIMPLEMENTED, ...details },
      {
        hint: "apply a machine configuration first (cairn talos apply-config --insecure), then retry with mTLS",
      },
    );
    this.name = "TalosMaintenanceModeError";
  }
}

/** The node's Talos version does not implement the call. */
export class TalosVersionMismatchError extends TalosApiError {
  constructor(method: string, message: string, details: TalosErrorDetails = {}) {
    super(
      "talos.version-mismatch",
      `${method} is not implemented by this Talos version: ${message}`,
      { grpcCode: GrpcStatus.UNIMPLEMENTED, ...details },
      { hint: "check the node's version with `cairn talos version` against the versions cairn supports" },
    );
    this.name = "TalosVersionMismatchError";
  }
}

/** One node of a one-to-many call failed; the others may have succeeded. */
export class TalosNodeError extends TalosApiError {
  constructor(node: string, message: string, grpcCode?: number, cause?: unknown) {
    super(
      "talos.node",
      `${node}: ${message}`,
      { node, ...(grpcCode === undefined ? {} : { grpcCode }) },
      cause === undefined ? {} : { cause },
    );
    this.name = "TalosNodeError";
  }
}

/** The call exceeded its deadline. */
export class TalosTimeoutError extends TalosApiError {
  constructor(method: string, timeoutMs: number, details: TalosErrorDetails = {}) {
    super(
      "talos.timeout",
      `${method} did not finish within ${Math.round(timeoutMs / 1000)}s`,
      { grpcCode: GrpcStatus.DEADLINE_EXCEEDED, ...details },
      { hint: "the node may be busy or rebooting; retry, or raise the timeout" },
    );
    this.name = "TalosTimeoutError";
  }
}

/** Any other gRPC failure, with its code name in the message. */
export class TalosCallError extends TalosApiError {
  constructor(method: string, grpcCode: number, message: string, details: TalosErrorDetails = {}) {
    super("talos.call", `${method} failed (${GrpcStatus[grpcCode] ?? grpcCode}): ${message}`, {
      grpcCode,
      ...details,
    });
    this.name = "TalosCallError";
  }
}

/** The reply could not be understood (e.g. a kubeconfig archive without a kubeconfig). */
export class TalosProtocolError extends TalosApiError {
  constructor(message: string, details: TalosErrorDetails = {}) {
    super("talos.protocol", message, details);
    this.name = "TalosProtocolError";
  }
}
