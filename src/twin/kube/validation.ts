// Validation of objects written to the simulated API: built-ins against the reference schemas copied into
// schema/k8s/v1.32 (yannh/kubernetes-json-schema's standalone-strict format, see schema/k8s/SOURCES.md), custom
// resources against their CRD's openAPIV3Schema, and the metadata rules kube-apiserver applies to every object.
// Problems come back as field causes, the way a Status "Invalid" lists them.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { ResourceType } from "./resources.js";

export interface Cause {
  reason:
    | "FieldValueRequired"
    | "FieldValueInvalid"
    | "FieldValueNotSupported"
    | "FieldValueTypeInvalid"
    | "FieldValueDuplicate"
    | "FieldValueForbidden";
  message: string;
  field: string;
}

export interface ValidationResult {
  causes: Cause[];
  /** Fields the schema does not know (strict field validation rejects them; the others drop them). */
  unknownFields: string[];
}

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});

export const SCHEMA_DIR = fileURLToPath(new URL("../../../schema/k8s/v1.32/", import.meta.url));

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, ValidateFunction>();

function loadReference(file: string): Obj {
  const schema = JSON.parse(readFileSync(`${SCHEMA_DIR}${file}`, "utf8")) as Obj;
  delete schema.$schema;
  return schema;
}

/** The Pod schema, taken from the Deployment schema's pod template (the reference set has no Pod file). */
function podSchema(): Obj {
  const d = loadReference("deployment-apps-v1.json");
  const template = o(o(o(o(d.properties).spec).properties).template);
  const tp = o(template.properties);
  return {
    type: "object",
    additionalProperties: false,
    required: ["spec"],
    properties: {
      apiVersion: { type: ["string", "null"], enum: ["v1"] },
      kind: { type: ["string", "null"], enum: ["Pod"] },
      metadata: tp.metadata,
      spec: tp.spec,
      // Status is written by the (simulated) kubelet, not validated on user writes.
      status: { type: ["object", "null"] },
    },
  };
}

/** The object-metadata schema alone, for built-ins without a reference schema (Node, Lease, …). */
function metadataOnlySchema(): Obj {
  const cm = loadReference("configmap-v1.json");
  return { type: "object", properties: { metadata: o(cm.properties).metadata } };
}

function validatorFor(type: ResourceType): ValidateFunction {
  const id = type.crd
    ? `crd:${type.group}/${type.version}/${type.resource}:${JSON.stringify(type.crd.schema)}`
    : `${type.group}/${type.resource}`;
  let v = compiled.get(id);
  if (v) return v;
  let schema: Obj;
  if (type.crd) schema = crdToJsonSchema(type.crd.schema ?? {}, true);
  else if (type.schemaFile) schema = loadReference(type.schemaFile);
  else if (type.kind === "Pod") schema = podSchema();
  else schema = metadataOnlySchema();
  v = ajv.compile(schema);
  compiled.set(id, v);
  return v;
}

/**
 * A CRD's structural schema as JSON Schema: objects with properties close (unknown fields are found as such)
 * unless x-kubernetes-preserve-unknown-fields, `nullable` admits null, int-or-string is integer or string. At the
 * root, metadata is validated as object metadata, not by the CRD.
 */
function crdToJsonSchema(s: Obj, root = false): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith("x-kubernetes-") || k === "nullable" || k === "description" || k === "example") continue;
    if (k === "properties") {
      const props: Obj = {};
      for (const [name, sub] of Object.entries(o(v))) props[name] = crdToJsonSchema(o(sub));
      out.properties = props;
    } else if (k === "items") out.items = crdToJsonSchema(o(v));
    else if (k === "additionalProperties")
      out.additionalProperties = typeof v === "boolean" ? v : crdToJsonSchema(o(v));
    else if (k === "allOf" || k === "anyOf" || k === "oneOf")
      out[k] = (v as Obj[]).map((x) => crdToJsonSchema(x));
    else if (k === "not") out.not = crdToJsonSchema(o(v));
    else out[k] = v;
  }
  if (s["x-kubernetes-int-or-string"] === true) {
    delete out.type;
    out.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  if (s.nullable === true && typeof out.type === "string") out.type = [out.type, "null"];
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  if (out.properties && out.additionalProperties === undefined && !preserve) out.additionalProperties = false;
  if (root) {
    const props = { ...o(out.properties) };
    props.metadata = { type: "object" };
    props.apiVersion = { type: "string" };
    props.kind = { type: "string" };
    out.properties = props;
    out.type = "object";
    if (!preserve) out.additionalProperties = false;
  }
  return out;
}

function fieldPath(instancePath: string): string {
  return instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), "");
}

const show = (v: unknown): string =>
  typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? "null");
const typeName = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v;

function valueAt(obj: unknown, instancePath: string): unknown {
  let cur: unknown = obj;
  for (const p of instancePath.split("/").slice(1)) {
    const key = p.replace(/~1/g, "/").replace(/~0/g, "~");
    cur = Array.isArray(cur) ? cur[Number(key)] : o(cur)[key];
  }
  return cur;
}

