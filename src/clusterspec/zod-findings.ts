// Turns zod issues into findings with message classes, precise wording and "did you mean" hints.
import type { z } from "zod";
import { error, type Finding, type FieldPath } from "../findings.js";
import { closest } from "../suggest.js";
import { describeValue, isSecretFieldName } from "../redact.js";

type AnySchema = z.core.$ZodType;

interface Def {
  type: string;
  shape?: Record<string, AnySchema>;
  innerType?: AnySchema;
  element?: AnySchema;
  valueType?: AnySchema;
  options?: AnySchema[];
  in?: AnySchema;
  discriminator?: string;
  values?: unknown[];
}

const defOf = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Walks the schema along a data path to the object schema found there (used to list the known fields). */
function schemaAt(root: AnySchema, path: FieldPath, data: unknown): AnySchema | undefined {
  let s: AnySchema | undefined = root;
  let d: unknown = data;
  for (let i = 0; i <= path.length && s;) {
    const def = defOf(s);
    if (
      def.type === "optional" ||
      def.type === "default" ||
      def.type === "nullable" ||
      def.type === "prefault"
    ) {
      s = def.innerType;
      continue;
    }
    if (def.type === "pipe") {
      s = def.in;
      continue;
    }
    if (def.type === "union" && def.options) {
      // Pick the branch whose discriminator or object shape fits the data.
      const disc = def.discriminator;
      const obj = d && typeof d === "object" ? (d as Record<string, unknown>) : undefined;
      const objects = def.options.filter((o) => objectShape(o));
      const chosen =
        (disc && obj ? objects.find((o) => literalOf(objectShape(o)![disc]) === obj[disc]) : undefined) ??
        (objects.length === 1 ? objects[0] : undefined) ??
        (obj ? objects[0] : undefined);
      if (!chosen) return undefined;
      s = chosen;
      continue;
    }
    if (i === path.length) return s;
    const seg = path[i]!;
    if (def.type === "object" && def.shape) s = def.shape[String(seg)];
    else if (def.type === "array") s = def.element;
    else if (def.type === "record") s = def.valueType;
    else return undefined;
    d = d && typeof d === "object" ? (d as Record<string | number, unknown>)[seg] : undefined;
    i++;
  }
  return s;
}

function objectShape(s: AnySchema | undefined): Record<string, AnySchema> | undefined {
  if (!s) return undefined;
  const def = defOf(s);
  if (def.type === "optional" || def.type === "default") return objectShape(def.innerType);
  return def.type === "object" ? def.shape : undefined;
}

function literalOf(s: AnySchema | undefined): unknown {
  if (!s) return undefined;
  const def = defOf(s);
  return def.type === "literal" ? def.values?.[0] : undefined;
}

/** What was found, for messages: never a value that looks like key material or sits in a secret field. */
function typeName(v: unknown, path: readonly (string | number)[] = []): string {
  const last = path.at(-1);
  return describeValue(v, typeof last === "string" && isSecretFieldName(last));
}

const expectedName: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a mapping of fields",
  array: "a list",
  record: "a mapping",
};

function valueAt(data: unknown, path: FieldPath): unknown {
  let d = data;
  for (const p of path)
    d = d && typeof d === "object" ? (d as Record<string | number, unknown>)[p] : undefined;
  return d;
}

export function zodIssuesToFindings(
  issues: readonly z.core.$ZodIssue[],
  root: AnySchema,
  data: unknown,
): Finding[] {
  const out: Finding[] = [];
  for (const issue of issues) {
    const path = issue.path as (string | number)[];
    switch (issue.code) {
      case "unrecognized_keys": {
        const known = Object.keys(objectShape(schemaAt(root, path, data)) ?? {});
        for (const key of issue.keys) {
          const guess = closest(key, known);
          out.push({
            ...error(
              "schema.unknown-field",
              [...path, key],
              `unknown field "${key}"`,
              guess
                ? `did you mean "${guess}"?`
                : known.length
                  ? `known fields here: ${known.join(", ")}`
                  : undefined,
            ),
            atKey: true,
          });
        }
        break;
      }
      case "invalid_type": {
        const actual = valueAt(data, path);
        if (actual === undefined) {
          out.push(
            error(
              "schema.missing",
              path,
              `required field "${String(path.at(-1) ?? "")}" is missing`,
              `add it here`,
            ),
          );
        } else {
          const exp = expectedName[issue.expected] ?? issue.expected;
          out.push(error("schema.type", path, `expected ${exp}, found ${typeName(actual, path)}`));
        }
        break;
      }
      case "invalid_value": {
        const vals = issue.values.map((v) => JSON.stringify(v));
        const actual = valueAt(data, path);
        const guess = typeof actual === "string" ? closest(actual, issue.values.map(String)) : undefined;
        out.push(
          error(
            "schema.enum",
            path,
            issue.message.startsWith("Invalid")
              ? `must be one of ${vals.join(", ")}, found ${typeName(actual, path)}`
              : issue.message,
            guess ? `did you mean "${guess}"?` : undefined,
          ),
        );
        break;
      }
      case "invalid_union": {
        const disc = (issue as { discriminator?: string; options?: unknown[] }).discriminator;
        if (disc) {
          const opts = ((issue as { options?: unknown[] }).options ?? []).map(String);
          const actual = valueAt(data, path);
          const guess = typeof actual === "string" ? closest(actual, opts) : undefined;
          out.push(
            error(
              actual === undefined ? "schema.missing" : "schema.enum",
              path,
              actual === undefined
                ? `required field "${disc}" is missing (one of ${opts.join(", ")})`
                : `must be one of ${opts.map((o) => `"${o}"`).join(", ")}, found ${typeName(actual, path)}`,
              guess ? `did you mean "${guess}"?` : undefined,
            ),
          );
        } else {
          out.push(
            error(
              "schema.type",
              path,
              `found ${typeName(valueAt(data, path), path)}, which matches none of the accepted forms`,
            ),
          );
        }
        break;
      }
      case "invalid_format":
        out.push(error("schema.format", path, issue.message));
        break;
      case "too_small":
      case "too_big":
        out.push(error("schema.range", path, issue.message.replace(/^Too (small|big): /, "")));
        break;
      default:
        out.push(error("schema.invalid", path, issue.message));
    }
  }
  return out;
}
