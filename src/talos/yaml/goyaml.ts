// A YAML encoder whose output matches go-yaml v3 `yaml.Marshal` byte for byte, for the subset Talos needs: block
// mappings and sequences, plain/quoted/literal scalars, no comments, no anchors, no tags.
//
// Why not the `yaml` package: Talos (and talosctl) write configs with go-yaml v3, and cairn promises byte-identical
// output. go-yaml's layout (4-space indent, sequences indented under their key, a mapping in a sequence item at
// dash+2, `[]`/`{}` for empty collections, no line wrapping) and its quoting rules (YAML 1.1 booleans, base-60
// floats, timestamps quoted) differ from every JS emitter. The behaviour below follows go-yaml's encode.go,
// resolve.go, sorter.go and emitterc.go (facts re-implemented, not translated line by line).
//
// How callers express Go types with plain JS data:
// - A plain object is a Go **map**: its keys are sorted the way go-yaml sorts map keys (numbers inside keys compare
//   numerically, letters before other characters).
// - `goStruct(obj)` marks an object as a Go **struct**: keys are emitted in insertion order (= field declaration
//   order). Build it in declaration order; omitempty is the caller's business (leave absent keys out).
// - `string`: quoted exactly as go-yaml quotes Go strings. `boolean`, `null`/`undefined` (nil): plain.
// - `number`: an integer prints as Go's strconv.FormatInt, anything else as Go float64 ('g', shortest).
//   `goFloat(n)` forces float formatting (e.g. 1e21 → "1e+21", 1000000 → "1e+06"). `bigint` prints as an integer.
// - Arrays are sequences (`[]` when empty); an empty map or struct prints `{}`.
// - `goRaw(text)` emits a pre-rendered plain scalar verbatim (for values a Go type marshals itself).

import { UserError } from "../../errors.js";

const STRUCT = Symbol("goStruct");
const FLOAT = Symbol("goFloat");
const RAW = Symbol("goRaw");

export interface GoFloat {
  readonly [FLOAT]: number;
}
export interface GoRaw {
  readonly [RAW]: string;
}

export type GoValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | GoFloat
  | GoRaw
  | readonly GoValue[]
  | { readonly [key: string]: GoValue };

/** Marks `obj` as a Go struct: its keys keep insertion order. Returns the same object. */
export function goStruct<T extends object>(obj: T): T {
  Object.defineProperty(obj, STRUCT, { value: true, enumerable: false });
  return obj;
}

export function isGoStruct(obj: unknown): boolean {
  return typeof obj === "object" && obj !== null && (obj as Record<symbol, unknown>)[STRUCT] === true;
}

export function goFloat(n: number): GoFloat {
  return { [FLOAT]: n };
}

export function goRaw(text: string): GoRaw {
  return { [RAW]: text };
}

// ---------------------------------------------------------------------------------------------------------------
// Scalars: Go number formatting and the resolver that decides whether a string needs quoting.

