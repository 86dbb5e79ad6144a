// Changing one value of cairn.yaml the way a person would: only the characters of that value are replaced, so
// every comment, blank line, key order and quoting style of the file stays as the user wrote it (a YAML library's
// re-serialisation would reflow the whole file). Used when `cairn upgrade … --to X --update-spec` records the new
// version in the spec.
import { isScalar, LineCounter } from "yaml";
import { parseYamlDocuments } from "../io/yaml.js";

export interface SpecEdit {
  /** The new file text. */
  text: string;
  /** The value it had. */
  before: string;
  /** 1-based line of the value. */
  line: number;
}

/** A plain scalar that YAML would read back as something other than this string ("1.30" is a number). */
function needsQuotes(value: string): boolean {
  return (
    !/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(value) || /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(value)
  );
}

/** The scalar at `path` set to `value` in place; undefined when the spec has no scalar there. */
export function setSpecScalar(text: string, path: readonly string[], value: string): SpecEdit | undefined {
  const lines = new LineCounter();
  const docs = parseYamlDocuments(text, "cairn.yaml", { lineCounter: lines });
  const doc = docs[0];
  if (docs.length !== 1 || !doc || doc.errors.length > 0) return undefined;
  const node = doc.getIn(path, true);
  if (!isScalar(node) || !node.range) return undefined;
  const [start, end] = node.range;
  const quote =
    node.type === "QUOTE_SINGLE" ? "'" : node.type === "QUOTE_DOUBLE" || needsQuotes(value) ? '"' : "";
  if (node.type !== "PLAIN" && node.type !== "QUOTE_SINGLE" && node.type !== "QUOTE_DOUBLE") return undefined;
  const next = `${text.slice(0, start)}${quote}${value}${quote}${text.slice(end)}`;
  return { text: next, before: String(node.value), line: lines.linePos(start).line };
}
