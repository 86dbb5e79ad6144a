// Loads cairn.yaml: YAML → shape (zod) → semantic checks → resolved model.
// Never throws for bad input: every problem comes back as a located diagnostic, all of them in one pass.
//
// Source positions are what costs memory: the yaml package's document (every node with its range, built from a
// full CST) takes ~20× the text, 1.2 GB for a 50,000-node spec. So a spec is first read with js-yaml into plain
// data, and positions are built only when there is something to point at (a finding, a YAML error) or when the
// fast reading cannot be trusted (aliases, which the yaml package bounds; anything js-yaml refuses).
import { readFileSync } from "node:fs";
import { load as loadYamlData, CORE_SCHEMA } from "js-yaml";
import { LineCounter } from "yaml";
import { UserError } from "../errors.js";
import { parseYamlDocuments, yamlDocumentToJS, YamlInputError, YAML_LIMITS } from "../io/yaml.js";
import { clusterSpecSchema, type ClusterSpec } from "./schema.js";
import { formatPath, sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import { hasErrors, type Finding } from "../findings.js";
import { SourceMap } from "./positions.js";
import { zodIssuesToFindings } from "./zod-findings.js";
import { checkSpec } from "./checks/index.js";
import { resolveModel } from "./resolve.js";
import type { Model } from "./model.js";
import { unclosedFlowCollectionBefore } from "./yaml-errors.js";

export interface LoadResult {
  /** The defaulted spec, when its shape is valid. */
  spec: ClusterSpec | undefined;
  /** The resolved model, when there are no errors. */
  model: Model | undefined;
  diagnostics: Diagnostic[];
  ok: boolean;
  /** Locates further findings about this spec (e.g. from rendering its patches) in the file. */
  locate(findings: readonly Finding[]): Diagnostic[];
}

/** A YAML alias (`*name`) somewhere in the text; an over-approximation is fine, it only costs speed. */
const ALIAS = /(?:^|[\s[{,:-])\*[^\s\]},]/m;

/**
 * The spec as plain data, or undefined when only the positioned reading may judge the text: it alone enforces
 * io/yaml.ts's limits, so anything near one (size, a `__proto__`, aliases, deep nesting) goes there.
 */
function quickData(text: string): unknown {
  if (text.length > YAML_LIMITS.maxBytes || ALIAS.test(text) || text.includes("__proto__")) return undefined;
  try {
    const data = loadYamlData(text, { schema: CORE_SCHEMA, json: false });
    if (data === null || typeof data !== "object" || Array.isArray(data)) return undefined;
    return depthWithin(data, YAML_LIMITS.maxDepth) ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Whether plain data nests at most `max` collections deep (iterative: the data may be deep). */
function depthWithin(data: object, max: number): boolean {
  const stack: [unknown, number][] = [[data, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d > max) return false;
    for (const child of Object.values(v))
      if (child !== null && typeof child === "object") stack.push([child, d + 1]);
  }
  return true;
}

export function loadSpecText(text: string, file: string): LoadResult {
  const data = quickData(text);
  if (data !== undefined) {
    const parsed = clusterSpecSchema.safeParse(data);
    if (parsed.success) {
      const { spec, model, findings } = analyse(parsed.data);
      // Nothing to point at: the positions are never needed, so they are never built.
      if (findings.length === 0) return done(spec, model, [], lazyLocator(text, file));
    }
  }
  return loadWithPositions(text, file);
}

/** Checks and resolves a spec of valid shape: findings by field path, and the model when there are no errors. */
function analyse(spec: ClusterSpec): { spec: ClusterSpec; model: Model | undefined; findings: Finding[] } {
  const findings = checkSpec(spec);
  let model: Model | undefined;
  if (!findings.some((f) => f.severity === "error")) {
    const resolved = resolveModel(spec);
    findings.push(...resolved.findings);
    model = resolved.model;
  }
  return { spec, model: hasErrors(findings) ? undefined : model, findings };
}

/** Builds the positioned document only when a finding has to be located. */
function lazyLocator(text: string, file: string): LoadResult["locate"] {
  let locate: ((f: Finding) => Diagnostic) | undefined;
  return (findings) => {
    if (findings.length === 0) return [];
    if (!locate) {
      const lines = new LineCounter();
      // The text passed the quick reading, so it is within io/yaml.ts's limits.
      const doc = parseYamlDocuments(text, file, { lineCounter: lines })[0];
      const map = doc && !Array.isArray(doc) ? new SourceMap(doc, lines) : undefined;
      locate = (f) => locateWith(map, file, f);
    }
    return findings.map(locate);
  };
}

function locateWith(map: SourceMap | undefined, file: string, f: Finding): Diagnostic {
  const pos = f.at ?? (map ? map.locate(f.path, f.atKey) : { line: 1, column: 1 });
  return {
    severity: f.severity,
    code: f.code,
    file: f.at?.file ?? file,
    path: formatPath(f.path),
    line: f.at?.line ?? pos.line,
    column: f.at?.column ?? pos.column,
    message: f.message,
    hint: f.hint ?? null,
  };
}

function loadWithPositions(text: string, file: string): LoadResult {
  const lines = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  let list;
  try {
    list = parseYamlDocuments(text, file, { lineCounter: lines });
  } catch (e) {
    // A breached limit (size, depth, aliases) or a __proto__ key: one located error, nothing else is read.
    if (!(e instanceof YamlInputError)) throw e;
    return done(undefined, undefined, [limitDiagnostic(e, file)], (findings) =>
      findings.map((f) => locateWith(undefined, file, f)),
    );
  }
  const at = (offset: number) => lines.linePos(offset);

  const yamlProblems = list.flatMap((d) => [...d.errors, ...d.warnings]);
  for (const e of yamlProblems) {
    const isError = list.some((d) => d.errors.includes(e as never));
    // The parser notices an unclosed [ or { only where the collection should have ended, often lines later:
    // point at the bracket the user has to close.
    const open = isError ? unclosedFlowCollectionBefore(text, e.pos[0]) : undefined;
    const { line, col } = at(open?.offset ?? e.pos[0]);
    diagnostics.push({
      severity: isError ? "error" : "warning",
      code: e.code === "DUPLICATE_KEY" ? "yaml.duplicate-key" : "yaml.syntax",
      file,
      path: "(yaml)",
      line,
      column: col,
      message: open
        ? `this ${open.bracket} is never closed: expected ${open.bracket === "[" ? "]" : "}"} before line ${at(e.pos[0]).line}`
        : yamlMessage(e.message),
      hint: e.code === "DUPLICATE_KEY" ? "each field may appear once; remove or merge the duplicate" : null,
    });
  }
  if (hasErrors(diagnostics)) return done(undefined, undefined, diagnostics, lazyLocator(text, file));

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
    return done(undefined, undefined, diagnostics, lazyLocator(text, file));
  }

  const doc = list[0]!;
  const map = new SourceMap(doc, lines);
  const locate = (f: Finding): Diagnostic => locateWith(map, file, f);

  let data: unknown;
  try {
    data = yamlDocumentToJS(doc);
  } catch (e) {
    diagnostics.push({
      ...locate({ severity: "error", code: "yaml.syntax", path: [], message: (e as Error).message }),
    });
    return done(undefined, undefined, diagnostics, lazyLocator(text, file));
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
    return done(undefined, undefined, diagnostics, lazyLocator(text, file));
  }

  const parsed = clusterSpecSchema.safeParse(data);
  if (!parsed.success) {
    diagnostics.push(...zodIssuesToFindings(parsed.error.issues, clusterSpecSchema, data).map(locate));
    return done(undefined, undefined, diagnostics, lazyLocator(text, file));
  }

  const { spec, model, findings } = analyse(parsed.data);
  diagnostics.push(...findings.map(locate));
  return done(spec, model, diagnostics, (fs) => fs.map(locate));
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
  locate: LoadResult["locate"],
): LoadResult {
  const sorted = sortDiagnostics(diagnostics);
  const ok = !hasErrors(sorted);
  return { spec, model: ok ? model : undefined, diagnostics: sorted, ok, locate };
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
