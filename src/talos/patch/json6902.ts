// RFC 6902 JSON Patch with RFC 6901 pointers, as Talos applies it (github.com/evanphx/json-patch): operations run in
// order on a copy, the first failure aborts, and array indices may be negative (counted from the end) as that
// library allows by default.
import { UserError } from "../../errors.js";
import { clone, isObject, type ConfigDocument, type ConfigValue } from "./document.js";

export interface JsonPatchOperation {
  op: string;
  path?: ConfigValue;
  from?: ConfigValue;
  value?: ConfigValue;
  [key: string]: ConfigValue | undefined;
}

export interface JsonPatch {
  type: "json6902";
  operations: JsonPatchOperation[];
}

export class JsonPatchError extends Error {}

/** Parses an RFC 6901 pointer into its unescaped tokens. */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new JsonPatchError(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  const tokens = pointer
    .slice(1)
    .split("/")
    .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
  // No Talos config has such a field, and on a JavaScript object the name would reach the prototype.
  if (tokens.includes("__proto__"))
    throw new JsonPatchError(
      `JSON pointer ${JSON.stringify(pointer)} names __proto__, which no config holds`,
    );
  return tokens;
}

function arrayIndex(token: string, length: number, forAdd: boolean, pointer: string): number {
  if (forAdd && token === "-") return length;
  if (!/^-?(0|[1-9][0-9]*)$/.test(token))
    throw new JsonPatchError(`invalid array index ${JSON.stringify(token)} in ${JSON.stringify(pointer)}`);
  let i = Number(token);
  const size = forAdd ? length + 1 : length;
  if (i < 0) {
    if (i < -size)
      throw new JsonPatchError(`array index ${token} out of bounds in ${JSON.stringify(pointer)}`);
    i += size;
  }
  if (i >= size) throw new JsonPatchError(`array index ${token} out of bounds in ${JSON.stringify(pointer)}`);
  return i;
}

type Container = ConfigValue[] | { [key: string]: ConfigValue };

/** Resolves everything but the last token; the parent must exist and be a container. */
function parentOf(doc: ConfigValue, tokens: string[], pointer: string): Container {
  let node: ConfigValue = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[arrayIndex(token, node.length, false, pointer)] as ConfigValue;
    else if (isObject(node) && Object.hasOwn(node, token)) node = node[token] as ConfigValue;
    else throw new JsonPatchError(`doc is missing path: ${JSON.stringify(pointer)}`);
  }
  if (!Array.isArray(node) && !isObject(node))
    throw new JsonPatchError(`doc is missing path: ${JSON.stringify(pointer)}`);
  return node;
}

function get(doc: ConfigValue, pointer: string): ConfigValue {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) return parent[arrayIndex(last, parent.length, false, pointer)] as ConfigValue;
  if (!Object.hasOwn(parent, last))
    throw new JsonPatchError(`doc is missing key: ${JSON.stringify(pointer)}`);
  return parent[last] as ConfigValue;
}

function add(doc: ConfigValue, pointer: string, value: ConfigValue): ConfigValue {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true, pointer), 0, value);
  else parent[last] = value;
  return doc;
}

function replace(doc: ConfigValue, pointer: string, value: ConfigValue): ConfigValue {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) parent[arrayIndex(last, parent.length, false, pointer)] = value;
  else {
    if (!Object.hasOwn(parent, last))
      throw new JsonPatchError(`doc is missing key: ${JSON.stringify(pointer)}`);
    parent[last] = value; // in place, so the key keeps its position
  }
  return doc;
}

function remove(doc: ConfigValue, pointer: string): ConfigValue {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new JsonPatchError("cannot remove the whole document");
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, false, pointer), 1);
  else {
    if (!Object.hasOwn(parent, last))
      throw new JsonPatchError(`doc is missing key: ${JSON.stringify(pointer)}`);
    delete parent[last];
  }
  return doc;
}

export function deepEqual(a: ConfigValue | undefined, b: ConfigValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

function pointerOf(op: JsonPatchOperation, field: "path" | "from"): string {
  const p = op[field];
  if (typeof p !== "string") throw new JsonPatchError(`${op.op} operation needs a string "${field}"`);
  return p;
}

function valueOf(op: JsonPatchOperation): ConfigValue {
  if (!Object.hasOwn(op, "value") || op.value === undefined)
    throw new JsonPatchError(`${op.op} operation needs a "value"`);
  return clone(op.value);
}

function applyOperation(doc: ConfigValue, op: JsonPatchOperation): ConfigValue {
  switch (op.op) {
    case "add":
      return add(doc, pointerOf(op, "path"), valueOf(op));
    case "remove":
      return remove(doc, pointerOf(op, "path"));
    case "replace": {
      const path = pointerOf(op, "path");
      const value = valueOf(op);
      return replace(doc, path, value);
    }
    case "move": {
      const from = pointerOf(op, "from");
      const path = pointerOf(op, "path");
      if (path !== from && path.startsWith(`${from}/`))
        throw new JsonPatchError(
          `cannot move ${JSON.stringify(from)} into its own child ${JSON.stringify(path)}`,
        );
      const value = get(doc, from);
      return add(remove(doc, from), path, value);
    }
    case "copy":
      return add(doc, pointerOf(op, "path"), clone(get(doc, pointerOf(op, "from"))));
    case "test": {
      const path = pointerOf(op, "path");
      if (!deepEqual(get(doc, path), valueOf(op)))
        throw new JsonPatchError(`testing value ${JSON.stringify(path)} failed`);
      return doc;
    }
    default:
      throw new JsonPatchError(`Unexpected kind: ${String(op.op)}`);
  }
}

/** Applies a JSON patch to any JSON value; throws JsonPatchError on the first failing operation. */
export function applyJsonPatchToValue(
  value: ConfigValue,
  operations: readonly JsonPatchOperation[],
): ConfigValue {
  let doc = clone(value);
  for (const op of operations) doc = applyOperation(doc, op);
  return doc;
}

/** Talos' error when a JSON patch meets a multi-document config (configpatcher/json6902.go). */
export const JSON6902_MULTI_DOCUMENT_ERROR =
  "JSON6902 patches are not supported for multi-document machine configuration";

/** Applies a JSON patch to a machine config, which must be a single document, as Talos requires. */
export function applyJsonPatch(docs: readonly ConfigDocument[], patch: JsonPatch): ConfigDocument[] {
  if (docs.length !== 1)
    throw new UserError(JSON6902_MULTI_DOCUMENT_ERROR, {
      hint: "use a strategic merge patch on a multi-document config",
    });
  let out: ConfigValue;
  try {
    out = applyJsonPatchToValue(docs[0] as ConfigDocument, patch.operations);
  } catch (e) {
    if (!(e instanceof JsonPatchError)) throw e;
    throw new UserError(`failure applying rfc6902 patches to talos machine config: ${e.message}`);
  }
  if (!isObject(out))
    throw new UserError(
      "failure applying rfc6902 patches to talos machine config: the result is not a mapping",
    );
  return [out];
}
