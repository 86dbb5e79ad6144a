// Redacted, line-per-field diffs of Talos machine configs, and the apply mode Talos will choose for a change.
// Configs carry the cluster's keys and tokens, so every value under a sensitive key (and anything that looks like
// PEM or a long base64 blob) is replaced by <redacted> before it can reach a terminal, a log or JSON output.
import { parseYamlDocuments, yamlDocumentToJS } from "../io/yaml.js";
import { isSecretFieldName, looksSecret } from "../redact.js";
import { applySemantics } from "../talos/api/apply-semantics.js";
import { DEFAULT_TALOS_VERSION } from "../talos/versions.js";

export const REDACTED = "<redacted>";

/**
 * Field names whose values a diff hides: secret ones (src/redact.ts), and certificates, which are not secret but
 * are opaque blobs that would only bury the change (case-insensitive).
 */
export function isSensitiveKey(key: string): boolean {
  const k = key.toLowerCase();
  if (k === "certsans" || k === "certsan" || k === "keyusage") return false;
  return isSecretFieldName(k) || k === "crt" || k.endsWith("crt") || k.endsWith("cert");
}

/** Flattens a value to `path: scalar` lines, redacting whole subtrees under sensitive keys. */
function flatten(value: unknown, path: string, out: Map<string, string>, redacted = false): void {
  if (redacted) {
    out.set(path, REDACTED);
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(path, "[]");
    value.forEach((v, i) => flatten(v, `${path}[${i}]`, out));
    return;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) out.set(path, "{}");
    for (const [k, v] of entries) flatten(v, path ? `${path}.${k}` : k, out, isSensitiveKey(k));
    return;
  }
  const text = value === null || value === undefined ? "null" : String(value);
  out.set(path, typeof value === "string" && looksSecret(value) ? REDACTED : (JSON.stringify(value) ?? text));
}

/** Each document of a multi-document config under a stable name: "v1alpha1", "HostnameConfig", "Layer2VIPConfig/10.0.0.5". */
function documents(text: string): Map<string, unknown> {
  const docs = new Map<string, unknown>();
  for (const d of parseYamlDocuments(text, "the machine config")) {
    if (d.errors.length) continue;
    const js = yamlDocumentToJS(d) as Record<string, unknown> | null;
    if (!js || typeof js !== "object") continue;
    const kind =
      typeof js.kind === "string" ? js.kind : typeof js.version === "string" ? js.version : "document";
    const name = typeof js.name === "string" ? `/${js.name}` : "";
    docs.set(`${kind}${name}`, js);
  }
  return docs;
}

export interface ConfigChange {
  /** Document name, e.g. "v1alpha1" or "HostnameConfig". */
  document: string;
  /** Dotted path inside the document ("machine.nodeLabels.zone"); "" for a whole document. */
  path: string;
  op: "add" | "remove" | "change";
  /** Redacted values. */
  before?: string;
  after?: string;
}

/** Field-level changes from `before` to `after` (both full config texts); values redacted. */
export function diffConfigs(before: string | undefined, after: string): ConfigChange[] {
  const a = documents(before ?? "");
  const b = documents(after);
  const changes: ConfigChange[] = [];
  const names = [...new Set([...a.keys(), ...b.keys()])];
  for (const doc of names) {
    const fa = new Map<string, string>();
    const fb = new Map<string, string>();
    if (a.has(doc)) flatten(a.get(doc), "", fa);
    if (b.has(doc)) flatten(b.get(doc), "", fb);
    for (const [p, v] of fb) {
      const old = fa.get(p);
      if (old === undefined) changes.push({ document: doc, path: p, op: "add", after: v });
      else if (old !== v || (old === REDACTED && !sameRaw(a.get(doc), b.get(doc), p)))
        changes.push({ document: doc, path: p, op: "change", before: old, after: v });
    }
    for (const [p, v] of fa)
      if (!fb.has(p)) changes.push({ document: doc, path: p, op: "remove", before: v });
  }
  return changes;
}

/** Compares the unredacted values at a flattened path, so a rotated key shows as changed (still redacted). */
function sameRaw(a: unknown, b: unknown, path: string): boolean {
  return JSON.stringify(at(a, path)) === JSON.stringify(at(b, path));
}

function at(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const part of path.split(/\.|(?=\[)/).filter(Boolean)) {
    if (cur === null || typeof cur !== "object") return undefined;
    const idx = /^\[(\d+)\]$/.exec(part);
    cur = idx ? (cur as unknown[])[Number(idx[1])] : (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Unified-diff-like lines for display: "~ v1alpha1 machine.nodeLabels.zone: "a" → "b"". */
export function formatChanges(changes: ConfigChange[], max = 40): string[] {
  const lines = changes.slice(0, max).map((c) => {
    const where = `${c.document}${c.path ? ` ${c.path}` : ""}`;
    if (c.op === "add") return `+ ${where}: ${c.after}`;
    if (c.op === "remove") return `- ${where}: ${c.before}`;
    return `~ ${where}: ${c.before} → ${c.after}${c.before === REDACTED ? " (changed)" : ""}`;
  });
  if (changes.length > max) lines.push(`… and ${changes.length - max} more changes`);
  return lines;
}

function isLive(c: ConfigChange, liveFields: readonly string[]): boolean {
  if (c.document !== "v1alpha1") return true;
  return liveFields.some((p) => c.path === p || c.path.startsWith(`${p}.`) || c.path.startsWith(`${p}[`));
}

/**
 * - "no-reboot": every change applies live;
 * - "reboot": AUTO reboots the node (≤ 1.13, a v1alpha1 field outside the release's live list changed);
 * - "no-reboot-then-reboot": 1.14 applies everything live (REBOOT is refused outside maintenance mode), and cairn
 *   reboots the node explicitly afterwards so the change takes effect.
 */
export type PredictedMode = "no-reboot" | "reboot" | "no-reboot-then-reboot" | "none";

/** How a predicted mode reads in a plan. */
export function describeMode(mode: PredictedMode | string): string {
  return mode === "no-reboot-then-reboot" ? "no-reboot, then reboot" : mode;
}

/**
 * What applying these changes will do on a node running `talosVersion` (the node decides in AUTO; cairn reports
 * what it chose). The live fields are the release's own (talos/api/apply-semantics.ts).
 */
export function predictApplyMode(
  changes: ConfigChange[],
  talosVersion: string,
): { mode: PredictedMode; rebootBecause: string[] } {
  if (changes.length === 0) return { mode: "none", rebootBecause: [] };
  const semantics = applySemantics(talosVersion) ?? applySemantics(DEFAULT_TALOS_VERSION)!;
  const blocking = changes
    .filter((c) => !isLive(c, semantics.liveFields))
    .map((c) => `${c.document} ${c.path}`);
  if (blocking.length === 0) return { mode: "no-reboot", rebootBecause: [] };
  return { mode: semantics.autoMayReboot ? "reboot" : "no-reboot-then-reboot", rebootBecause: blocking };
}
