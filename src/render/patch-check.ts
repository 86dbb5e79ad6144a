// `cairn validate` applies every node's config patches and checks the result against the contract's schema, so a
// bad patch is reported with its line before anything is rendered (issue 10 §7). It needs no cluster secrets: the
// configs are built with a placeholder bundle (talos/secrets/placeholder.ts) and never leave this module, and no
// message quotes a config value.
//
// Each patch is applied on its own, in Talos' order; a schema error that appears after a patch is that patch's.
// Inline patches are located in cairn.yaml (down to the offending field when the patch spells it out), @file
// patches at the line of their file; a failing RFC 6902 operation is named by index, op and path.
import { isAbsolute, relative, resolve, dirname } from "node:path";
import { LineCounter, type Document } from "yaml";
import { parseYamlDocuments } from "../io/yaml.js";
import { error, type FieldPath, type Finding } from "../findings.js";
import type { Model, ModelNode } from "../clusterspec/model.js";
import type { ConfigPatchSpec } from "../clusterspec/schema.js";
import { SourceMap } from "../clusterspec/positions.js";
import { validateTalosDocuments, type TalosValidationError } from "../talos/config/validate.js";
import {
  applyJsonPatchToValue,
  strategicMerge,
  type ConfigDocument,
  type ConfigValue,
  type JsonPatchOperation,
  type Patch,
  type ReadFile,
} from "../talos/patch/index.js";
import { placeholderSecrets } from "../talos/secrets/placeholder.js";
import { baseNodeDocuments, nodePatchSources, specPatch } from "./machine-configs.js";

interface PatchFile {
  /** The file as the user would open it (relative to the working directory when below it). */
  display: string;
  docs: Document[];
  lines: LineCounter;
}

/** Where a problem inside one patch is: a field of cairn.yaml, or a line of the patch's file. */
type Place = { path: FieldPath; at?: Finding["at"] };

export function checkPatches(model: Model, specFile: string, readFile: ReadFile): Finding[] {
  const secrets = placeholderSecrets();
  const files = new Map<string, PatchFile | undefined>();
  const specDir = dirname(specFile);
  const fileOf = (patch: ConfigPatchSpec): PatchFile | undefined => {
    if (typeof patch !== "string" || !patch.startsWith("@")) return undefined;
    const name = patch.slice(1);
    if (!files.has(name)) {
      const lines = new LineCounter();
      const abs = isAbsolute(name) ? name : resolve(specDir, name);
      const rel = relative(process.cwd(), abs);
      let docs: Document[] | undefined;
      try {
        docs = parseYamlDocuments(readFile(name), name, { lineCounter: lines });
      } catch {
        // Unreadable, or past the YAML limits: rendering the patch reports that; here it has no positions.
        docs = undefined;
      }
      files.set(name, docs && { display: rel.startsWith("..") ? abs : rel, docs, lines });
    }
    return files.get(name);
  };

  // One finding per problem, naming the nodes it hits (a cluster-wide patch fails the same way on every node).
  const merged = new Map<string, { finding: Finding; nodes: string[] }>();
  const report = (node: ModelNode, place: Place, code: string, message: string, hint: string) => {
    const key = `${code}|${JSON.stringify(place)}|${message}`;
    const hit = merged.get(key);
    if (hit) hit.nodes.push(node.name);
    else
      merged.set(key, {
        finding: { ...error(code, place.path, message, hint), ...(place.at ? { at: place.at } : {}) },
        nodes: [node.name],
      });
  };

  for (const node of model.nodes) {
    const sources = nodePatchSources(model, node);
    if (sources.length === 0) continue;
    let docs = baseNodeDocuments(model, secrets, node).docs;
    let known = errorKeys(validateTalosDocuments(docs, model.contract));
    for (const { path, patch } of sources) {
      const file = fileOf(patch);
      const filePlace = (offset?: number): Place => {
        if (!file) return { path };
        const { line, col } = file.lines.linePos(offset ?? 0);
        return { path, at: { file: file.display, line, column: col } };
      };
      let loaded: Patch;
      try {
        loaded = specPatch(patch, readFile);
      } catch (e) {
        report(node, filePlace(), "patch.invalid", `this patch cannot be used: ${messageOf(e)}`, PATCH_HINT);
        continue;
      }
      let next: ConfigDocument[];
      if (loaded.type === "json6902") {
        const applied = applyOperations(docs, loaded.operations);
        if ("failed" in applied) {
          const { index, op, why } = applied.failed;
          const place = file ? filePlace(opOffset(file, index)) : { path: [...path, index] };
          const what = `operation ${index} (${String(op.op || "?")} ${typeof op.path === "string" ? op.path : "?"})`;
          report(node, place, "patch.json-op", `${what} failed: ${why}`, OP_HINT);
          continue;
        }
        next = applied.docs;
      } else {
        try {
          next = strategicMerge(docs, loaded);
        } catch (e) {
          report(
            node,
            filePlace(),
            "patch.merge",
            `this patch cannot be merged: ${messageOf(e)}`,
            PATCH_HINT,
          );
          continue;
        }
      }
      const errors = validateTalosDocuments(next, model.contract);
      for (const e of errors) {
        if (known.has(errorKey(e))) continue;
        const pointer = e.path.split("/").slice(1).map(unescapePointer);
        // "unknown field" names the field one level below the pointer: point at that key.
        const unknown = /unknown field "([^"]+)"/.exec(e.message)?.[1];
        if (unknown !== undefined) pointer.push(unknown);
        const place: Place = file
          ? filePlace(offsetIn(file, e, pointer))
          : typeof patch === "object" && !Array.isArray(patch)
            ? { path: [...path, ...inlinePath(patch, pointer)] }
            : { path };
        report(
          node,
          place,
          "patch.schema",
          `this patch makes an invalid Talos ${model.contract} config: ${e.kind ?? "document"} ${e.path || "/"}: ${e.message}`,
          "check the field's name and type against this Talos version's config reference",
        );
      }
      known = errorKeys(errors);
      docs = next;
    }
  }
  return [...merged.values()].map(({ finding, nodes }) => ({
    ...finding,
    message: `${finding.message} (${nodes.length > 1 ? "nodes" : "node"} ${listNodes(nodes)})`,
  }));
}

