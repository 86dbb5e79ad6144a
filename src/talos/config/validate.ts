// Validates Talos machine-config documents against the JSON schema Talos publishes for each version contract.
//
// The schemas are data files copied into the repository (schema/talos/vX.Y/config.schema.json, see
// schema/talos/SOURCES.md) so cairn works without the shared reference folder at runtime. Each schema's top level is
// a `oneOf` over every document kind; validating against it yields unreadable errors, so each document is matched to
// its own `$defs` entry by `kind` (or `version: v1alpha1` for the main document) and validated against that alone.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parseYamlDocuments, yamlDocumentToJS, YamlInputError } from "../../io/yaml.js";
import type { Contract } from "../versions.js";
import { GO_STRUCTS } from "./go-types.generated.js";

export type { Contract } from "../versions.js";

export interface TalosValidationError {
  /** Zero-based index of the document in the multi-document config. */
  document: number;
  /** The document's kind ("v1alpha1" for the main machine config), or undefined when it has none. */
  kind: string | undefined;
  /** JSON pointer inside the document ("/machine/install/disk"); "" for the document itself. */
  path: string;
  message: string;
}

/** The v1alpha1 document has no `kind`; it is reported under this name. */
export const V1ALPHA1_KIND = "v1alpha1";

// Kinds whose schema `kind` enum differs from the kind Go registers (schema quirks): Go's name is what Talos
// accepts, so the document is checked against the schema entry under the schema's spelling. A Map, since the kind
// comes from the user's document ("toString" must not find Object.prototype's).
const KIND_ALIASES = new Map<string, string>([
  ["KubeSpanEndpointsConfig", "KubeSpanEndpoints"],
  // 1.14: pkg/machinery/config/types/runtime/unattended_install.go registers UnattendedInstallConfig
  ["UnattendedInstallConfig", "UnattendedInstall"],
]);

interface ContractSchema {
  schema: Record<string, unknown>;
  ajv: Ajv2020;
  id: string;
  /** kind → $defs name */
  kinds: Map<string, string>;
  validators: Map<string, ValidateFunction>;
}

const cache = new Map<Contract, ContractSchema>();

// ajv-formats is CommonJS with a default export; under NodeNext the namespace object may wrap it.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => void;

/** Path of the bundled schema file; the repo root is three levels above src/talos/config and dist/talos/config. */
export function schemaPath(contract: Contract): string {
  return fileURLToPath(new URL(`../../../schema/talos/v${contract}/config.schema.json`, import.meta.url));
}

/** The parsed JSON schema of a contract (read once). */
export function loadSchema(contract: Contract): Record<string, unknown> {
  return getSchema(contract).schema;
}

