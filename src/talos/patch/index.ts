// Talos config patches: strategic merge (with `$patch: delete`) and RFC 6902 JSON patches, loaded as talosctl does.
export type { ConfigDocument, ConfigObject, ConfigValue } from "./document.js";
export { documentId, documentType } from "./document.js";
export type { DeleteSelector } from "./delete.js";
export type { PatchDocument, StrategicMergePatch } from "./strategic.js";
export { applyStrategicMerge, strategicMerge, strategicPatch } from "./strategic.js";
