// Encodes Talos machine-config documents (plain JS data, as parsed from YAML or built by the generator) exactly as
// Talos' own encoder writes them with comments disabled: go-yaml v3 of the Go structs. The Go struct shapes (field
// order, omitempty, pointer vs value, maps) come from go-types.generated.ts, so a document that went through a patch
// re-encodes in Go order with Go's zero-value rules:
// - an absent field is the Go zero value: nil pointers print `null` and nil slices/maps `[]`/`{}` unless omitempty;
// - omitempty drops zero values (false, 0, "", empty slices/maps, value structs whose fields are all zero), but a
//   pointer that is set is kept even when it points at a zero value (`debug: false`, `network: {}`);
// - Go maps (and values of types with their own marshaller, such as Unstructured) print with sorted keys;
// - fields the struct does not declare are kept, after the declared ones, sorted (validate.ts reports them).
import { goFloat, goStruct, marshalGoYaml } from "../yaml/goyaml.js";
import type { GoValue } from "../yaml/goyaml.js";
import type { Contract } from "../versions.js";
import { GO_CUSTOM_MARSHAL, GO_FIELD_FLAGS_BY_MINOR, GO_NAMED, GO_STRUCTS } from "./go-types.generated.js";
import { documentStruct } from "./validate.js";

export type ConfigDocument = Record<string, unknown>;

const CUSTOM = new Set(GO_CUSTOM_MARSHAL);
const INTS = /^u?int(8|16|32|64)?$|^byte$/;
const FLOATS = /^float(32|64)$/;

export type Shape =
  | { k: "ptr"; elem: string }
  | { k: "slice"; elem: string }
  | { k: "map"; elem: string }
  | { k: "struct"; name: string }
  | { k: "string" | "bool" | "int" | "float" | "any" };

export function shapeOf(type: string): Shape {
  if (type.startsWith("*")) return { k: "ptr", elem: type.slice(1) };
  if (type.startsWith("[]")) return { k: "slice", elem: type.slice(2) };
  const map = /^map\[[^\]]+\](.*)$/.exec(type);
  if (map) return { k: "map", elem: map[1]! };
  if (type === "string") return { k: "string" };
  if (type === "bool") return { k: "bool" };
  if (INTS.test(type)) return { k: "int" };
  if (FLOATS.test(type)) return { k: "float" };
  if (CUSTOM.has(type)) return { k: "any" };
  if (GO_STRUCTS[type]) return { k: "struct", name: type };
  const named = GO_NAMED[type];
  if (named) return shapeOf(named);
  return { k: "any" };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The Go zero value of a type, as the encoder would print it. */
function zeroOf(type: string, contract: Contract | undefined): GoValue {
  const s = shapeOf(type);
  switch (s.k) {
    case "ptr":
    case "any":
      return null;
    case "slice":
      return [];
    case "map":
      return {};
    case "string":
      return "";
    case "bool":
      return false;
    case "int":
      return 0;
    case "float":
      return goFloat(0);
    case "struct":
      return encodeStruct(s.name, {}, contract);
  }
}

/** yaml.v3's isZero for omitempty, on the JS value (absent = zero). */
function isZero(value: unknown, type: string): boolean {
  if (value === undefined || value === null) return true;
  const s = shapeOf(type);
  switch (s.k) {
    case "ptr":
      return false;
    case "slice":
      return Array.isArray(value) && value.length === 0;
    case "map":
      return isPlainObject(value) && Object.keys(value).length === 0;
    case "struct":
      return isPlainObject(value) && structIsZero(s.name, value);
    default:
      return (
        value === "" ||
        value === false ||
        value === 0 ||
        (Array.isArray(value) && value.length === 0) ||
        (isPlainObject(value) && Object.keys(value).length === 0)
      );
  }
}

function structIsZero(name: string, value: Record<string, unknown>): boolean {
  const fields = GO_STRUCTS[name]!;
  const known = new Set<string>();
  for (const [field, type, flags] of fields) {
    if (flags.includes("i")) {
      const inner = shapeOf(type);
      if (inner.k === "struct" && !structIsZero(inner.name, value)) return false;
      if (inner.k === "map") return Object.keys(value).every((k) => known.has(k));
      continue;
    }
    known.add(field);
    if (!isZero(value[field], type)) return false;
  }
  return Object.keys(value).every((k) => known.has(k));
}

/**
 * What Talos' own decoding changes before a config is encoded again (a config Talos loads and writes back):
 * ClusterInlineManifests.UnmarshalYAML strips leading tabs and line breaks from each manifest's contents, so a
 * patch's `contents: |` with a blank first line comes out without it (configpatcher testdata apply/strategic4.yaml
 * → expected_manifests.yaml).
 */
/** ClusterInlineManifests.UnmarshalYAML: a manifest's contents lose their leading tabs and line breaks. */
export function trimManifestStart(contents: string): string {
  return contents.replace(/^[\t\n\v\f\r]+/, "");
}