/** strconv.FormatFloat(f, 'g', -1, 64) with go-yaml's spelling of infinities and NaN. */
export function formatGoFloat(f: number): string {
  if (Number.isNaN(f)) return ".nan";
  if (f === Infinity) return ".inf";
  if (f === -Infinity) return "-.inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  // toExponential() without an argument gives the shortest digits that round-trip, as Go's shortest mode does.
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(f.toExponential())!;
  const sign = m[1]!;
  const digits = m[2]! + (m[3] ?? "");
  const exp = Number(m[4]);
  // Go's shortest 'g' switches to %e when the exponent is < -4 or >= 6 (eprec is fixed at 6 in shortest mode).
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    return `${sign}${mant}e${exp < 0 ? "-" : "+"}${e < 10 ? "0" : ""}${e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${"0".repeat(exp + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

const RESOLVE_MAP = new Set([
  "true", "True", "TRUE", "false", "False", "FALSE", "", "~", "null", "Null", "NULL",
  ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<",
]); // prettier-ignore

const OLD_BOOLS = new Set(["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF"]); // prettier-ignore
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Go strconv.ParseInt/ParseUint with base 0 (underscores already removed by the caller). */
function parsesAsGoInt(s: string): boolean {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return false;
  let body = m[2]!;
  let value: bigint;
  if (/^0[oO]/.test(body)) value = BigInt(`0o${body.slice(2)}`);
  else if (/^0[0-7]+$/.test(body)) value = BigInt(`0o${body.slice(1)}`);
  else {
    if (/^0[xXbB]/.test(body)) body = `0${body[1]!.toLowerCase()}${body.slice(2)}`;
    value = BigInt(body);
  }
  if (m[1] === "-") value = -value;
  if (value >= INT64_MIN && value <= INT64_MAX) return true;
  return m[1] === "" && value <= UINT64_MAX; // ParseUint takes no sign
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** go-yaml's parseTimestamp: 4-digit year then one of its accepted layouts. */
function parsesAsTimestamp(s: string): boolean {
  const m =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|\s+)(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(
      s,
    );
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const days = [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (mo < 1 || mo > 12 || d < 1 || d > days[mo - 1]!) return false;
  if (m[4] === undefined) return true;
  // "T"/"t" layouts carry a zone; the space layout has none.
  const sep = s.charAt(m[1]!.length + m[2]!.length + m[3]!.length + 2);
  if ((sep === "T" || sep === "t") !== (m[7] !== undefined)) return false;
  if (sep !== "T" && sep !== "t" && !/^\d{4}-\d{1,2}-\d{1,2} \d/.test(s)) return false;
  return Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 60;
}

/** Would a plain scalar with this text resolve to something other than a string (go-yaml resolve + extras)? */
export function resolvesToNonString(s: string): boolean {
  if (RESOLVE_MAP.has(s) || OLD_BOOLS.has(s)) return true;
  const c = s.charAt(0);
  if (c === ".") return /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/.test(s);
  if (c === "+" || c === "-" || (c >= "0" && c <= "9")) {
    if (BASE60_FLOAT.test(s)) return true;
    if (parsesAsTimestamp(s)) return true;
    const plain = s.replaceAll("_", "");
    if (parsesAsGoInt(plain)) return true;
    if (YAML_STYLE_FLOAT.test(plain) && Number.isFinite(Number(plain))) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Scalar analysis (which styles the emitter allows for a text), per code point.

const isBreak = (c: number) => c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029;
const isPrintable = (c: number) =>
  c === 0x0a ||
  (c >= 0x20 && c <= 0x7e) ||
  (c >= 0xa0 && c <= 0xd7ff) ||
  (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff); // go-yaml treats 4-byte UTF-8 as non-printable

interface Analysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

function analyze(text: string): Analysis {
  const cps = [...text].map((ch) => ch.codePointAt(0)!);
  if (cps.length === 0) {
    return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  }
  let blockIndicators = text.startsWith("---") || text.startsWith("...");
  let lineBreaks = false;
  let special = false;
  let tabs = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWhitespace = true;
  let previousSpace = false;
  let previousBreak = false;
  const blankAt = (i: number) => i >= cps.length || cps[i] === 0x20 || cps[i] === 0x09 || isBreak(cps[i]!);
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    const followedByWhitespace = i + 1 >= cps.length || cps[i + 1] === 0x20 || cps[i + 1] === 0x09;
    const ch = String.fromCodePoint(c);
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) blockIndicators = true;
      else if ((ch === "?" || ch === ":" || ch === "-") && followedByWhitespace) blockIndicators = true;
    } else if ((ch === ":" && followedByWhitespace) || (ch === "#" && precededByWhitespace)) {
      blockIndicators = true;
    }
    if (c === 0x09) tabs = true;
    else if (!isPrintable(c)) special = true;
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (i === cps.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === cps.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = blankAt(i) || c === 0;
  }
  const a: Analysis = {
    multiline: lineBreaks,
    blockPlainAllowed: true,
    singleQuotedAllowed: true,
    blockAllowed: true,
  };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) a.blockPlainAllowed = false;
  if (trailingSpace) a.blockAllowed = false;
  if (breakSpace || spaceBreak || tabs || special) {
    a.blockPlainAllowed = false;
    a.singleQuotedAllowed = false;
  }
  if (spaceBreak || special) a.blockAllowed = false;
  if (lineBreaks || blockIndicators) a.blockPlainAllowed = false;
  return a;
}

// ---------------------------------------------------------------------------------------------------------------
// Map key order (go-yaml sorter.go keyList.Less for string keys).

const isDigit = (ch: string) => /\p{Nd}/u.test(ch);
const isLetter = (ch: string) => /\p{L}/u.test(ch);

/** go-yaml's ordering of string map keys: digit runs compare numerically, letters sort before non-letters. */
export function goKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) {
      digits = isDigit(ar[i]!);
      continue;
    }
    const al = isLetter(ar[i]!);
    const bl = isLetter(br[i]!);
    if (al && bl) return ar[i]!.codePointAt(0)! < br[i]!.codePointAt(0)!;
    if (al || bl) return digits ? al : bl;
    let an = 0n;
    let bn = 0n;
    if (ar[i] === "0" || br[i] === "0") {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]!); j--) {
        if (ar[j] !== "0") {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]!); ai++) an = an * 10n + BigInt(ar[ai]!.charCodeAt(0) - 48);
    for (; bi < br.length && isDigit(br[bi]!); bi++) bn = bn * 10n + BigInt(br[bi]!.charCodeAt(0) - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i]!.codePointAt(0)! < br[i]!.codePointAt(0)!;
  }
  return ar.length < br.length;
}

export function sortGoMapKeys(keys: readonly string[]): string[] {
  return [...keys].sort((x, y) => (goKeyLess(x, y) ? -1 : goKeyLess(y, x) ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------------------------
// The emitter: tracks the same column/whitespace/indention state as go-yaml's so spacing decisions agree.

const BEST_INDENT = 4;
type Parent = "root" | "seq" | "map";
type Style = "plain" | "single" | "double" | "literal";

class Emitter {
  out = "";
  column = 0;
  whitespace = true;
  indention = true;
  openEnded = false;
  indent = -1;

  private put(s: string): void {
    this.out += s;
    this.column += [...s].length;
  }

  private putBreak(): void {
    this.out += "\n";
    this.column = 0;
    this.indention = true;
  }

  private writeBreakChar(ch: string): void {
    if (ch === "\n") this.putBreak();
    else {
      this.out += ch;
      this.column = 0;
      this.indention = true;
    }
  }

  writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace))
      this.putBreak();
    if (this.column < indent) this.put(" ".repeat(indent - this.column));
    this.whitespace = true;
  }

  writeIndicator(ind: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(" ");
    this.put(ind);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
    this.openEnded = false;
  }

  /** Runs `body` with the indentation go-yaml's increase_indent computes for a node under `parent`. */
  private indented(parent: Parent, flow: boolean, body: () => void): void {
    const saved = this.indent;
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (parent === "seq") this.indent += 2;
    else this.indent = BEST_INDENT * Math.floor((this.indent + BEST_INDENT) / BEST_INDENT);
    body();
    this.indent = saved;
  }

  value(v: GoValue, parent: Parent): void {
    if (Array.isArray(v)) return this.sequence(v as readonly GoValue[], parent);
    if (typeof v === "object" && v !== null) {
      if (FLOAT in v) return this.scalar(formatGoFloat(v[FLOAT]), "plain", parent, false);
      if (RAW in v) return this.scalar(v[RAW], "plain", parent, false);
      return this.mapping(v as { readonly [key: string]: GoValue }, parent);
    }
    if (v === null || v === undefined) return this.scalar("null", "plain", parent, false);
    if (typeof v === "boolean") return this.scalar(v ? "true" : "false", "plain", parent, false);
    if (typeof v === "bigint") return this.scalar(v.toString(), "plain", parent, false);
    if (typeof v === "number") {
      const text = Number.isSafeInteger(v) ? String(v) : formatGoFloat(v);
      return this.scalar(Object.is(v, -0) ? "0" : text, "plain", parent, false);
    }
    this.string(v, parent, false);
  }

  private string(s: string, parent: Parent, simpleKey: boolean): void {
    let style: Style;
    if (s.includes("\n")) style = "literal";
    else if (resolvesToNonString(s)) style = "double";
    else style = "plain";
    this.scalar(s, style, parent, simpleKey);
  }

  private scalar(text: string, requested: Style, parent: Parent, simpleKey: boolean): void {
    const a = analyze(text);
    let style = requested;
    if (simpleKey && a.multiline) style = "double";
    if (style === "plain" && (!a.blockPlainAllowed || (text === "" && simpleKey))) style = "single";
    if (style === "single" && !a.singleQuotedAllowed) style = "double";
    if (style === "literal" && (!a.blockAllowed || simpleKey)) style = "double";
    this.indented(parent, true, () => {
      if (style === "plain") this.writePlain(text, parent === "root");
      else if (style === "single") this.writeSingle(text);
      else if (style === "double") this.writeDouble(text);
      else this.writeLiteral(text);
    });
  }

  private writePlain(text: string, root: boolean): void {
    if (text.length > 0 && !this.whitespace) this.put(" ");
    this.put(text); // plain scalars never contain breaks here: those take the literal or quoted styles
    if (text.length > 0) this.whitespace = false;
    this.indention = false;
    if (root) this.openEnded = true;
  }

  private writeSingle(text: string): void {
    this.writeIndicator("'", true, false, false);
    let breaks = false;
    for (const ch of text) {
      const c = ch.codePointAt(0)!;
      if (isBreak(c)) {
        if (!breaks && ch === "\n") this.putBreak();
        this.writeBreakChar(ch);
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(ch === "'" ? "''" : ch);
        if (c !== 0x20) this.indention = false;
        breaks = false;
      }
    }
    this.writeIndicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeDouble(text: string): void {
    this.writeIndicator('"', true, false, false);
    let body = "";
    for (const ch of text) {
      const c = ch.codePointAt(0)!;
      if (!isPrintable(c) || c === 0xfeff || isBreak(c) || ch === '"' || ch === "\\") {
        body += `\\${doubleEscape(c)}`;
      } else body += ch;
    }
    this.put(body);
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeLiteral(text: string): void {
    this.writeIndicator("|", true, false, false);
    const cps = [...text];
    if (cps.length > 0 && (cps[0] === " " || isBreak(cps[0]!.codePointAt(0)!))) {
      this.writeIndicator(String(BEST_INDENT), false, false, false);
    }
    this.openEnded = false;
    const last = cps.length - 1;
    let chomp = "";
    if (cps.length === 0 || !isBreak(cps[last]!.codePointAt(0)!)) chomp = "-";
    else if (last === 0 || isBreak(cps[last - 1]!.codePointAt(0)!)) chomp = "+";
    if (chomp) this.writeIndicator(chomp, false, false, false);
    if (chomp === "+") this.openEnded = true;
    this.whitespace = true;
    let breaks = true;
    for (const ch of cps) {
      if (isBreak(ch.codePointAt(0)!)) {
        this.writeBreakChar(ch);
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(ch);
        this.indention = false;
        breaks = false;
      }
    }
  }

  private sequence(items: readonly GoValue[], parent: Parent): void {
    if (items.length === 0) return this.emptyFlow("[", "]", parent);
    this.indented(parent, false, () => {
      for (const item of items) {
        this.writeIndent();
        this.writeIndicator("-", true, false, true);
        this.value(item, "seq");
      }
    });
  }

  private mapping(obj: { readonly [key: string]: GoValue }, parent: Parent): void {
    const keys = isGoStruct(obj) ? Object.keys(obj) : sortGoMapKeys(Object.keys(obj));
    if (keys.length === 0) return this.emptyFlow("{", "}", parent);
    this.indented(parent, false, () => {
      for (const key of keys) {
        this.writeIndent();
        if (analyze(key).multiline || [...key].length > 128) {
          // go-yaml would need an explicit "? key" here, which this encoder does not write (no Talos config
          // field has such a key). Such a key comes from a patch, so it is the user's to fix, not a crash.
          throw new UserError(
            `cannot write the config key ${JSON.stringify(key.slice(0, 40))}${key.length > 40 ? "…" : ""}: ` +
              "a key with a line break or more than 128 characters is not a Talos config key",
            { hint: "check the patches for a mangled key (a stray newline or control character)" },
          );
        }
        this.string(key, "map", true);
        this.writeIndicator(":", false, false, false);
        this.value(obj[key], "map");
      }
    });
  }

  private emptyFlow(open: string, close: string, parent: Parent): void {
    this.writeIndicator(open, true, true, false);
    this.indented(parent, true, () => undefined);
    this.writeIndicator(close, false, false, false);
  }

  finish(): string {
    // document end: break the last line; stream end: "..." when the last scalar left the document open-ended
    this.indent = -1;
    this.writeIndent();
    if (this.openEnded) {
      this.writeIndicator("...", true, false, false);
      this.writeIndent();
    }
    return this.out;
  }
}

function doubleEscape(c: number): string {
  const named: Record<number, string> = {
    0x00: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0a: "n", 0x0b: "v", 0x0c: "f", 0x0d: "r", 0x1b: "e",
    0x22: '"', 0x5c: "\\", 0x85: "N", 0xa0: "_", 0x2028: "L", 0x2029: "P",
  }; // prettier-ignore
  const n = named[c];
  if (n !== undefined) return n;
  const hex = c.toString(16).toUpperCase();
  if (c <= 0xff) return `x${hex.padStart(2, "0")}`;
  if (c <= 0xffff) return `u${hex.padStart(4, "0")}`;
  return `U${hex.padStart(8, "0")}`;
}

/** yaml.Marshal(value) of go-yaml v3 (one document, no leading `---`, trailing newline). */
export function marshalGoYaml(value: GoValue): string {
  const e = new Emitter();
  e.value(value, "root");
  return e.finish();
}
