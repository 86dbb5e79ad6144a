// Typed errors of the Proxmox VE boundary. Each says what failed in PVE's own words (the reason phrase, the body's
// `message` and per-parameter `errors`) and what the user can do; none ever carries the token secret.
import { CairnError, type ErrorCode } from "../../errors.js";

export interface ProxmoxRequestInfo {
  method: string;
  /** API path below /api2/json, e.g. /nodes/pve1/qemu. */
  path: string;
}

export class ProxmoxError extends CairnError {
  readonly request: ProxmoxRequestInfo | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    request?: ProxmoxRequestInfo,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.name = "ProxmoxError";
    this.request = request;
  }
}

/** An HTTP error answer from the PVE API. */
export class ProxmoxApiError extends ProxmoxError {
  readonly status: number;
  /** The HTTP reason phrase, where PVE puts its error text. */
  readonly reason: string;
  /** Per-parameter messages of a 400 "Parameter verification failed." */
  readonly errors: Record<string, string>;

  constructor(
    status: number,
    reason: string,
    errors: Record<string, string>,
    request: ProxmoxRequestInfo,
    hint?: string,
  ) {
    const detail = Object.entries(errors)
      .map(([k, v]) => `${k}: ${v}`)
      .join("; ");
    super(
      "proxmox.api",
      `Proxmox VE ${request.method} ${request.path}: ${status} ${reason}${detail ? ` (${detail})` : ""}`,
      request,
      hint ? { hint } : {},
    );
    this.name = "ProxmoxApiError";
    this.status = status;
    this.reason = reason;
    this.errors = errors;
  }

  /** PVE's "Configuration file … does not exist" / "no such …": the object is gone. */
  get notFound(): boolean {
    return /does not exist|no such|not found/i.test(this.reason) || this.status === 404;
  }

  /** "… already exists" (a VMID taken between nextid and create, a duplicate HA resource or volume). */
  get alreadyExists(): boolean {
    return (
      /already exists|already defined/i.test(this.reason) ||
      Object.values(this.errors).some((e) => /already exists/i.test(e))
    );
  }

  /** "VM is locked (create)": another task holds the VM; retry after it. */
  get locked(): boolean {
    return /is locked/i.test(this.reason);
  }
}

export class ProxmoxAuthError extends ProxmoxApiError {
  constructor(reason: string, request: ProxmoxRequestInfo) {
    super(
      401,
      reason,
      {},
      request,
      "check the API token id (user@realm!name) and its secret in the environment variables the spec names; PVE rejects unknown, expired or mistyped tokens with 401",
    );
    this.name = "ProxmoxAuthError";
  }
}

export class ProxmoxPermissionError extends ProxmoxApiError {
  constructor(reason: string, request: ProxmoxRequestInfo) {
    super(
      403,
      reason,
      {},
      request,
      "grant the token the privileges cairn needs (docs: Proxmox token); with privilege separation the token needs its own ACL entries",
    );
    this.name = "ProxmoxPermissionError";
  }
}

/** A UPID task that stopped with an exit status other than OK / WARNINGS: N. */
export class ProxmoxTaskError extends ProxmoxError {
  readonly upid: string;
  readonly exitstatus: string;
  readonly log: string[];

  constructor(upid: string, type: string, exitstatus: string, log: string[]) {
    const tail = log.slice(-5).join("\n  ");
    super(
      "proxmox.task",
      `Proxmox VE task ${type} failed: ${exitstatus}${tail ? `\n  ${tail}` : ""}`,
      undefined,
      {
        hint: `the full log: Datacenter → Tasks in the PVE UI, or GET /nodes/<node>/tasks/${upid}/log`,
      },
    );
    this.name = "ProxmoxTaskError";
    this.upid = upid;
    this.exitstatus = exitstatus;
    this.log = log;
  }
}

/** The TLS identity of the PVE endpoint could not be verified. */
export class ProxmoxTlsError extends ProxmoxError {
  /** "mismatch": the pinned fingerprint differs; "untrusted": not signed by the given CA; "hostname": SAN mismatch. */
  readonly kind: "mismatch" | "untrusted" | "hostname" | "no-trust";
  /** SHA-256 fingerprint of the certificate the server presented (colon-separated upper-case hex). */
  readonly presented: string | undefined;

  constructor(
    kind: ProxmoxTlsError["kind"],
    message: string,
    presented: string | undefined,
    hint: string,
    cause?: unknown,
  ) {
    super("proxmox.tls", message, undefined, { hint, cause });
    this.name = "ProxmoxTlsError";
    this.kind = kind;
    this.presented = presented;
  }
}

/** No answer in time, or the connection failed (DNS, refused, reset). */
export class ProxmoxNetworkError extends ProxmoxError {
  readonly timedOut: boolean;

  constructor(message: string, request: ProxmoxRequestInfo, timedOut: boolean, cause?: unknown) {
    super(timedOut ? "proxmox.timeout" : "proxmox.network", message, request, {
      hint: "check that the endpoint in the spec is reachable from here (https://HOST:8006)",
      cause,
    });
    this.name = "ProxmoxNetworkError";
    this.timedOut = timedOut;
  }
}

/** A wait (task, VM state) that did not finish within its deadline. */
export class ProxmoxWaitTimeout extends ProxmoxError {
  constructor(what: string, ms: number) {
    super(
      "proxmox.wait-timeout",
      `timed out after ${Math.round(ms / 1000)} s waiting for ${what}`,
      undefined,
      {
        hint: "the task may still be running in PVE; rerun the command once it has finished",
      },
    );
    this.name = "ProxmoxWaitTimeout";
  }
}