const DECODE_HOOKS: Record<string, (value: unknown) => unknown> = {
  "v1alpha1.ClusterInlineManifests": (value) =>
    Array.isArray(value)
      ? value.map((m) =>
          isPlainObject(m) && typeof m.contents === "string"
            ? { ...m, contents: trimManifestStart(m.contents) }
            : m,
        )
      : value,
};

/** Converts a JS value to the GoValue the encoder prints for a field of Go type `type`. */
export function toGoValue(value: unknown, type: string, contract?: Contract): GoValue {
  if (value === undefined) return zeroOf(type, contract);
  const hook = DECODE_HOOKS[type];
  if (hook) value = hook(value);
  const s = shapeOf(type);
  switch (s.k) {
    case "ptr":
      return value === null ? null : toGoValue(value, s.elem, contract);
    case "slice":
      if (value === null) return [];
      return Array.isArray(value) ? value.map((v) => toGoValue(v, s.elem, contract)) : generic(value);
    case "map":
      if (value === null) return {};
      if (!isPlainObject(value)) return generic(value);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toGoValue(v, s.elem, contract)]));
    case "struct":
      return isPlainObject(value) ? encodeStruct(s.name, value, contract) : generic(value);
    case "float":
      return typeof value === "number" ? goFloat(value) : generic(value);
    default:
      return generic(value);
  }
}

/** Values of unknown or self-marshalling types: objects are Go maps (sorted keys). */
function generic(value: unknown): GoValue {
  if (Array.isArray(value)) return value.map(generic);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, generic(v)]));
  if (value === undefined) return null;
  return value as GoValue;
}

function encodeStruct(name: string, value: Record<string, unknown>, contract: Contract | undefined): GoValue {
  const out: Record<string, GoValue> = {};
  const consumed = new Set<string>();
  fill(name, value, out, consumed, contract);
  const rest = Object.keys(value)
    .filter((k) => !consumed.has(k))
    .sort();
  for (const k of rest) out[k] = generic(value[k]);
  return goStruct(out);
}

function fill(
  name: string,
  value: Record<string, unknown>,
  out: Record<string, GoValue>,
  consumed: Set<string>,
  contract: Contract | undefined,
): void {
  for (const [field, type, unionFlags] of GO_STRUCTS[name] ?? []) {
    // The union of the tags keeps the newest tag's flags; a field whose flags changed follows the contract's tag.
    const own = contract && GO_FIELD_FLAGS_BY_MINOR[name]?.[field]?.[contract];
    const flags = own ?? unionFlags;
    if (flags.includes("i")) {
      const inner = shapeOf(type);
      if (inner.k === "struct") fill(inner.name, value, out, consumed, contract);
      else if (inner.k === "map") {
        // an inline map takes every key the struct does not declare, sorted like any Go map
        const keys = Object.keys(value)
          .filter((k) => !consumed.has(k))
          .sort();
        const map: Record<string, GoValue> = {};
        for (const k of keys) {
          map[k] = toGoValue(value[k], inner.elem, contract);
          consumed.add(k);
        }
        for (const k of Object.keys(map).sort((a, b) => (a < b ? -1 : 1))) out[k] = map[k];
      }
      continue;
    }
    consumed.add(field);
    const v = value[field];
    if (flags.includes("o") && isZero(v, type)) continue;
    // a field this contract's struct does not declare prints only when it was given (validate.ts reports it)
    if (flags === "-" && v === undefined) continue;
    out[field] = toGoValue(v, type, contract);
  }
}

/** The Go struct of a document: v1alpha1.Config for the main document, else looked up by kind. */
export function structForDocument(doc: ConfigDocument, contract: Contract): string | undefined {
  if (doc.kind === undefined && doc.version !== undefined) return "v1alpha1.Config";
  if (typeof doc.kind !== "string") return undefined;
  return documentStruct(contract, doc.kind);
}

/** One document as Talos writes it (go-yaml v3 of the Go struct). Unknown kinds print as Go maps. */
export function encodeConfigDocument(doc: ConfigDocument, contract: Contract): string {
  const struct = structForDocument(doc, contract);
  const value = struct && GO_STRUCTS[struct] ? encodeStruct(struct, doc, contract) : generic(doc);
  return marshalGoYaml(value);
}

/**
 * A multi-document machine config as Talos writes it: the v1alpha1 document first, the others after it in their
 * given order, each following one preceded by `---` (no leading `---`, no `...`).
 */
export function encodeConfigDocuments(docs: readonly ConfigDocument[], contract: Contract): string {
  const main = docs.filter((d) => d.kind === undefined && d.version !== undefined);
  const others = docs.filter((d) => !(d.kind === undefined && d.version !== undefined));
  return [...main, ...others].map((d) => encodeConfigDocument(d, contract)).join("---\n");
}
