// Findings about a cairn.yaml: every error and warning names the field path and, once located, file/line/column.

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
}

export interface Diagnostic {
  severity: Severity;
  code: string;
  file: string;
  /** "nodes[0].interfaces[1].address" */
  path: string;
  line: number;
  column: number;
  message: string;
  hint: string | null;
}

export function formatPath(path: FieldPath): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out || "(root)";
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

export function hasErrors(diagnostics: readonly { severity: Severity }[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Orders by position so the report reads top to bottom like the file. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));
}

export function formatDiagnosticText(d: Diagnostic): string {
  const head = `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.path}: ${d.message}`;
  return d.hint ? `${head}\n    hint: ${d.hint}` : head;
}
