// Diagnostics: findings located in cairn.yaml (file, line, column), and how they print.
import type { FieldPath, Severity } from "../findings.js";

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

/** Orders by position so the report reads top to bottom like the file. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));
}

export function formatDiagnosticText(d: Diagnostic): string {
  const head = `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.path}: ${d.message}`;
  return d.hint ? `${head}\n    hint: ${d.hint}` : head;
}