function getSchema(contract: Contract): ContractSchema {
  let entry = cache.get(contract);
  if (entry) return entry;
  const schema = JSON.parse(readFileSync(schemaPath(contract), "utf8")) as {
    $id: string;
    $defs: Record<string, { properties?: Record<string, { enum?: unknown[] }> }>;
    oneOf: { $ref: string }[];
  };
  allowUndocumentedFields(schema.$defs);
  // strict:false because the schema carries editor keywords (markdownDescription, x-intellij-html-description).
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(schema);
  const kinds = new Map<string, string>();
  for (const { $ref } of schema.oneOf) {
    const name = $ref.replace(/^#\/\$defs\//, "");
    const def = schema.$defs[name];
    const kindEnum = def?.properties?.kind?.enum;
    if (kindEnum && typeof kindEnum[0] === "string") kinds.set(kindEnum[0], name);
    else if (def?.properties?.version) kinds.set(V1ALPHA1_KIND, name);
  }
  entry = { schema, ajv, id: schema.$id, kinds, validators: new Map() };
  cache.set(contract, entry);
  return entry;
}

/**
 * The published schema leaves out fields marked `docgen:nodoc` (deprecated ones such as `persist`,
 * `machine.network`, `install.extraKernelArgs`) although Talos still accepts them and its own generator emits some.
 * Admit every field the Go struct declares, without checking its value.
 */
function allowUndocumentedFields(defs: Record<string, { properties?: Record<string, unknown> }>): void {
  for (const [name, def] of Object.entries(defs)) {
    const fields = GO_STRUCTS[name];
    if (!fields || !def.properties) continue;
    for (const [yamlName, , flags] of fields) {
      if (!flags.includes("i") && !(yamlName in def.properties)) def.properties[yamlName] = {};
    }
  }
}

function validatorFor(entry: ContractSchema, defName: string): ValidateFunction {
  let v = entry.validators.get(defName);
  if (!v) {
    v = entry.ajv.compile({ $ref: `${entry.id}#/$defs/${defName}` });
    entry.validators.set(defName, v);
  }
  return v;
}

/** The Go struct (schema `$defs` name, e.g. "network.HostnameConfigV1Alpha1") of a document kind, if known. */
export function documentStruct(contract: Contract, kind: string): string | undefined {
  return getSchema(contract).kinds.get(KIND_ALIASES.get(kind) ?? kind);
}

/** Document kinds the contract's schema knows, sorted (v1alpha1 included). */
export function knownKinds(contract: Contract): string[] {
  const kinds = [...getSchema(contract).kinds.keys()];
  for (const [alias, target] of KIND_ALIASES) if (kinds.includes(target)) kinds.push(alias);
  return kinds.sort();
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Splits YAML text into documents; YAML syntax errors, and a breach of the YAML limits, are reported as validation
 * errors (of that document, or of the whole text).
 */
function parseDocuments(text: string): { docs: unknown[]; errors: TalosValidationError[] } {
  const docs: unknown[] = [];
  const errors: TalosValidationError[] = [];
  let parsed;
  try {
    parsed = parseYamlDocuments(text, "machine config");
  } catch (e) {
    if (!(e instanceof YamlInputError)) throw e;
    const where = e.position ? ` (line ${e.position.line}, column ${e.position.column})` : "";
    return {
      docs: [],
      errors: [{ document: 0, kind: undefined, path: "", message: `YAML: ${e.reason}${where}` }],
    };
  }
  parsed.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      errors.push({ document: index, kind: undefined, path: "", message: `YAML: ${doc.errors[0]!.message}` });
      docs.push(undefined);
      return;
    }
    docs.push(yamlDocumentToJS(doc));
  });
  return { docs, errors };
}

/**
 * Validates every document of a machine config (YAML text, possibly multi-document, or already-parsed documents)
 * against the schema of the version contract. Returns the errors; an empty list means valid. Empty documents
 * (a stray `---`) are skipped as Talos skips them.
 */
export function validateTalosDocuments(
  input: string | readonly unknown[],
  contract: Contract,
): TalosValidationError[] {
  const entry = getSchema(contract);
  const { docs, errors } =
    typeof input === "string" ? parseDocuments(input) : { docs: [...input], errors: [] };
  docs.forEach((doc, index) => {
    if (doc === undefined || doc === null) return;
    if (!isPlainObject(doc)) {
      errors.push({
        document: index,
        kind: undefined,
        path: "",
        message: "a config document must be a mapping",
      });
      return;
    }
    let kind: string | undefined;
    let subject: Record<string, unknown> = doc;
    if (typeof doc.kind === "string") {
      kind = doc.kind;
      const alias = KIND_ALIASES.get(kind);
      if (alias) subject = { ...doc, kind: alias };
    } else if (doc.kind === undefined && doc.version !== undefined) {
      kind = V1ALPHA1_KIND;
    }
    if (kind === undefined) {
      errors.push({
        document: index,
        kind,
        path: "",
        message: "document has neither `kind` nor `version: v1alpha1`; cannot tell what it is",
      });
      return;
    }
    const defName = entry.kinds.get(KIND_ALIASES.get(kind) ?? kind);
    if (!defName) {
      errors.push({
        document: index,
        kind,
        path: "/kind",
        message: `unknown document kind ${JSON.stringify(kind)} for Talos ${contract} (known: ${knownKinds(contract).join(", ")})`,
      });
      return;
    }
    const validate = validatorFor(entry, defName);
    if (validate(subject)) return;
    for (const e of validate.errors ?? []) {
      let message = e.message ?? "is invalid";
      if (e.keyword === "additionalProperties") {
        message = `unknown field ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`;
      } else if (e.keyword === "enum") {
        message = `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
      }
      errors.push({ document: index, kind, path: e.instancePath, message });
    }
  });
  return errors;
}

/** One line per error: "document 0 (v1alpha1) /machine/install: unknown field "foo"". */
export function formatTalosValidationErrors(errors: readonly TalosValidationError[]): string {
  return errors
    .map((e) => `document ${e.document} (${e.kind ?? "unknown kind"}) ${e.path || "/"}: ${e.message}`)
    .join("\n");
}
