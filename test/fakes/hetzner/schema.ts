// Request (and response) validation from the Hetzner Cloud OpenAPI document in ../shared/reference/hetzner. Bodies
// are checked with ajv after converting OpenAPI 3.0 to JSON Schema (nullable, allOf merged); objects in request
// bodies allow no unknown fields, as the live API does since 2025 (422 invalid_input "unknown field name 'x'").
// Fields documented as "ID or name" accept a number as well as a string, as the API does (hcloud-go sends ids).
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";

type Json = Record<string, unknown>;

export interface HcloudError {
  status: number;
  code: string;
  message: string;
  details: Json;
}

interface Operation {
  parameters: { name: string; in: string; required?: boolean; schema?: Json }[];
  /** Compiled on first use: the whole document takes seconds to compile and a test touches a few operations. */
  request?: () => ValidateFunction;
  responses: Map<number, () => ValidateFunction>;
}

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

interface Endpoint {
  template: string;
  re: RegExp;
  names: string[];
  ops: Map<string, Operation>;
}

const ID_OR_NAME = /ID or name|IDs \(`integer`\) or names|ID \(`integer`\) or name/i;

function convert(schema: unknown, strict: boolean, idOrName = false): unknown {
  if (Array.isArray(schema)) return schema.map((s) => convert(s, strict));
  if (!schema || typeof schema !== "object") return schema;
  const s = { ...(schema as Json) };
  for (const k of [
    "example",
    "examples",
    "deprecated",
    "externalDocs",
    "discriminator",
    "xml",
    "readOnly",
    "writeOnly",
    "title",
  ])
    delete s[k];
  if (typeof s.$ref === "string") {
    const ref = { $ref: s.$ref.replace("#/components/schemas/", "#/definitions/") };
    return s.nullable === true ? { anyOf: [ref, { type: "null" }] } : ref;
  }
  const idName = idOrName || (typeof s.description === "string" && ID_OR_NAME.test(s.description));
  delete s.description;
  if (Array.isArray(s.allOf) && strict) {
    // Merge object parts so additionalProperties:false does not reject the other parts' fields.
    const parts = (s.allOf as Json[]).map((p) => convert(p, strict) as Json);
    if (parts.every((p) => !p.$ref)) {
      const merged: Json = { type: "object", properties: {}, required: [] };
      for (const p of parts) {
        Object.assign(merged.properties as Json, p.properties ?? {});
        (merged.required as string[]).push(...((p.required as string[]) ?? []));
      }
      delete s.allOf;
      Object.assign(s, merged, { additionalProperties: false });
      return s;
    }
  }
  for (const k of ["allOf", "oneOf", "anyOf"])
    if (Array.isArray(s[k])) s[k] = (s[k] as unknown[]).map((x) => convert(x, strict));
  if (s.items) s.items = convert(s.items, strict, idName);
  if (s.properties && typeof s.properties === "object")
    s.properties = Object.fromEntries(
      Object.entries(s.properties as Json).map(([k, v]) => [k, convert(v, strict)]),
    );
  if (s.additionalProperties && typeof s.additionalProperties === "object")
    s.additionalProperties = convert(s.additionalProperties, strict);
  if (strict && (s.type === "object" || s.properties) && s.additionalProperties === undefined)
    s.additionalProperties = false;
  if (idName && s.type === "string") s.type = ["string", "integer"];
  if (s.nullable === true && s.type === undefined && !s.enum) {
    // nullable beside allOf/oneOf (how the document marks optional objects): the object or null.
    delete s.nullable;
    return { anyOf: [s, { type: "null" }] };
  }
  if (s.nullable === true) {
    delete s.nullable;
    if (typeof s.type === "string") s.type = [s.type, "null"];
    else if (Array.isArray(s.type)) s.type = [...(s.type as string[]), "null"];
    else if (s.enum) s.enum = [...(s.enum as unknown[]), null];
    if (Array.isArray(s.enum) && !s.enum.includes(null)) s.enum = [...(s.enum as unknown[]), null];
  } else delete s.nullable;
  // Formats (int64, date-time, decimal, ipv4 …) are documentation here; values are checked by the handlers.
  delete s.format;
  return s;
}

