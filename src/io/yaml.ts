// The one reader for YAML: every YAML input cairn takes (cairn.yaml, patches, machine configs, secrets.yaml,
// talosconfig, kubeconfig, schematics, resources read from nodes) is parsed here, within limits, so a hostile or
// broken file is a clean UserError naming it instead of gigabytes of memory, a stack overflow or exit 70:
// * size: at most 16 MiB of text;
// * depth: collections nest at most 64 deep (checked on the token tree before the recursive composer runs, and
//   again through aliases);
// * aliases: at most 1,000 alias uses, adding at most as many nodes as the document has (a "billion laughs" bomb
//   is refused from its structure, before anything expands it), and none that contains itself (a cycle);
// * keys: `__proto__` is refused as a key anywhere, because JavaScript objects cannot hold it as data.
// Syntax errors carry no excerpt of the source (the file may hold keys), and duplicate keys are found in linear
// time (the yaml package's own check is quadratic in the keys of a mapping).
import {
  Composer,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  Parser,
  YAMLParseError,
  type CST,
  type Document,
  type Node as YamlNode,
} from "yaml";
import { UserError } from "../errors.js";

export interface YamlLimits {
  /** Largest text accepted, in UTF-16 code units (≈ bytes for YAML). */
  maxBytes: number;
  /** Deepest nesting of mappings and sequences. */
  maxDepth: number;
  /** Most alias uses (`*name`) in one document. */
  maxAliases: number;
}

export const YAML_LIMITS: Readonly<YamlLimits> = {
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 64,
  maxAliases: 1000,
};

/** Where a problem is, for messages: 1-based line and column. */
export interface YamlPosition {
  line: number;
  column: number;
}

/** A YAML input breaks one of the limits (or holds a `__proto__` key); names the file, where, and what to do. */
export class YamlInputError extends UserError {
  constructor(
    readonly source: string,
    readonly reason: string,
    readonly position: YamlPosition | undefined,
    readonly path: readonly (string | number)[],
    hint: string,
  ) {
    super(`${source}${position ? `:${position.line}:${position.column}` : ""}: ${reason}`, { hint });
    this.name = "YamlInputError";
  }
}

export interface ReadYamlOptions {
  /** Collects line starts, for callers that locate nodes themselves (the spec loader). */
  lineCounter?: LineCounter;
  limits?: Partial<YamlLimits>;
}

type ParsedDocument = Document.Parsed;

const PROTO_REASON = '"__proto__" cannot be used as a key or a name';
const PROTO_HINT = "rename it: cairn reads YAML into JavaScript objects, where __proto__ is reserved";

function positionOf(lines: LineCounter, offset: number): YamlPosition {
  const p = lines.linePos(offset);
  return { line: p.line, column: p.col };
}

