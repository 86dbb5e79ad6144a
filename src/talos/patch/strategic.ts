// Strategic merge of a multi-document patch onto a multi-document config (Talos configpatcher/strategic.go at
// v1.14.0-rc.1): documents with the same apiVersion/kind(/name) merge, new ones are appended, `$patch: delete`
// removes keys, list elements or whole documents, and a delete aimed at a document the config lacks is skipped.
import { UserError } from "../../errors.js";
import { clone, documentId, documentIdOf, documentType, type ConfigDocument } from "./document.js";
import { applyDeleteSelector, extractDeletes, type DeleteSelector } from "./delete.js";
import { mergeDocument } from "./merge.js";

type PatchDocument =
  { type: "delete"; selector: DeleteSelector } | { type: "merge"; document: ConfigDocument };

export interface StrategicMergePatch {
  type: "strategic";
  documents: PatchDocument[];
}

/** Turns parsed patch documents into a strategic merge patch: each document's deletes come before its merge. */
export function strategicPatch(docs: ConfigDocument[]): StrategicMergePatch {
  const documents: PatchDocument[] = [];
  for (const doc of docs) {
    const split = extractDeletes(doc);
    for (const selector of split.selectors) documents.push({ type: "delete", selector });
    if (split.document) documents.push({ type: "merge", document: split.document });
  }
  return { type: "strategic", documents };
}

function selectorId(s: DeleteSelector): string {
  return documentIdOf(s.apiVersion, s.kind, s.name ?? "");
}

/** Applies a strategic merge patch to config documents; returns new documents, the input is untouched. */
export function strategicMerge(
  config: readonly ConfigDocument[],
  patch: StrategicMergePatch,
): ConfigDocument[] {
  const left = config.map((d) => clone(d));
  // Later documents win the index, as in Talos (a valid config has no duplicates anyway).
  const index = new Map<string, ConfigDocument>();
  for (const d of left) index.set(documentId(d), d);

  for (const p of patch.documents) {
    if (p.type === "merge") {
      const id = documentId(p.document);
      const target = index.get(id);
      if (!target) {
        const added = clone(p.document);
        left.push(added);
        index.set(id, added);
        continue;
      }
      const merged = mergeDocument(target, p.document, documentType(target).kind);
      left[left.indexOf(target)] = merged;
      index.set(id, merged);
      continue;
    }
    const id = selectorId(p.selector);
    const target = index.get(id);
    // Talos 1.14 skips a delete for a document the config does not have (1.13 carried it along as a document).
    if (!target) continue;
    if (p.selector.path.length === 0) {
      left.splice(left.indexOf(target), 1);
      index.delete(id);
      continue;
    }
    applyDeleteSelector(target, p.selector);
  }
  return left;
}

/**
 * Applies one strategic merge patch document (which may hold `$patch: delete` directives) to one config document,
 * whatever their identities; returns a new document.
 */
export function applyStrategicMerge(target: ConfigDocument, patch: ConfigDocument): ConfigDocument {
  const split = extractDeletes(patch);
  const kind = documentType(target).kind;
  let out = clone(target);
  for (const s of split.selectors) {
    if (s.path.length === 0)
      throw new UserError("the patch deletes the whole document", {
        hint: "applyStrategicMerge patches one document; use applyPatches to delete documents",
      });
    applyDeleteSelector(out, { ...s, kind, apiVersion: documentType(target).apiVersion });
  }
  if (split.document) out = mergeDocument(out, split.document, kind);
  return out;
}