const PATCH_HINT =
  "a patch is a partial machine config, a list of RFC 6902 operations, or @file next to cairn.yaml";
const OP_HINT =
  "the path must exist in the config the patch meets (Talos' order: talos.patches, role patches, node patches)";

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function listNodes(nodes: string[]): string {
  return nodes.length <= 3
    ? nodes.join(", ")
    : `${nodes.slice(0, 3).join(", ")} and ${nodes.length - 3} more`;
}

const errorKey = (e: TalosValidationError) => `${e.kind}|${e.path}|${e.message}`;
const errorKeys = (es: TalosValidationError[]) => new Set(es.map(errorKey));
const unescapePointer = (t: string) => t.replace(/~1/g, "/").replace(/~0/g, "~");

/** Operations one by one, as Talos applies them, so the failing one is known. */
function applyOperations(
  docs: ConfigDocument[],
  ops: readonly JsonPatchOperation[],
): { docs: ConfigDocument[] } | { failed: { index: number; op: JsonPatchOperation; why: string } } {
  if (docs.length !== 1)
    return {
      failed: {
        index: 0,
        op: ops[0] ?? { op: "" },
        why: "JSON6902 patches are not supported for multi-document machine configs (Talos 1.12+ networking); use a strategic merge patch",
      },
    };
  let value: ConfigValue = docs[0]!;
  for (const [index, op] of ops.entries()) {
    try {
      value = applyJsonPatchToValue(value, [op]);
    } catch (e) {
      return { failed: { index, op, why: messageOf(e) } };
    }
  }
  return { docs: [value as ConfigDocument] };
}

/** The longest prefix of `pointer` the inline patch spells out: where in cairn.yaml the bad field is. */
function inlinePath(patch: Record<string, unknown>, pointer: string[]): (string | number)[] {
  const out: (string | number)[] = [];
  let v: unknown = patch;
  for (const seg of pointer) {
    if (Array.isArray(v) && /^\d+$/.test(seg) && Number(seg) < v.length) {
      out.push(Number(seg));
      v = v[Number(seg)];
    } else if (v && typeof v === "object" && !Array.isArray(v) && seg in (v as object)) {
      out.push(seg);
      v = (v as Record<string, unknown>)[seg];
    } else break;
  }
  return out;
}

/** The offset of the field a schema error names, in the document of the patch file that holds it. */
function offsetIn(file: PatchFile, e: TalosValidationError, pointer: string[]): number {
  const legacy = !e.kind || e.kind === "v1alpha1";
  const doc =
    file.docs.find((d) => {
      const v = d.toJS() as Record<string, unknown> | null;
      return v && (legacy ? !v.kind : v.kind === e.kind);
    }) ?? file.docs[0];
  if (!doc) return 0;
  const map = new SourceMap(doc, file.lines);
  const pos = map.locate(pointer.map((s) => (/^\d+$/.test(s) ? Number(s) : s)));
  // SourceMap answers in line/column; turn it back into an offset for the caller's linePos.
  return offsetOfLine(file, pos.line, pos.column);
}

function opOffset(file: PatchFile, index: number): number {
  const doc = file.docs[0];
  if (!doc) return 0;
  const pos = new SourceMap(doc, file.lines).locate([index]);
  return offsetOfLine(file, pos.line, pos.column);
}

function offsetOfLine(file: PatchFile, line: number, column: number): number {
  return (line > 1 ? file.lines.lineStarts[line - 1]! : 0) + column - 1;
}
