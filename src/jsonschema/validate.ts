// A small interpreter for the JSON Schema subset that Kubernetes' OpenAPI-derived schemas use (yannh's
// standalone-strict core schemas, datreeio's CRD schemas): type, properties, additionalProperties, required, items,
// enum, oneOf/anyOf/allOf/not, pattern, length, range and size limits. Formats and x-kubernetes-* keywords are not
// checked. Why not ajv at render time: ajv compiles each schema to code first, and the pod-bearing core schemas
// (Job, DaemonSet: ~660 KB each, every $ref inlined) take 0.2–0.5 s apiece to compile, more than rendering a
// 1,000-node cluster; interpreting the few objects cairn emits costs milliseconds. The tests validate the same
// objects with ajv as the independent oracle and check that both agree on broken objects.

export type JsonSchema = boolean | { [keyword: string]: unknown };

export interface SchemaError {
  /** JSON pointer of the offending value, "" for the root. */
  path: string;
  message: string;
}

const patternCache = new Map<string, RegExp>();

function regex(pattern: string): RegExp {
  let r = patternCache.get(pattern);
  if (!r) {
    // Go/RE2 patterns in Cilium's CRDs use `\PC` (not a control character); JavaScript spells it `\P{C}`.
    r = new RegExp(pattern.replace(/\\PC/g, "\\P{C}"), "u");
    patternCache.set(pattern, r);
  }
  return r;
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(actual: string, wanted: string): boolean {
  return actual === wanted || (wanted === "number" && actual === "integer");
}

const esc = (k: string) => k.replace(/~/g, "~0").replace(/\//g, "~1");
const codePoints = (s: string) => [...s].length;

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/** Every violation of `schema` by `value`; an empty list means valid. */
export function validateJson(schema: JsonSchema, value: unknown, path = ""): SchemaError[] {
  const out: SchemaError[] = [];
  check(schema, value, path, out);
  return out;
}

function check(schema: JsonSchema, value: unknown, path: string, out: SchemaError[]): void {
  if (schema === true) return;
  if (schema === false) {
    out.push({ path, message: "is not allowed here" });
    return;
  }
  const s = schema;
  const actual = typeOf(value);

  if (s.type !== undefined) {
    const wanted = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!wanted.some((w) => typeMatches(actual, w))) {
      out.push({ path, message: `must be ${wanted.join(" or ")}, not ${actual}` });
      return;
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, value)))
    out.push({ path, message: `must be one of ${s.enum.map((e) => JSON.stringify(e)).join(", ")}` });

  if (Array.isArray(s.allOf)) for (const sub of s.allOf as JsonSchema[]) check(sub, value, path, out);
  if (
    Array.isArray(s.anyOf) &&
    !(s.anyOf as JsonSchema[]).some((sub) => validateJson(sub, value, path).length === 0)
  )
    out.push({ path, message: "must match one of the allowed shapes (anyOf)" });
  if (Array.isArray(s.oneOf)) {
    const matches = (s.oneOf as JsonSchema[]).filter(
      (sub) => validateJson(sub, value, path).length === 0,
    ).length;
    if (matches !== 1)
      out.push({
        path,
        message:
          matches === 0
            ? "must match one of the allowed shapes (oneOf)"
            : "matches more than one shape (oneOf)",
      });
  }
  if (s.not !== undefined && validateJson(s.not as JsonSchema, value, path).length === 0)
    out.push({ path, message: "must not match the excluded shape (not)" });

  if (actual === "string") {
    const str = value as string;
    if (typeof s.pattern === "string" && !regex(s.pattern).test(str))
      out.push({ path, message: `must match ${s.pattern}` });
    if (typeof s.minLength === "number" && codePoints(str) < s.minLength)
      out.push({ path, message: `must be at least ${s.minLength} characters` });
    if (typeof s.maxLength === "number" && codePoints(str) > s.maxLength)
      out.push({ path, message: `must be at most ${s.maxLength} characters` });
  }
  if (actual === "integer" || actual === "number") {
    const n = value as number;
    if (typeof s.minimum === "number" && n < s.minimum) out.push({ path, message: `must be ≥ ${s.minimum}` });
    if (typeof s.maximum === "number" && n > s.maximum) out.push({ path, message: `must be ≤ ${s.maximum}` });
  }
  if (actual === "array") {
    const arr = value as unknown[];
    if (typeof s.minItems === "number" && arr.length < s.minItems)
      out.push({ path, message: `must have at least ${s.minItems} items` });
    if (typeof s.maxItems === "number" && arr.length > s.maxItems)
      out.push({ path, message: `must have at most ${s.maxItems} items` });
    if (s.items !== undefined && !Array.isArray(s.items))
      arr.forEach((item, i) => check(s.items as JsonSchema, item, `${path}/${i}`, out));
  }
  if (actual === "object") {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (typeof s.maxProperties === "number" && keys.length > s.maxProperties)
      out.push({ path, message: `must have at most ${s.maxProperties} fields` });
    if (Array.isArray(s.required))
      for (const r of s.required as string[])
        if (!Object.hasOwn(obj, r)) out.push({ path, message: `must have required field "${r}"` });
    const props = (s.properties ?? {}) as Record<string, JsonSchema>;
    for (const k of keys) {
      const sub = props[k];
      if (sub !== undefined) check(sub, obj[k], `${path}/${esc(k)}`, out);
      else if (s.additionalProperties === false)
        out.push({ path: `${path}/${esc(k)}`, message: `unknown field "${k}"` });
      else if (s.additionalProperties !== undefined && s.additionalProperties !== true)
        check(s.additionalProperties as JsonSchema, obj[k], `${path}/${esc(k)}`, out);
    }
  }
}
