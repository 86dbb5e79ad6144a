// Findings: what a check says about a spec, by field path. Every layer that checks part of cairn.yaml (the cluster
// spec's own checks, a provider's, an add-on's) speaks this vocabulary; the spec loader locates findings in the file.

export type Severity = "error" | "warning";

/** A field path as data: ["nodes", 0, "interfaces", 1, "address"]. */
export type FieldPath = readonly (string | number)[];

export interface Finding {
  severity: Severity;
  /** Message class, stable for tests and tooling, e.g. "net.overlap". */
  code: string;
  path: FieldPath;
  message: string;
  hint?: string;
  /** Point at the key instead of the value (unknown fields, duplicate names). */
  atKey?: boolean;
  /** A place outside cairn.yaml the finding is about (a line of a patch file); `path` still names the field. */
  at?: { file: string; line: number; column: number };
}

export const error = (code: string, path: FieldPath, message: string, hint?: string): Finding => ({
  severity: "error",
  code,
  path,
  message,
  ...(hint ? { hint } : {}),
});

export const warning = (code: string, path: FieldPath, message: string, hint?: string): Finding => ({
  severity: "warning",
  code,
  path,
  message,
  ...(hint ? { hint } : {}),
});

export function hasErrors(findings: readonly { severity: Severity }[]): boolean {
  return findings.some((d) => d.severity === "error");
}
