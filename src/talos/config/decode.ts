// Reads machine-config YAML the way Talos' config loader does: into the Go structs, not into untyped data. What that
// changes against a plain YAML parse:
// - a plain scalar landing in a Go string field keeps its text: `version: 1.0` under a map[string]string is the
//   string "1.0" (go-yaml sets the node's value), where a YAML 1.2 parse gives the number 1 and loses ".0";
// - `cluster.inlineManifests[].contents` loses leading tabs and newlines (ClusterInlineManifests.UnmarshalYAML).
// Everything else is what the `yaml` package gives. The Go shapes come from go-types.generated.ts, as the encoder's.
import { isMap, isScalar, isSeq, Scalar, visit, type Document, type Node } from "yaml";
import { GO_STRUCTS } from "./go-types.generated.js";
import { shapeOf, structForDocument, trimManifestStart } from "./encode.js";
import type { Contract } from "../versions.js";

type Value = unknown;

// The contract whose struct facts decode a document when the caller has none: the newest one (its struct table is
// the union of every tag's fields).
const DECODE_CONTRACT: Contract = "1.14";
const INLINE_MANIFESTS = "v1alpha1.ClusterInlineManifests";

/** Field name → Go type of a struct, following inline structs; `rest` is the element type of an inline map. */
function fieldsOf(struct: string): { fields: Map<string, string>; rest: string | undefined } {
  const fields = new Map<string, string>();
  let rest: string | undefined;
  const walk = (name: string): void => {
    for (const [field, type, flags] of GO_STRUCTS[name] ?? []) {
      if (!flags.includes("i")) {
        fields.set(field, type);
        continue;
      }
      const inner = shapeOf(type);
      if (inner.k === "struct") walk(inner.name);
      else if (inner.k === "map") rest = inner.elem;
    }
  };
  walk(struct);
  return { fields, rest };
}

function plain(node: Node | null | undefined): Value {
  if (node === null || node === undefined) return null;
  return node.toJSON();
}

/** Converts one YAML node as a value of Go type `type` (undefined type: untyped data). */
function decodeNode(node: Node | null | undefined, type: string | undefined): Value {
  if (node === null || node === undefined) return null;
  if (type === undefined) return plain(node);
  if (type === INLINE_MANIFESTS && isSeq(node)) {
    return node.items.map((item) => {
      const m = decodeNode(item as Node, "v1alpha1.ClusterInlineManifest") as Record<string, unknown> | null;
      if (m && typeof m.contents === "string") m.contents = trimManifestStart(m.contents);
      return m;
    });
  }
  const shape = shapeOf(type);
  switch (shape.k) {
    case "ptr":
      return decodeNode(node, shape.elem);
    case "slice":
      return isSeq(node) ? node.items.map((i) => decodeNode(i as Node, shape.elem)) : plain(node);
    case "map": {
      if (!isMap(node)) return plain(node);
      const out: Record<string, Value> = {};
      for (const pair of node.items)
        out[String(plain(pair.key as Node))] = decodeNode(pair.value as Node, shape.elem);
      return out;
    }
    case "struct": {
      if (!isMap(node)) return plain(node);
      const { fields, rest } = fieldsOf(shape.name);
      const out: Record<string, Value> = {};
      for (const pair of node.items) {
        const key = String(plain(pair.key as Node));
        out[key] = decodeNode(pair.value as Node, fields.get(key) ?? rest);
      }
      return out;
    }
    case "string":
      // go-yaml keeps the text of any resolved scalar decoded into a string (1.0, 010, true, 0x1F …); null stays
      // null (the Go zero value, which merges as "absent").
      if (
        isScalar(node) &&
        node.type === Scalar.PLAIN &&
        typeof node.value !== "string" &&
        node.value !== null
      )
        return node.source ?? String(node.value);
      return plain(node);
    default:
      return plain(node);
  }
}

/**
 * One parsed YAML document as Talos decodes it: the v1alpha1 document and every known kind through their Go
 * structs, unknown kinds as plain data. Call only on documents without parse errors.
 */
export function decodeConfigDocument(doc: Document.Parsed, contract: Contract = DECODE_CONTRACT): Value {
  const value = doc.toJS({ maxAliasCount: -1 }) as unknown;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  if (doc.contents === null || !isMap(doc.contents)) return value;
  const obj = value as Record<string, unknown>;
  // a document without a kind is the v1alpha1 one, with or without `version` (patches often leave it out)
  const struct = obj.kind === undefined ? "v1alpha1.Config" : structForDocument(obj, contract);
  // Documents with aliases keep the plain reading: the typed walk does not resolve them.
  let aliases = false;
  visit(doc, {
    Alias() {
      aliases = true;
      return visit.BREAK;
    },
  });
  if (!struct || aliases) return value;
  return decodeNode(doc.contents, struct);
}
