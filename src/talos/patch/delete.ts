// `$patch: delete` in strategic merge patches (Talos configloader/internal/decoder delete.go and selector.go):
// each directive becomes a delete selector and is cut out of the patch; what remains is merged afterwards.
import { UserError } from "../../errors.js";
import { LEGACY_KIND, NAMED_KINDS, isObject, type ConfigDocument, type ConfigValue } from "./document.js";
import { isMapPath } from "./rules.js";

export interface DeleteSelector {
  /** Keys from the document root; a list element is "[i]". Empty: the whole document. */
  path: string[];
  apiVersion: string;
  kind: string;
  /** Set for named kinds only. */
  name: string | undefined;
  /** For a list element: the element's first key and its scalar value, which pick the element to delete. */
  key: string;
  value: string;
}

export interface SplitPatchDocument {
  selectors: DeleteSelector[];
  /** What is left to merge, or undefined when nothing is (Talos then skips the document). */
  document: ConfigDocument | undefined;
}

function deleteError(message: string): UserError {
  return new UserError(`error processing patch delete statements: ${message}`, {
    hint: "`$patch: delete` may delete a key, a whole list element (matched by its first key) or a whole document",
  });
}

function scalarText(v: ConfigValue | undefined): string {
  if (v === undefined || v === null || Array.isArray(v) || isObject(v)) return "";
  return String(v);
}

const isDirective = (key: string, value: ConfigValue | undefined): boolean =>
  key === "$patch" && value === "delete";

/** Splits one patch document into its delete selectors and the rest (which is a fresh copy). */
export function extractDeletes(doc: ConfigDocument): SplitPatchDocument {
  const root = structuredClone(doc);
  const selectors: DeleteSelector[] = [];

  const makeSelector = (path: string[], key: string, value: string): DeleteSelector => {
    const required = path.length === 0;
    const apiVersion = scalarText(root.apiVersion);
    if (required && !("apiVersion" in root))
      throw deleteError("missing apiVersion in document for which $patch: delete is used");
    let kind = scalarText(root.kind);
    if (required && !("kind" in root))
      throw deleteError("missing kind in document for which $patch: delete is used");
    if (kind === "" && apiVersion === "") kind = LEGACY_KIND;
    else if (kind === "" || apiVersion === "")
      throw deleteError(`kind and apiVersion must be both set for path ${path.join(".")}`);
    const name = scalarText(root.name);
    return { path: [...path], apiVersion, kind, name: name === "" ? undefined : name, key, value };
  };

  type Parent = "document" | "mapping" | "sequence";

  // Returns true when the node is to be cut from its parent (a directive, or emptied by cutting directives).
  const walk = (parent: Parent, node: ConfigValue, path: string[]): boolean => {
    if (isObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (isDirective(key, value)) {
          if (parent === "sequence") {
            const first = Object.entries(node).find(([k, v]) => !isDirective(k, v));
            if (!first) throw deleteError(`no key:val found in sequence node for path ${path.join(".")}`);
            selectors.push(makeSelector(path, first[0], scalarText(first[1])));
          } else {
            if (path.some((p) => p.startsWith("[")))
              throw deleteError(`cannot delete an inner key in '${path.join(".")}'`);
            selectors.push(makeSelector(path, "", ""));
          }
          return true;
        }
        if (key === "$patch")
          throw deleteError(`unsupported $patch directive ${JSON.stringify(value)} at '${path.join(".")}'`);
        if (value !== null && typeof value === "object" && walk("mapping", value, [...path, key])) {
          delete node[key];
          if (Object.keys(node).length === 0) return true;
        }
      }
    } else if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item = node[i] as ConfigValue;
        if (item !== null && typeof item === "object" && walk("sequence", item, [...path, `[${i}]`])) {
          node.splice(i, 1);
          i--;
          if (node.length === 0) return true;
        }
      }
    }
    return false;
  };

  const cut = walk("document", root, []);
  return { selectors, document: cut || isEmptyDocument(root) ? undefined : root };
}

// A patch document left with only version/kind/name says nothing to merge; Talos drops it.
function isEmptyDocument(doc: ConfigDocument): boolean {
  return Object.entries(doc).every(
    ([k, v]) => (k === "version" || k === "kind" || k === "name") && !Array.isArray(v) && !isObject(v),
  );
}

export function selectorToString(s: DeleteSelector): string {
  return s.path.join(".");
}

/**
 * Applies a selector with a non-empty path to a document, in place. Failure messages follow Talos'
 * ("patch delete: path 'machine.network.hostname' in document '/v1alpha1': failed to delete path …: lookup failed").
 */
export function applyDeleteSelector(doc: ConfigDocument, s: DeleteSelector): void {
  const where = s.path.join(".");
  const fail = (reason: string): UserError => {
    const inner = `failed to delete path '${where}': ${reason}`;
    const message =
      s.name !== undefined && NAMED_KINDS.has(s.kind)
        ? `named patch delete: document ${s.apiVersion}/${s.kind}: ${inner}`
        : `patch delete: path '${where}' in document '${s.apiVersion}/${s.kind}': ${inner}`;
    return new UserError(message, { hint: "the patch deletes something the config does not have" });
  };

  let node: ConfigValue | undefined = doc;
  const walked: string[] = [];
  for (let i = 0; i < s.path.length; i++) {
    const seg = s.path[i] as string;
    const last = i === s.path.length - 1;
    if (Array.isArray(node)) {
      if (!last) throw fail("searching for complex paths in slices is not supported");
      // Talos compares the field's string form; only string-valued fields ever match.
      const at = node.findIndex(
        (item) => isObject(item) && typeof item[s.key] === "string" && item[s.key] === s.value,
      );
      if (at < 0) throw fail("lookup failed");
      node.splice(at, 1);
      return;
    }
    if (!isObject(node)) throw fail("lookup failed");
    const parentPath = walked.join(".");
    walked.push(seg);
    if (!Object.hasOwn(node, seg)) {
      // An absent struct field is zeroed without complaint; an absent map key is a lookup failure.
      if (last && !isMapPath(s.kind, parentPath)) return;
      throw fail("lookup failed");
    }
    if (last) {
      delete node[seg];
      return;
    }
    node = node[seg];
    if (node === null || node === undefined) throw fail("lookup failed");
  }
}
