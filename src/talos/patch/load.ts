// Loading patches the way talosctl does (configpatcher/load.go): `@file` or inline text (or a bare file name),
// then: a strategic merge patch if the text loads as config documents, else a JSON patch written as JSON, else a
// JSON patch written as a YAML list. Adjacent JSON patches are joined into one.
import { readFileSync } from "node:fs";
import { UserError } from "../../errors.js";
import { parseYamlDocuments, yamlDocumentToJS } from "../../io/yaml.js";
import { isObject, type ConfigDocument, type ConfigValue } from "./document.js";
import { extractDeletes } from "./delete.js";
import { strategicPatch, strategicMerge, type StrategicMergePatch } from "./strategic.js";
import { applyJsonPatch, type JsonPatch, type JsonPatchOperation } from "./json6902.js";
import { decodeConfigDocument } from "../config/decode.js";

export type Patch = StrategicMergePatch | JsonPatch;
export type ReadFile = (path: string) => string;

const readUtf8: ReadFile = (path) => readFileSync(path, "utf8");

class NotStrategic extends Error {}

// Talos' configloader with patch deletes allowed and validation off (configpatcher/load.go at v1.14.0-rc.1): every
// document must be a mapping with a known shape; the same document may appear more than once and merges in order.
// The text is read within the YAML limits (size, depth, aliases); a breach is the user's error, never "not strategic".
function loadStrategic(text: string, source: string): StrategicMergePatch {
  const docs: ConfigDocument[] = [];
  let selectors = 0;
  for (const parsed of parseYamlDocuments(text, source)) {
    if (parsed.errors.length > 0) throw new NotStrategic(`decode error: ${parsed.errors[0]?.message ?? ""}`);
    // Talos decodes a strategic patch into the config structs, so it reads it as it reads a config.
    const value = decodeConfigDocument(parsed) as ConfigValue;
    if (value === null || value === undefined) continue;
    const line = parsed.contents ? lineOf(text, parsed.contents.range[0]) : 1;
    if (!isObject(value)) throw new NotStrategic(`expected a YAML document at line ${line}`);
    const split = extractDeletes(value);
    selectors += split.selectors.length;
    const doc = split.document;
    if (!doc) {
      if (split.selectors.length > 0) docs.push(value); // deletes only; strategicPatch splits them out again
      continue;
    }
    const legacy =
      (doc.apiVersion === "v1alpha1" || ["machine", "cluster", "debug", "persist"].some((k) => k in doc)) &&
      (doc.kind ?? "") === "";
    if (!legacy && (doc.kind ?? "") === "") throw new NotStrategic(`missing kind (line ${line})`);
    if (!legacy && (doc.apiVersion ?? "") === "") throw new NotStrategic(`missing apiVersion (line ${line})`);
    docs.push(value);
  }
  if (docs.length === 0 && selectors === 0) throw new NotStrategic("config not found");
  return strategicPatch(docs);
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === "\n") line++;
  return line;
}

function toOperations(list: unknown[], what: string): JsonPatchOperation[] {
  return list.map((item, i) => {
    if (item === null) return { op: "" };
    if (!isObject(item)) throw new Error(`${what}: operation ${i} is not an object`);
    return { ...item, op: typeof item.op === "string" ? item.op : "" } as JsonPatchOperation;
  });
}

/**
 * Parses one patch's text: strategic merge first, then a JSON patch as JSON, then as a YAML list. `source` names
 * the patch in errors (its file, or "inline patch").
 */
export function parsePatch(text: string, source = "inline patch"): Patch {
  let strategicError: string;
  try {
    return loadStrategic(text, source);
  } catch (e) {
    if (!(e instanceof NotStrategic)) throw e;
    strategicError = e.message;
  }

  let jsonError: string;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) throw new Error("a JSON patch must be an array of operations");
    return { type: "json6902", operations: toOperations(parsed, "JSON patch") };
  } catch (e) {
    jsonError = e instanceof Error ? e.message : String(e);
  }

  // yaml.Unmarshal reads the first document only, and an empty text is an empty patch. JSON is YAML, so the
  // strategic attempt above already held this text to the YAML limits.
  const first = parseYamlDocuments(text, source)[0];
  const list = first && first.errors.length === 0 ? yamlDocumentToJS(first) : undefined;
  if (list === null || (Array.isArray(list) && list.every((x) => x === null || isObject(x))))
    return { type: "json6902", operations: list === null ? [] : toOperations(list, "JSON patch") };

  if (text.trim().startsWith("["))
    throw new UserError(`invalid JSON patch: ${jsonError}`, {
      hint: 'a JSON patch is a list of operations like [{"op": "add", "path": "/machine/certSANs/-", "value": "x"}]',
    });
  throw new UserError(`invalid strategic merge patch: ${strategicError}`, {
    hint: "a strategic merge patch is a partial machine config (documents with apiVersion/kind, or v1alpha1 keys)",
  });
}

/**
 * Loads one `--patch` argument: `@path` reads a file; text without a newline or space that does not start with
 * `[` or `{` is taken as a file name too (as talosctl does); anything else is the patch itself.
 */
export function loadPatch(arg: string, readFile: ReadFile = readUtf8): Patch {
  let text = arg;
  let path: string | undefined;
  if (arg.startsWith("@")) path = arg.slice(1);
  else if (!/[\n ]/.test(arg) && !arg.startsWith("[") && !arg.startsWith("{")) path = arg;
  if (path !== undefined) {
    try {
      text = readFile(path);
    } catch (e) {
      throw new UserError(`cannot read patch file ${path}: ${e instanceof Error ? e.message : String(e)}`, {
        hint: "pass a patch inline, or @path to read it from a file",
      });
    }
  }
  return parsePatch(text, path ?? "inline patch");
}

/** Loads `--patch` arguments in order, joining JSON patches that follow each other into one. */
export function loadPatches(args: readonly string[], readFile: ReadFile = readUtf8): Patch[] {
  const out: Patch[] = [];
  for (const arg of args) {
    const p = loadPatch(arg, readFile);
    const last = out[out.length - 1];
    if (p.type === "json6902" && last?.type === "json6902")
      out[out.length - 1] = { type: "json6902", operations: [...last.operations, ...p.operations] };
    else out.push(p);
  }
  return out;
}

/** Applies patches in order to config documents (one plain object per YAML document); returns new documents. */
export function applyPatches(docs: readonly ConfigDocument[], patches: readonly Patch[]): ConfigDocument[] {
  let out = [...docs];
  for (const p of patches) out = p.type === "json6902" ? applyJsonPatch(out, p) : strategicMerge(out, p);
  return out;
}
