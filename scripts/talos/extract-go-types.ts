// Regenerates src/talos/config/go-types.generated.ts: the YAML shape (field order, yaml names, omitempty, Go types)
// of every Talos machine-config document struct, read from the Go declarations of siderolabs/talos at each supported
// tag. Only facts (names, order, types) are extracted; no Talos code is copied.
//
// Usage: node scripts/talos/extract-go-types.ts <path to a git dir of siderolabs/talos>
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const TAGS = ["v1.8.4", "v1.9.6", "v1.10.9", "v1.11.6", "v1.12.11", "v1.13.9", "v1.14.0-rc.1"];
const ROOT = "pkg/machinery/config/types";

const gitDir = process.argv[2];
if (!gitDir) throw new Error("usage: extract-go-types.ts <talos git dir>");

function git(...args: string[]): string {
  return execFileSync("git", ["--git-dir", gitDir!, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
}

type Field = [yamlName: string, goType: string, flags: string];
const structs = new Map<string, Field[]>();
/** struct → field → minor ("1.13") → flags at that tag, "-" when the tag does not declare the field */
const flagsByMinor = new Map<string, Map<string, Map<string, string>>>();
const structsByMinor = new Map<string, Set<string>>();
const minorOf = (tag: string) => tag.replace(/^v(\d+\.\d+).*$/, "$1");
const named = new Map<string, string>();
const custom = new Set<string>();
const conflicts: string[] = [];

const BUILTIN = new Set([
  "string",
  "bool",
  "int",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "float32",
  "float64",
  "any",
  "byte",
]);

/** Qualifies bare type names with the package ("[]*Device" → "[]*v1alpha1.Device"). */
function qualify(expr: string, pkg: string): string {
  if (expr.startsWith("*")) return `*${qualify(expr.slice(1), pkg)}`;
  if (expr.startsWith("[]")) return `[]${qualify(expr.slice(2), pkg)}`;
  const map = /^map\[([^\]]+)\](.*)$/.exec(expr);
  if (map) return `map[${qualify(map[1]!, pkg)}]${qualify(map[2]!, pkg)}`;
  if (expr.includes(".") || BUILTIN.has(expr) || expr === "struct{}") return expr;
  return `${pkg}.${expr}`;
}

function mergeFields(name: string, fields: Field[]): void {
  const prev = structs.get(name);
  if (!prev) {
    structs.set(name, fields);
    return;
  }
  // Union keeping order: fields missing from the newer version keep their old neighbours.
  const out = [...fields];
  prev.forEach((f, i) => {
    if (out.some((g) => g[0] === f[0])) return;
    const before = i > 0 ? out.findIndex((g) => g[0] === prev[i - 1]![0]) : -1;
    out.splice(before + 1, 0, f);
  });
  const order = (list: Field[]) =>
    list.map((f) => f[0]).filter((n) => prev.some((p) => p[0] === n) && fields.some((q) => q[0] === n));
  if (order(prev).join() !== order(fields).join()) conflicts.push(name);
  structs.set(name, out);
}

for (const tag of TAGS) {
  const files = git("ls-tree", "-r", "--name-only", tag, ROOT)
    .split("\n")
    .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go") && !f.includes("/testdata/"));
  for (const file of files) {
    const dirs = file.slice(ROOT.length + 1).split("/");
    if (dirs.length < 2) continue;
    const pkg = dirs[dirs.length - 2]!; // the Go package is the file's directory

    const src = git("show", `${tag}:${file}`);
    for (const m of src.matchAll(/^func \((?:\w+ )?\*?(\w+)\) (MarshalYAML|MarshalText)\(\)/gm))
      custom.add(`${pkg}.${m[1]}`);
    for (const m of src.matchAll(/^type (\w+) ((?:\[\]|map\[|\*)[^\s{]+|string|int\w*|uint\w*|bool)\s*$/gm)) {
      named.set(`${pkg}.${m[1]}`, qualify(m[2]!, pkg));
    }
    for (const m of src.matchAll(/^type (\w+) struct ?\{\}$/gm)) mergeFields(`${pkg}.${m[1]}`, []);
    for (const m of src.matchAll(/^type (\w+) struct \{\n([\s\S]*?)^\}/gm)) {
      const fields: Field[] = [];
      for (const line of m[2]!.split("\n")) {
        const t = line.trim();
        if (t === "" || t.startsWith("//")) continue;
        const fm = /^(?:(\w+)\s+)?([^\s`]+)\s*`([^`]*)`/.exec(t);
        if (!fm) continue;
        const tag = /yaml:"([^"]*)"/.exec(fm[3]!);
        if (!tag) continue;
        const [yamlName, ...opts] = tag[1]!.split(",");
        if (yamlName === "-") continue;
        const goType = qualify(fm[2]!, pkg);
        const flags = opts
          .filter((o) => o === "omitempty" || o === "inline" || o === "flow")
          .map((o) => o[0])
          .join("");
        fields.push([yamlName || (fm[1] ?? fm[2]!).toLowerCase(), goType, flags]);
      }
      mergeFields(`${pkg}.${m[1]}`, fields);
      const name = `${pkg}.${m[1]}`;
      (structsByMinor.get(name) ?? structsByMinor.set(name, new Set()).get(name)!).add(minorOf(tag));
      const byField = flagsByMinor.get(name) ?? flagsByMinor.set(name, new Map()).get(name)!;
      for (const [yamlName, , flags] of fields) {
        const byMinor = byField.get(yamlName) ?? byField.set(yamlName, new Map()).get(yamlName)!;
        byMinor.set(minorOf(tag), flags);
      }
    }
  }
}

// siderolabs/crypto x509 types used by the v1alpha1 config (fields without omitempty; they marshal as base64 strings, so model them as strings).
structs.set("x509.PEMEncodedCertificateAndKey", [
  ["crt", "string", ""],
  ["key", "string", ""],
]);
structs.set("x509.PEMEncodedKey", [["key", "string", ""]]);

// Fields whose flags differ between tags (or that some tags of their struct lack): the encoder follows the
// contract's own tag for those, e.g. v1alpha1.ClusterConfig.controlPlane, omitempty only from 1.14.
const minors = TAGS.map(minorOf);
const changes: Record<string, Record<string, Record<string, string>>> = {};
for (const [name, byField] of [...flagsByMinor.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
  const present = structsByMinor.get(name)!;
  for (const [field, byMinor] of byField) {
    const perMinor: Record<string, string> = {};
    for (const m of minors) if (present.has(m)) perMinor[m] = byMinor.get(m) ?? "-";
    if (new Set(Object.values(perMinor)).size > 1) (changes[name] ??= {})[field] = perMinor;
  }
}

if (conflicts.length > 0) console.error(`field order differs between tags for: ${conflicts.join(", ")}`);

const sortObj = <T>(m: Map<string, T>) =>
  Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
const out = `// GENERATED by scripts/talos/extract-go-types.ts from siderolabs/talos ${TAGS.join(", ")} (${ROOT}). Do not edit.
// Facts only: the YAML field names, declaration order, omitempty/inline flags and Go types of the config structs,
// unioned over the tags (a field removed in a newer tag keeps its old position).

/** struct → fields in Go declaration order: [yaml name, Go type, flags ("o" omitempty, "i" inline, "f" flow)] */
export const GO_STRUCTS: Record<string, readonly (readonly [string, string, string])[]> = ${JSON.stringify(sortObj(structs))};

/**
 * Fields whose flags are not the same at every tag: struct → field → minor → flags at that minor's tag ("-" where
 * the tag does not declare the field). Minors missing here had no such struct.
 */
export const GO_FIELD_FLAGS_BY_MINOR: Record<string, Record<string, Record<string, string>>> = ${JSON.stringify(changes)};

/** named non-struct types → underlying Go type */
export const GO_NAMED: Record<string, string> = ${JSON.stringify(sortObj(named))};

/** types with their own MarshalYAML/MarshalText: their YAML form is whatever the JS value holds */
export const GO_CUSTOM_MARSHAL: readonly string[] = ${JSON.stringify([...custom].sort())};
`;
const target = fileURLToPath(new URL("../../src/talos/config/go-types.generated.ts", import.meta.url));
writeFileSync(target, out);
console.error(
  `wrote ${target}: ${structs.size} structs, ${named.size} named types, ${custom.size} custom marshalers`,
);