function mib(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(n < 1024 * 1024 ? 2 : 1)} MiB`;
}

/** The deepest collection nesting of a CST token tree, walked without recursion; stops early past `limit`. */
function cstDepth(tokens: readonly CST.Token[], limit: number): { depth: number; offset: number } {
  const stack: [CST.Token, number][] = tokens.map((t) => [t, 0]);
  let deepest = { depth: 0, offset: 0 };
  while (stack.length) {
    const [token, depth] = stack.pop()!;
    switch (token.type) {
      case "document":
        if (token.value) stack.push([token.value, depth]);
        break;
      case "block-map":
      case "block-seq":
      case "flow-collection": {
        const d = depth + 1;
        if (d > deepest.depth) deepest = { depth: d, offset: token.offset };
        if (d > limit) return deepest;
        for (const item of token.items as CST.CollectionItem[]) {
          if (item.key) stack.push([item.key, d]);
          if (item.value) stack.push([item.value, d]);
        }
        break;
      }
      default:
        break;
    }
  }
  return deepest;
}

interface Scan {
  /** Duplicate scalar keys of every mapping, as the yaml package reports them (it finds them in quadratic time). */
  duplicates: YAMLParseError[];
  aliases: number;
  /** The first scalar `__proto__` key, if any. */
  proto: YamlNode | undefined;
}

/** One cheap pass over a composed document: duplicate keys (a Set per mapping), alias uses, `__proto__` keys. */
function scanDocument(doc: ParsedDocument): Scan {
  const scan: Scan = { duplicates: [], aliases: 0, proto: undefined };
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key)) {
          if (seen.has(key.value) && key.range)
            scan.duplicates.push(
              new YAMLParseError([key.range[0], key.range[1]], "DUPLICATE_KEY", "Map keys must be unique"),
            );
          seen.add(key.value);
          if (scan.proto === undefined && String(key.value) === "__proto__") scan.proto = key;
        } else stack.push(key);
        stack.push(pair.value);
      }
    } else if (isSeq(node)) stack.push(...node.items);
    else if (isAlias(node)) scan.aliases++;
  }
  scan.duplicates.sort((a, b) => a.pos[0] - b.pos[0]);
  return scan;
}

/** The path from the document root to the mapping key `key` (only for an error message, so not fast). */
function pathToKey(doc: ParsedDocument, key: YamlNode): (string | number)[] {
  const stack: [unknown, (string | number)[]][] = [[doc.contents, []]];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (isMap(node))
      for (const pair of node.items) {
        const step = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (pair.key === key) return [...path, step ?? "?"];
        stack.push([pair.value, step === undefined ? path : [...path, step]]);
      }
    else if (isSeq(node)) node.items.forEach((item, i) => stack.push([item, [...path, i]]));
  }
  return [];
}

interface Shape {
  /** Nodes of the tree with every alias expanded. */
  size: number;
  depth: number;
}

/**
 * Checks a composed document's structure: alias uses, expanded depth and size, cycles, `__proto__` keys. One
 * memoised post-order walk over the nodes (an alias counts as its target's expanded shape), without recursion.
 */
function checkStructure(doc: ParsedDocument, source: string, lines: LineCounter, limits: YamlLimits): void {
  const fail: (
    node: YamlNode | undefined,
    path: readonly (string | number)[],
    reason: string,
    hint: string,
  ) => never = (node, path, reason, hint) => {
    const offset = node?.range?.[0];
    throw new YamlInputError(
      source,
      reason,
      offset === undefined ? undefined : positionOf(lines, offset),
      path,
      hint,
    );
  };
  const root = doc.contents as YamlNode | null;
  if (!root) return;
  // Anchors resolve to the last node with that name before the alias, in document order.
  const anchors = new Map<string, YamlNode>();
  const targetOf = new Map<YamlNode, YamlNode>();
  let aliases = 0;
  let direct = 0;
  {
    const stack: YamlNode[] = [root];
    const order: YamlNode[] = [];
    while (stack.length) {
      const node = stack.pop()!;
      order.push(node);
      const kids = childrenOf(node).map((c) => c.node);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
    for (const node of order) {
      direct++;
      if (isAlias(node)) {
        if (++aliases > limits.maxAliases)
          fail(
            node,
            [],
            `more than ${limits.maxAliases} aliases`,
            "write the values out, or use fewer anchors and aliases",
          );
        const target = anchors.get(node.source);
        if (!target)
          fail(
            node,
            [],
            `alias *${node.source} refers to no anchor defined before it`,
            `define &${node.source} before its first use, or write the value out`,
          );
        targetOf.set(node, target);
      }
      const anchor = (node as { anchor?: string }).anchor;
      if (anchor) anchors.set(anchor, node);
    }
  }

  const shapes = new Map<YamlNode, Shape>();
  const onPath = new Set<YamlNode>();
  // `site`: inside an alias's expansion, the (outermost) alias it came through; problems are reported there.
  type Frame = { node: YamlNode; path: (string | number)[]; expanded: boolean; site?: YamlNode };
  const stack: Frame[] = [{ node: root, path: [], expanded: false }];
  const budget = direct + Math.max(direct, 10_000);
  while (stack.length) {
    const frame = stack[stack.length - 1]!;
    const { node, path, site } = frame;
    const where = site ?? node;
    const target = isAlias(node) ? targetOf.get(node) : undefined;
    if (!frame.expanded) {
      frame.expanded = true;
      if (shapes.has(node)) {
        stack.pop();
        continue;
      }
      onPath.add(node);
      if (target) {
        if (onPath.has(target))
          fail(
            node,
            path,
            `alias *${(node as { source: string }).source} refers to a node that contains it (a cycle)`,
            "an alias may only repeat a value defined elsewhere, not one of its own parents",
          );
        if (!shapes.has(target)) stack.push({ node: target, path, expanded: false, site: where });
        continue;
      }
      if (isMap(node))
        for (const pair of node.items) {
          const key = pair.key as YamlNode | null;
          const resolved = isAlias(key) ? targetOf.get(key) : key;
          if (isScalar(resolved) && String(resolved.value) === "__proto__")
            fail(site ?? key ?? undefined, site ? path : [...path, "__proto__"], PROTO_REASON, PROTO_HINT);
        }
      for (const child of childrenOf(node)) {
        if (!shapes.has(child.node))
          stack.push({
            node: child.node,
            path: child.key === undefined || site ? path : [...path, child.key],
            expanded: false,
            ...(site ? { site } : {}),
          });
      }
      continue;
    }
    stack.pop();
    onPath.delete(node);
    let shape: Shape;
    if (target) shape = shapes.get(target) ?? { size: 1, depth: 0 };
    else {
      const kids = childrenOf(node);
      const collection = isMap(node) || isSeq(node);
      let size = 1;
      let depth = 0;
      for (const k of kids) {
        const s = shapes.get(k.node);
        if (!s) continue;
        size += s.size;
        if (s.depth > depth) depth = s.depth;
      }
      shape = { size, depth: depth + (collection ? 1 : 0) };
    }
    if (shape.depth > limits.maxDepth)
      fail(
        where,
        path,
        `nests deeper than ${limits.maxDepth} levels`,
        "flatten the structure; no cairn or Talos file needs that depth",
      );
    if (shape.size > budget)
      fail(
        where,
        path,
        `its aliases would expand it past ${budget.toLocaleString("en")} nodes (${direct.toLocaleString("en")} are written)`,
        "write the values out instead of repeating large anchors, or repeat them less",
      );
    shapes.set(node, shape);
  }
}

interface Child {
  node: YamlNode;
  /** The path step to it: the mapping key (when a scalar) or the sequence index. */
  key?: string | number;
}

/** The child nodes of a node (non-scalar mapping keys, mapping values, sequence items) with their path step. */
function childrenOf(node: YamlNode): Child[] {
  const out: Child[] = [];
  if (isMap(node)) {
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      if (keyNode && !isScalar(keyNode)) out.push({ node: keyNode });
      if (pair.value)
        out.push(
          isScalar(keyNode)
            ? { node: pair.value as YamlNode, key: String(keyNode.value) }
            : { node: pair.value as YamlNode },
        );
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      if (item) out.push({ node: item as YamlNode, key: i });
    });
  }
  return out;
}

/**
 * Parses a YAML stream into documents within the limits. Syntax errors stay in each document's `errors` (as the
 * yaml package reports them, without source excerpts; duplicate keys as DUPLICATE_KEY); a breached limit throws
 * YamlInputError naming `source`. Documents with syntax errors (other than duplicate keys) are not structure-
 * checked: their callers report the syntax error and stop.
 */
export function parseYamlDocuments(
  text: string,
  source: string,
  options: ReadYamlOptions = {},
): ParsedDocument[] {
  const limits = { ...YAML_LIMITS, ...options.limits };
  if (text.length > limits.maxBytes)
    throw new YamlInputError(
      source,
      `is ${mib(text.length)}, more than the ${mib(limits.maxBytes)} cairn reads from a YAML file`,
      undefined,
      [],
      "split it, or check that this is the file you meant",
    );
  const lines = options.lineCounter ?? new LineCounter();
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  const deepest = cstDepth(tokens, limits.maxDepth);
  if (deepest.depth > limits.maxDepth)
    throw new YamlInputError(
      source,
      `nests deeper than ${limits.maxDepth} levels`,
      positionOf(lines, deepest.offset),
      [],
      "flatten the structure; no cairn or Talos file needs that depth",
    );
  const composer = new Composer({ uniqueKeys: false, prettyErrors: false });
  const docs = Array.from(composer.compose(tokens, true, text.length)) as ParsedDocument[];
  for (const doc of docs) {
    const syntax = doc.errors.length > 0;
    const scan = scanDocument(doc);
    doc.errors.push(...scan.duplicates);
    // A document with a duplicate key is still whole (JSON readers accept it), so it is held to the limits too.
    if (syntax) continue;
    // Without aliases the token tree's depth is the document's, and nothing expands: only __proto__ is left.
    if (scan.aliases > 0) checkStructure(doc, source, lines, limits);
    else if (scan.proto)
      throw new YamlInputError(
        source,
        PROTO_REASON,
        scan.proto.range ? positionOf(lines, scan.proto.range[0]) : undefined,
        pathToKey(doc, scan.proto),
        PROTO_HINT,
      );
  }
  return docs;
}

/**
 * A document from parseYamlDocuments, without syntax errors, as plain JavaScript. Its structure (alias uses and
 * their expansion) was checked there, so the yaml package's own alias heuristic is not applied on top.
 */
export function yamlDocumentToJS(doc: ParsedDocument): unknown {
  return doc.toJS({ maxAliasCount: -1 });
}

function syntaxError(source: string, lines: LineCounter, e: YAMLParseError): UserError {
  const { line, column } = positionOf(lines, e.pos[0]);
  return new UserError(`${source}:${line}:${column}: not valid YAML: ${e.message}`, {
    hint: "fix the YAML syntax at that position",
  });
}

/**
 * Every document of a YAML stream as plain JavaScript (empty documents are null). A syntax error or a breached
 * limit is a UserError naming `source`.
 */
export function parseYamlStream(text: string, source: string, options: ReadYamlOptions = {}): unknown[] {
  const lines = options.lineCounter ?? new LineCounter();
  const docs = parseYamlDocuments(text, source, { ...options, lineCounter: lines });
  for (const doc of docs) {
    const e = doc.errors[0];
    if (e) throw syntaxError(source, lines, e);
  }
  return docs.map((d) => yamlDocumentToJS(d));
}

/** One YAML document as plain JavaScript (an empty text is null); more than one document is an error. */
export function parseYaml(text: string, source: string, options: ReadYamlOptions = {}): unknown {
  const values = parseYamlStream(text, source, options);
  if (values.length > 1)
    throw new UserError(`${source}: holds ${values.length} YAML documents, expected one`, {
      hint: "remove the extra '---' documents",
    });
  return values[0] ?? null;
}
