// Loads cairn.yaml: YAML with source positions → shape (zod) → semantic checks → resolved model.
// Never throws for bad input: every problem comes back as a located diagnostic, all of them in one pass.
import { readFileSync } from "node:fs";
import { LineCounter } from "yaml";
import { UserError } from "../errors.js";
import { parseYamlDocuments, yamlDocumentToJS, YamlInputError } from "../io/yaml.js";
import { clusterSpecSchema, type ClusterSpec } from "./schema.js";
import { formatPath, sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import { hasErrors, type Finding } from "../findings.js";
import { SourceMap } from "./positions.js";
import { zodIssuesToFindings } from "./zod-findings.js";
import { checkSpec } from "./checks/index.js";
import { resolveModel } from "./resolve.js";
import type { Model } from "./model.js";

export interface LoadResult {
  /** The defaulted spec, when its shape is valid. */
  spec: ClusterSpec | undefined;
  /** The resolved model, when there are no errors. */
  model: Model | undefined;
  diagnostics: Diagnostic[];
  ok: boolean;
}

export function loadSpecText(text: string, file: string): LoadResult {
  const lines = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  let list;
  try {
    list = parseYamlDocuments(text, file, { lineCounter: lines });
  } catch (e) {
    // A breached limit (size, depth, aliases) or a __proto__ key: one located error, nothing else is read.
    if (!(e instanceof YamlInputError)) throw e;
    return done(undefined, undefined, [limitDiagnostic(e, file)]);
  }
  const at = (offset: number) => lines.linePos(offset);

  const yamlProblems = list.flatMap((d) => [...d.errors, ...d.warnings]);
  for (const e of yamlProblems) {
    const { line, col } = at(e.pos[0]);
    const isError = list.some((d) => d.errors.includes(e as never));
    diagnostics.push({
      severity: isError ? "error" : "warning",
      code: e.code === "DUPLICATE_KEY" ? "yaml.duplicate-key" : "yaml.syntax",
      file,
      path: "(yaml)",
      line,
      column: col,
      message: yamlMessage(e.message),
      hint: e.code === "DUPLICATE_KEY" ? "each field may appear once; remove or merge the duplicate" : null,
    });
  }
  if (hasErrors(diagnostics)) return done(undefined, undefined, diagnostics);

  if (list.length !== 1 || list[0]!.contents === null) {
    const empty = list.length === 0 || list[0]!.contents === null;
    diagnostics.push({
      severity: "error",
      code: empty ? "yaml.empty" : "yaml.multi-document",
      file,
      path: "(yaml)",
      line: empty ? 1 : at(list[1]!.range[0]).line,
      column: 1,
      message: empty
        ? "the file holds no cluster spec"
        : `cairn.yaml holds exactly one document, found ${list.length}`,
      hint: empty ? "run `cairn init > cairn.yaml` for a starter spec" : "remove the extra '---' documents",
    });
    return done(undefined, undefined, diagnostics);
  }

  const doc = list[0]!;
  const map = new SourceMap(doc, lines);
  const locate = (f: Finding): Diagnostic => {
    const pos = map.locate(f.path, f.atKey);
    return {
      severity: f.severity,
      code: f.code,
      file,
      path: formatPath(f.path),
      line: pos.line,
      column: pos.column,
      message: f.message,
      hint: f.hint ?? null,
    };
  };

  let data: unknown;
  try {
    data = yamlDocumentToJS(doc);
  } catch (e) {
    diagnostics.push({
      ...locate({ severity: "error", code: "yaml.syntax", path: [], message: (e as Error).message }),
    });
    return done(undefined, undefined, diagnostics);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    diagnostics.push(
      locate({
        severity: "error",
        code: "schema.type",
        path: [],
        message: "the top level must be a mapping of fields (apiVersion, kind, name, …)",
      }),
    );
    return done(undefined, undefined, diagnostics);
  }

  const parsed = clusterSpecSchema.safeParse(data);
  if (!parsed.success) {
    diagnostics.push(...zodIssuesToFindings(parsed.error.issues, clusterSpecSchema, data).map(locate));
    return done(undefined, undefined, diagnostics);
  }

  const spec = parsed.data;
  const findings = checkSpec(spec);
  let model: Model | undefined;
  if (!findings.some((f) => f.severity === "error")) {
    const resolved = resolveModel(spec);
    findings.push(...resolved.findings);
    model = resolved.model;
  }
  diagnostics.push(...findings.map(locate));
  return done(spec, hasErrors(diagnostics) ? undefined : model, diagnostics);
}

function limitDiagnostic(e: YamlInputError, file: string): Diagnostic {
  const reserved = e.path.at(-1) === "__proto__";
  return {
    severity: "error",
    code: reserved ? "schema.reserved-name" : "yaml.limit",
    file,
    path: e.path.length ? formatPath(e.path) : "(yaml)",
    line: e.position?.line ?? 1,
    column: e.position?.column ?? 1,
    message: e.reason,
    hint: e.hint ?? null,
  };
}

function done(
  spec: ClusterSpec | undefined,
  model: Model | undefined,
  diagnostics: Diagnostic[],
): LoadResult {
  const sorted = sortDiagnostics(diagnostics);
  return { spec, model, diagnostics: sorted, ok: !hasErrors(sorted) };
}

function yamlMessage(message: string): string {
  // The yaml package appends " at line L, column C"; we report positions separately.
  return message
    .replace(/ at line \d+, column \d+:?[\s\S]*$/, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Reads and loads a spec file; a missing or unreadable file is a UserError. */
export function loadSpecFile(path: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      code === "ENOENT"
        ? `${path}: no such file`
        : code === "EISDIR"
          ? `${path} is a directory`
          : `${path}: ${(e as Error).message}`,
      {
        hint:
          code === "ENOENT"
            ? "pass the spec with -f FILE, or create one with `cairn init > cairn.yaml`"
            : undefined,
      },
    );
  }
  return loadSpecText(text, path);
}

/** Loads a spec that must be valid (for render, plan, …); throws a UserError listing every problem otherwise. */
export function requireModel(path: string): { model: Model; warnings: Diagnostic[] } {
  const r = loadSpecFile(path);
  if (!r.ok || !r.model) {
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    throw new SpecInvalidError(path, errors);
  }
  return { model: r.model, warnings: r.diagnostics.filter((d) => d.severity === "warning") };
}

export class SpecInvalidError extends UserError {
  constructor(
    readonly file: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(
      `${file} is not valid (${diagnostics.length} error${diagnostics.length === 1 ? "" : "s"}):\n` +
        diagnostics.map((d) => `  ${d.file}:${d.line}:${d.column}: ${d.path}: ${d.message}`).join("\n"),
      { hint: `run \`cairn validate ${file}\` for details and hints` },
    );
  }
}
