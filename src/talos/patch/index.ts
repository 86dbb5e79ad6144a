// Talos config patches: strategic merge (with `$patch: delete`) and RFC 6902 JSON patches, loaded as talosctl does.
export type { ConfigDocument, ConfigValue } from "./document.js";
export { applyStrategicMerge, strategicMerge, strategicPatch } from "./strategic.js";
export type { JsonPatchOperation } from "./json6902.js";
export { applyJsonPatchToValue } from "./json6902.js";
export type { Patch, ReadFile } from "./load.js";
export { applyPatches, loadPatch, loadPatches, parsePatch } from "./load.js";