function causesOf(errors: ErrorObject[], obj: unknown): ValidationResult {
  const causes: Cause[] = [];
  const unknownFields: string[] = [];
  const seen = new Set<string>();
  // Branch errors of oneOf/anyOf (nullable int-or-string and the like) say the same thing several times.
  for (const e of errors) {
    const base = fieldPath(e.instancePath);
    if (e.keyword === "additionalProperties") {
      const f = `${base ? `${base}.` : ""}${String((e.params as { additionalProperty: string }).additionalProperty)}`;
      if (!unknownFields.includes(f)) unknownFields.push(f);
      continue;
    }
    if (seen.has(base) && e.keyword !== "required") continue;
    const value = valueAt(obj, e.instancePath);
    if (e.keyword === "required") {
      const f = `${base ? `${base}.` : ""}${String((e.params as { missingProperty: string }).missingProperty)}`;
      if (seen.has(f)) continue;
      seen.add(f);
      causes.push({ reason: "FieldValueRequired", message: "Required value", field: f });
      continue;
    }
    seen.add(base);
    if (e.keyword === "enum") {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).filter(
        (x) => x !== null,
      );
      causes.push({
        reason: "FieldValueNotSupported",
        message: `Unsupported value: ${show(value)}: supported values: ${allowed.map(show).join(", ")}`,
        field: base,
      });
    } else if (e.keyword === "type" || e.keyword === "oneOf" || e.keyword === "anyOf") {
      const want =
        e.keyword === "type"
          ? String((e.params as { type: unknown }).type).split(",")[0]
          : "integer or string";
      causes.push({
        reason: "FieldValueTypeInvalid",
        message: `Invalid value: ${show(value)}: ${base || "<root>"} in body must be of type ${want}: "${typeName(value)}"`,
        field: base,
      });
    } else {
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: ${show(value)}: ${e.message ?? "invalid"}`,
        field: base,
      });
    }
  }
  return { causes, unknownFields };
}

// kube-apiserver's name rules (apimachinery validation): most objects take a DNS-1123 subdomain, namespaces and
// services a DNS-1123 label.
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function metadataCauses(type: ResourceType, obj: Obj): Cause[] {
  const out: Cause[] = [];
  const meta = o(obj.metadata);
  const name = meta.name;
  const label = type.resource === "namespaces" || type.resource === "services";
  if (typeof name !== "string" || name === "") {
    out.push({
      reason: "FieldValueRequired",
      message: "Required value: name or generateName is required",
      field: "metadata.name",
    });
  } else {
    const re = label ? DNS1123_LABEL : DNS1123_SUBDOMAIN;
    if (!re.test(name) || name.length > (label ? 63 : 253))
      out.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: ${show(name)}: a lowercase RFC 1123 ${label ? "label" : "subdomain"} must consist of lower case alphanumeric characters, '-'${label ? "" : " or '.'"}, and must start and end with an alphanumeric character`,
        field: "metadata.name",
      });
  }
  for (const [k, v] of Object.entries(o(meta.labels))) {
    if (!QUALIFIED_NAME.test(k))
      out.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: ${show(k)}: name part must consist of alphanumeric characters, '-', '_' or '.'`,
        field: "metadata.labels",
      });
    if (typeof v !== "string" || !LABEL_VALUE.test(v) || v.length > 63)
      out.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: ${show(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
        field: `metadata.labels`,
      });
  }
  return out;
}

/** Pod spec rules the schema cannot say: every container needs an image, container names are unique. */
function podSpecCauses(podSpec: Obj, path: string): Cause[] {
  const out: Cause[] = [];
  const seen = new Set<string>();
  for (const list of ["initContainers", "containers"]) {
    const items = Array.isArray(podSpec[list]) ? (podSpec[list] as Obj[]) : [];
    items.forEach((c, i) => {
      if (typeof c.image !== "string" || c.image.trim() === "")
        out.push({
          reason: "FieldValueRequired",
          message: "Required value",
          field: `${path}.${list}[${i}].image`,
        });
      const name = String(c.name ?? "");
      if (seen.has(name))
        out.push({
          reason: "FieldValueDuplicate",
          message: `Duplicate value: ${show(name)}`,
          field: `${path}.${list}[${i}].name`,
        });
      seen.add(name);
    });
  }
  return out;
}

// Rules of the built-in registries beyond the schema that users meet first (core and apps/v1 validation).
function semanticCauses(type: ResourceType, obj: Obj): Cause[] {
  if (type.kind === "Pod" && !type.group) return podSpecCauses(o(obj.spec), "spec");
  if (type.group !== "apps" && !(type.group === "batch" && type.kind === "Job")) return [];
  const spec = o(obj.spec);
  const podCauses = podSpecCauses(o(o(spec.template).spec), "spec.template.spec");
  if (podCauses.length) return podCauses;
  const selector = o(spec.selector);
  const labels = o(o(o(spec.template).metadata).labels);
  const matchLabels = o(selector.matchLabels);
  if (type.kind === "Job" && Object.keys(selector).length === 0) return [];
  const mismatch = Object.entries(matchLabels).some(([k, v]) => labels[k] !== v);
  if (mismatch || (Object.keys(matchLabels).length === 0 && !Array.isArray(selector.matchExpressions)))
    return [
      {
        reason: "FieldValueInvalid",
        message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``,
        field: "spec.template.metadata.labels",
      },
    ];
  return [];
}

/** Validates a whole object of `type` (metadata, schema, registry rules). */
export function validateObject(type: ResourceType, obj: Obj): ValidationResult {
  const v = validatorFor(type);
  const result: ValidationResult = v(obj) ? { causes: [], unknownFields: [] } : causesOf(v.errors ?? [], obj);
  result.causes.unshift(...metadataCauses(type, obj));
  if (result.causes.length === 0) result.causes.push(...semanticCauses(type, obj));
  return result;
}

/** Removes the given unknown field paths (as validateObject reports them) from `obj`, as pruning does. */
export function pruneFields(obj: Obj, fields: readonly string[]): void {
  for (const f of fields) {
    const parts = f.match(/[^.[\]]+/g) ?? [];
    let cur: unknown = obj;
    for (const p of parts.slice(0, -1)) cur = Array.isArray(cur) ? cur[Number(p)] : o(cur)[p];
    const last = parts[parts.length - 1];
    if (last !== undefined && typeof cur === "object" && cur !== null) delete (cur as Obj)[last];
  }
}
