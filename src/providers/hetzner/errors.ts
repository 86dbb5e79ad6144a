// Typed errors of the Hetzner Cloud boundary, keyed on the API's `error.code` (not the HTTP status, which Hetzner
// documents per code). Messages say what failed in Hetzner's words and what to do; none carries the token.
import { CairnError, type ErrorCode } from "../../errors.js";

export interface HetznerRequestInfo {
  method: string;
  /** Path below the endpoint, e.g. /servers. */
  path: string;
}

export interface HetznerErrorBody {
  code: string;
  message: string;
  details: Record<string, unknown> | null;
}

const HINTS: Record<string, string> = {
  unauthorized:
    "check the token in the environment variable the spec names (a project API token from the Hetzner Console → Security → API tokens)",
  token_readonly: "the token is read-only; create a Read & Write token for the project",
  forbidden: "the token may not do this in this project",
  rate_limit_exceeded:
    "the project's request budget (3600/h) is used up; wait a minute and rerun — cairn resumes where it stopped",
  resource_limit_exceeded:
    "the project hit a resource limit (servers, cores, IPs…); ask Hetzner to raise it or remove unused resources",
  uniqueness_error:
    "a resource with that name already exists in the project; if cairn did not create it, rename one of them",
  protected: "the resource has delete/rebuild protection; lift it in the Hetzner Console first",
  maintenance: "Hetzner is in maintenance; retry later",
  locked: "another action is still running on the resource; retry when it has finished",
  invalid_input: "a field has a value Hetzner does not accept (see the fields named above)",
};

class HetznerError extends CairnError {
  readonly request: HetznerRequestInfo | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    request?: HetznerRequestInfo,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.name = "HetznerError";
    this.request = request;
  }
}

/** An error answer: HTTP status plus Hetzner's {code, message, details}. */
export class HetznerApiError extends HetznerError {
  readonly status: number;
  readonly apiCode: string;
  readonly apiMessage: string;
  readonly details: Record<string, unknown> | null;

  constructor(
    status: number,
    body: HetznerErrorBody,
    request: HetznerRequestInfo,
    message?: string,
    hint?: string,
  ) {
    const fields = invalidFields(body.details);
    super(
      "hetzner.api",
      message ??
        `Hetzner Cloud ${request.method} ${request.path}: ${body.message} (${body.code}, HTTP ${status})${fields.length ? `: ${fields.join("; ")}` : ""}`,
      request,
      { hint: hint ?? HINTS[body.code] },
    );
    this.name = "HetznerApiError";
    this.status = status;
    this.apiCode = body.code;
    this.apiMessage = body.message;
    this.details = body.details;
  }
}

/** `details.fields[{name, messages}]` of invalid_input / uniqueness_error as "name: message" lines. */
function invalidFields(details: Record<string, unknown> | null): string[] {
  const fields = details && Array.isArray(details.fields) ? (details.fields as unknown[]) : [];
  return fields.map((f) => {
    const o = (f ?? {}) as { name?: unknown; messages?: unknown };
    const msgs = Array.isArray(o.messages) ? o.messages.map(String).join(", ") : "";
    return msgs ? `${String(o.name)}: ${msgs}` : String(o.name);
  });
}

/** resource_unavailable on server create: the server type is sold out (or not offered) in that location. */
export class HetznerResourceUnavailableError extends HetznerApiError {
  readonly serverType: string | undefined;
  readonly location: string | undefined;

  constructor(
    status: number,
    body: HetznerErrorBody,
    request: HetznerRequestInfo,
    serverType?: string,
    location?: string,
  ) {
    const what = serverType ? `server type ${serverType}` : "the requested resource";
    const where = location ? ` in location ${location}` : "";
    super(
      status,
      body,
      request,
      `Hetzner Cloud cannot provide ${what}${where} right now: ${body.message} (resource_unavailable)`,
      `choose another location or server type for this node in cairn.yaml (\`hcloud server-type list\` shows what exists), or retry later`,
    );
    this.name = "HetznerResourceUnavailableError";
    this.serverType = serverType;
    this.location = location;
  }
}

/** An action that finished with status "error". */
export class HetznerActionError extends HetznerError {
  readonly actionId: number;
  readonly command: string;
  readonly apiCode: string;

  constructor(actionId: number, command: string, code: string, message: string, resources: string) {
    super(
      "hetzner.action",
      `Hetzner Cloud action ${command} (#${actionId}${resources ? ` on ${resources}` : ""}) failed: ${message} (${code})`,
      undefined,
      {
        hint: HINTS[code] ?? "see the resource's actions in the Hetzner Console; rerun cairn to retry",
      },
    );
    this.name = "HetznerActionError";
    this.actionId = actionId;
    this.command = command;
    this.apiCode = code;
  }
}

export class HetznerNetworkError extends HetznerError {
  readonly timedOut: boolean;

  constructor(message: string, request: HetznerRequestInfo, timedOut: boolean, cause?: unknown) {
    super(timedOut ? "hetzner.timeout" : "hetzner.network", message, request, {
      hint: "check the network path to the Hetzner API (or HCLOUD_ENDPOINT, if set)",
      cause,
    });
    this.name = "HetznerNetworkError";
    this.timedOut = timedOut;
  }
}

export class HetznerWaitTimeout extends HetznerError {
  constructor(what: string, ms: number) {
    super(
      "hetzner.wait-timeout",
      `timed out after ${Math.round(ms / 1000)} s waiting for ${what}`,
      undefined,
      {
        hint: "the action may still be running at Hetzner; rerun the command once it has finished",
      },
    );
    this.name = "HetznerWaitTimeout";
  }
}
