// metav1.Status failures exactly as kube-apiserver shapes them (apimachinery/pkg/api/errors): what kubectl parses
// into "Error from server (Reason): message".
import type { Cause } from "./validation.js";

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: Cause[] | { reason?: string; message: string; field?: string }[];
  retryAfterSeconds?: number;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;
  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  status(): Record<string, unknown> {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** "deployments.apps" / "pods": the qualified resource kube-apiserver names in messages. */
const qualified = (resource: string, group: string): string => (group ? `${resource}.${group}` : resource);

export const notFound = (resource: string, group: string, name: string): ApiError =>
  new ApiError(404, "NotFound", `${qualified(resource, group)} "${name}" not found`, {
    name,
    group,
    kind: resource,
  });

export const alreadyExists = (resource: string, group: string, name: string): ApiError =>
  new ApiError(409, "AlreadyExists", `${qualified(resource, group)} "${name}" already exists`, {
    name,
    group,
    kind: resource,
  });

export const conflict = (resource: string, group: string, name: string, why: string): ApiError =>
  new ApiError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${why}`,
    {
      name,
      group,
      kind: resource,
    },
  );

export const invalid = (kind: string, group: string, name: string, causes: Cause[]): ApiError =>
  new ApiError(
    422,
    "Invalid",
    `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(", ")}`,
    { name, group, kind, causes },
  );

export const badRequest = (message: string): ApiError => new ApiError(400, "BadRequest", message);

export const methodNotAllowed = (): ApiError =>
  new ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");

export const forbidden = (
  user: string,
  verb: string,
  resource: string,
  group: string,
  name: string | undefined,
  ns: string | undefined,
  why = "",
): ApiError =>
  new ApiError(
    403,
    "Forbidden",
    `${name ? `${qualified(resource, group)} "${name}"` : qualified(resource, group)} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}" ${ns ? `in the namespace "${ns}"` : "at the cluster scope"}${why ? `: ${why}` : ""}`,
    { ...(name ? { name } : {}), group, kind: resource },
  );

export const unauthorized = (): ApiError => new ApiError(401, "Unauthorized", "Unauthorized");

export const tooManyRequests = (message: string, causes?: StatusDetails["causes"]): ApiError =>
  new ApiError(429, "TooManyRequests", message, causes ? { causes } : undefined);

export const unavailable = (message: string): ApiError => new ApiError(503, "ServiceUnavailable", message);