/** ajv errors in Hetzner's invalid_input shape. */
function toHcloudError(errors: ErrorObject[]): HcloudError {
  const unknown = errors.find((e) => e.keyword === "additionalProperties");
  if (unknown) {
    const base = unknown.instancePath.replace(/^\//, "").replace(/\//g, ".");
    const name = `${base ? `${base}.` : ""}${String(unknown.params.additionalProperty)}`;
    return {
      status: 422,
      code: "invalid_input",
      message: `invalid input: unknown field name '${name}'`,
      details: { fields: [{ name, messages: ["unknown field"] }] },
    };
  }
  const fields = new Map<string, string[]>();
  for (const e of errors) {
    const path = e.instancePath.replace(/^\//, "").replace(/\//g, ".");
    const name =
      e.keyword === "required"
        ? `${path ? `${path}.` : ""}${String(e.params.missingProperty)}`
        : path || "root";
    const msg = e.keyword === "required" ? "Missing data for required field." : `${e.message ?? "invalid"}`;
    fields.set(name, [...(fields.get(name) ?? []), msg]);
  }
  const names = [...fields.keys()];
  return {
    status: 422,
    code: "invalid_input",
    message: `invalid input in field${names.length > 1 ? "s" : ""} ${names.map((n) => `'${n}'`).join(", ")}`,
    details: { fields: names.map((name) => ({ name, messages: fields.get(name)! })) },
  };
}

export class HcloudSchema {
  private readonly endpoints: Endpoint[] = [];

  constructor(file: string) {
    const spec = JSON.parse(readFileSync(file, "utf8")) as {
      paths: Record<string, Record<string, Json>>;
      components: { schemas: Json };
    };
    const strictAjv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true });
    const looseAjv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true });
    const defs = (strict: boolean): Json =>
      Object.fromEntries(Object.entries(spec.components.schemas).map(([k, v]) => [k, convert(v, strict)]));
    strictAjv.addSchema({ $id: "req", definitions: defs(true) });
    looseAjv.addSchema({ $id: "res", definitions: defs(false) });
    const compile = (ajv: Ajv, id: string, schema: unknown, strict: boolean): ValidateFunction => {
      const converted = JSON.parse(
        JSON.stringify(convert(schema, strict)).replace(/"#\/definitions\//g, `"${id}#/definitions/`),
      ) as Json;
      return ajv.compile(converted);
    };
    for (const [template, methods] of Object.entries(spec.paths)) {
      const names: string[] = [];
      const re = new RegExp(
        `^${template.replace(/\{([^}]+)\}/g, (_m, n: string) => {
          names.push(n);
          return "([^/]+)";
        })}$`,
      );
      const ops = new Map<string, Operation>();
      for (const [method, op] of Object.entries(methods)) {
        if (!["get", "post", "put", "delete"].includes(method)) continue;
        const body = (op.requestBody as Json | undefined)?.content as Json | undefined;
        const bodySchema = (body?.["application/json"] as Json | undefined)?.schema;
        const responses = new Map<number, () => ValidateFunction>();
        for (const [status, r] of Object.entries((op.responses as Json) ?? {})) {
          const schema = (((r as Json).content as Json | undefined)?.["application/json"] as Json | undefined)
            ?.schema;
          if (schema && /^\d+$/.test(status))
            responses.set(
              Number(status),
              lazy(() => compile(looseAjv, "res", schema, false)),
            );
        }
        ops.set(method.toUpperCase(), {
          parameters: ((op.parameters as Operation["parameters"]) ?? []).concat(
            (methods.parameters as unknown as Operation["parameters"]) ?? [],
          ),
          ...(bodySchema ? { request: lazy(() => compile(strictAjv, "req", bodySchema, true)) } : {}),
          responses,
        });
      }
      this.endpoints.push({ template, re, names, ops });
    }
    this.endpoints.sort((a, b) => a.names.length - b.names.length);
  }

  match(
    method: string,
    path: string,
  ): { template: string; op: Operation; params: Record<string, string> } | "no-method" | undefined {
    let pathMatched = false;
    for (const e of this.endpoints) {
      const m = e.re.exec(path);
      if (!m) continue;
      pathMatched = true;
      const op = e.ops.get(method);
      if (!op) continue;
      const params: Record<string, string> = {};
      e.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
      return { template: e.template, op, params };
    }
    return pathMatched ? "no-method" : undefined;
  }

  /** Query parameters: values outside the documented type/enum are invalid_input. */
  checkQuery(op: Operation, query: URLSearchParams): HcloudError | undefined {
    const bad: { name: string; messages: string[] }[] = [];
    const known = new Map(op.parameters.filter((p) => p.in === "query").map((p) => [p.name, p]));
    for (const name of new Set(query.keys())) {
      const p = known.get(name);
      // Unknown query parameters are ignored by the live API (the official CLI sends sort= where the document
      // has none); unknownQuery lists them so tests can still see them.
      if (!p) continue;
      const schema = (p.schema ?? {}) as Json;
      const itemSchema = schema.type === "array" ? ((schema.items as Json) ?? {}) : schema;
      for (const v of query.getAll(name)) {
        if (itemSchema.type === "integer" && !/^-?\d+$/.test(v))
          bad.push({ name, messages: [`'${v}' is not an integer`] });
        else if (Array.isArray(itemSchema.enum) && !itemSchema.enum.includes(v))
          bad.push({ name, messages: [`'${v}' is not one of ${itemSchema.enum.join(", ")}`] });
        else if (itemSchema.type === "boolean" && !/^(true|false)$/.test(v))
          bad.push({ name, messages: [`'${v}' is not a boolean`] });
      }
    }
    if (query.has("per_page") && Number(query.get("per_page")) > 50)
      bad.push({ name: "per_page", messages: ["must be at most 50"] });
    if (bad.length === 0) return undefined;
    return {
      status: 422,
      code: "invalid_input",
      message: `invalid input in field${bad.length > 1 ? "s" : ""} ${bad.map((b) => `'${b.name}'`).join(", ")}`,
      details: { fields: bad },
    };
  }

  checkBody(op: Operation, body: unknown): HcloudError | undefined {
    if (!op.request) return undefined;
    const validate = op.request();
    if (validate(body)) return undefined;
    return toHcloudError(validate.errors ?? []);
  }

  /** Query parameter names the operation does not document (ignored, as the live API ignores them). */
  unknownQuery(op: Operation, query: URLSearchParams): string[] {
    const known = new Set(op.parameters.filter((p) => p.in === "query").map((p) => p.name));
    return [...new Set(query.keys())].filter((k) => !known.has(k));
  }

  /** Problems of an answer the fake produced against the documented response schema (the fake's own honesty check). */
  checkResponse(op: Operation, status: number, body: unknown): string[] {
    const v = op.responses.get(status)?.();
    if (!v || v(body)) return [];
    return (v.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`.trim());
  }
}
