// Image Factory schematics (siderolabs/image-factory pkg/schematic): parse strictly (unknown keys rejected, as the
// factory's decoder does), re-encode canonically (go-yaml of the Go struct: field order, omitempty, 4-space indent,
// `customization` always present) and hash: the schematic ID is the hex SHA-256 of that canonical text.
import { createHash } from "node:crypto";
import { isMap, isScalar, isSeq, LineCounter, type Node } from "yaml";
import { parseYamlDocuments } from "../../io/yaml.js";
import { UserError } from "../../errors.js";
import { goStruct, marshalGoYaml, type GoValue } from "../yaml/goyaml.js";

export interface Schematic {
  owner?: string;
  overlay?: { image?: string; name?: string; options?: Record<string, unknown> };
  customization?: {
    embeddedMachineConfiguration?: string;
    extraKernelArgs?: string[];
    meta?: { key: number; value: string }[];
    systemExtensions?: { officialExtensions?: string[] };
    bootloader?: string;
    secureboot?: { enrollKeys?: string; includeWellKnownCertificates?: boolean };
    diskImage?: { sectorSize?: number };
  };
}

type FieldType =
  "string" | "bool" | "uint" | "uint8" | "[]string" | "map" | { struct: string } | { list: string };

// Go structs of pkg/schematic, fields in declaration order (the order is part of the ID).
const STRUCTS: Record<string, [string, FieldType][]> = {
  Schematic: [
    ["owner", "string"],
    ["overlay", { struct: "Overlay" }],
    ["customization", { struct: "Customization" }],
  ],
  Overlay: [
    ["image", "string"],
    ["name", "string"],
    ["options", "map"],
  ],
  Customization: [
    ["embeddedMachineConfiguration", "string"],
    ["extraKernelArgs", "[]string"],
    ["meta", { list: "MetaValue" }],
    ["systemExtensions", { struct: "SystemExtensions" }],
    ["bootloader", "string"],
    ["secureboot", { struct: "SecureBootCustomization" }],
    ["diskImage", { struct: "DiskImageCustomization" }],
  ],
  MetaValue: [
    ["key", "uint8"],
    ["value", "string"],
  ],
  SystemExtensions: [["officialExtensions", "[]string"]],
  SecureBootCustomization: [
    ["enrollKeys", "string"],
    ["includeWellKnownCertificates", "bool"],
  ],
  DiskImageCustomization: [["sectorSize", "uint"]],
};

// Fields without omitempty: these print even when zero.
const ALWAYS = new Set([
  "Schematic.customization",
  "MetaValue.key",
  "MetaValue.value",
  "Overlay.image",
  "Overlay.name",
]);

function invalid(message: string): UserError {
  return new UserError(`invalid schematic: ${message}`, {
    hint: "see https://github.com/siderolabs/image-factory#schematics for the schematic format",
  });
}

/** Parses schematic YAML (or JSON) with the factory's strictness; returns plain data in canonical shape. */
export function parseSchematic(text: string, source = "schematic"): Schematic {
  const lines = new LineCounter();
  const docs = parseYamlDocuments(text, source, { lineCounter: lines });
  const doc = docs[0]!;
  if (doc.errors.length > 0) throw invalid(doc.errors[0]?.message ?? "bad YAML");
  if (docs.length > 1) throw invalid("it holds more than one YAML document");
  const at = (node: Node | null | undefined): string =>
    node?.range ? `line ${lines.linePos(node.range[0]).line}: ` : "";

  const decode = (node: unknown, type: FieldType, where: string): unknown => {
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return undefined;
    const n = node as Node;
    if (typeof type === "object" && "struct" in type) {
      if (!isMap(n)) throw invalid(`${at(n)}${where} must be a mapping`);
      const fields = STRUCTS[type.struct] ?? [];
      const out: Record<string, unknown> = {};
      for (const pair of n.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : "";
        const field = fields.find(([name]) => name === key);
        if (!field)
          throw invalid(`${at(pair.key as Node)}field ${key} not found in type schematic.${type.struct}`);
        const v = decode(pair.value, field[1], where === "" ? key : `${where}.${key}`);
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
    if (typeof type === "object") {
      if (!isSeq(n)) throw invalid(`${at(n)}${where} must be a list`);
      return n.items.map((item, i) => decode(item, { struct: type.list }, `${where}[${i}]`) ?? {});
    }
    if (type === "map") {
      if (!isMap(n)) throw invalid(`${at(n)}${where} must be a mapping`);
      return n.toJSON();
    }
    if (type === "[]string") {
      if (!isSeq(n)) throw invalid(`${at(n)}${where} must be a list of strings`);
      return n.items.map((item, i) => {
        if (!isScalar(item) || typeof item.value === "object")
          throw invalid(`${at(item as Node)}${where}[${i}] must be a string`);
        return String(item.value);
      });
    }
    if (!isScalar(n)) throw invalid(`${at(n)}${where} must be a ${type === "bool" ? "boolean" : type}`);
    const v = n.value;
    switch (type) {
      case "string":
        if (typeof v === "object") throw invalid(`${at(n)}${where} must be a string`);
        return String(v);
      case "bool":
        if (typeof v !== "boolean") throw invalid(`${at(n)}${where} must be true or false`);
        return v;
      case "uint":
      case "uint8": {
        const max = type === "uint8" ? 255 : Number.MAX_SAFE_INTEGER;
        if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max)
          throw invalid(`${at(n)}${where} must be an integer from 0 to ${max}`);
        return v;
      }
    }
  };

  const value = decode(doc.contents, { struct: "Schematic" }, "");
  return (value ?? {}) as Schematic;
}

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === "" || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.values(v).every(isZero);
  return false;
}

function toGo(struct: string, value: Record<string, unknown>): GoValue {
  const out: Record<string, GoValue> = {};
  for (const [name, type] of STRUCTS[struct] ?? []) {
    const v = value[name];
    // omitempty: Go drops zero values, an empty slice/map, and a struct whose fields are all zero
    if (
      !ALWAYS.has(`${struct}.${name}`) &&
      (isZero(v) || (type === "map" && Object.keys(v ?? {}).length === 0))
    )
      continue;
    if (typeof type === "object" && "struct" in type)
      out[name] = toGo(type.struct, (v ?? {}) as Record<string, unknown>);
    else if (typeof type === "object")
      out[name] = ((v ?? []) as Record<string, unknown>[]).map((item) => toGo(type.list, item));
    else if (type === "string") out[name] = (v ?? "") as string;
    else if (type === "uint" || type === "uint8") out[name] = (v ?? 0) as number;
    else out[name] = v as GoValue;
  }
  return goStruct(out);
}

/** The canonical text the factory hashes (yaml.Marshal of the Go struct). */
export function canonicalSchematic(s: Schematic): string {
  return marshalGoYaml(toGo("Schematic", s as Record<string, unknown>));
}

export function schematicIdOfCanonical(canonical: string): string {
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}

/** The schematic ID: hex SHA-256 of the canonical text. */
export function schematicId(s: Schematic): string {
  return schematicIdOfCanonical(canonicalSchematic(s));
}

/** The ID of a schematic's YAML/JSON text. */
export function schematicIdOfText(text: string): string {
  return schematicId(parseSchematic(text));
}

/** The default schematic (no customization): factory.talos.dev's vanilla images. */
export const EMPTY_SCHEMATIC_ID = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";
