// Talos config patches: strategic merge (with `$patch: delete`) and RFC 6902 JSON patches, loaded as talosctl does.
export type { ConfigDocument, ConfigObject, ConfigValue } from "./document.js";
export { documentId, documentType } from "./document.js";
export type { DeleteSelector } from "./delete.js";
export type { PatchDocument, StrategicMergePatch } from "./strategic.js";
export { applyStrategicMerge, strategicMerge, strategicPatch } from "./strategic.js";
export type { JsonPatch, JsonPatchOperation } from "./json6902.js";
export { applyJsonPatch, applyJsonPatchToValue, JSON6902_MULTI_DOCUMENT_ERROR } from "./json6902.js";
export type { Patch, ReadFile } from "./load.js";
export { applyPatches, loadPatch, loadPatches, parsePatch } from "./load.js";
