// What ApplyConfiguration does on each Talos version, so callers (cairn's apply, the twin) can do the right thing.
// Facts from internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go, Runtime.CanApplyImmediate and the
// ≤1.12 maintenance service (internal/app/maintenance) at v1.8.4 … v1.14.0-rc.1:
// - ≤1.13, normal mode: AUTO applies live when every v1alpha1 change is in the "immediate" list, else it reboots;
//   NO_REBOOT and TRY refuse a change outside the list; REBOOT persists and reboots.
// - 1.14, normal mode: everything applies live, AUTO reports NO_REBOOT, and REBOOT is refused (Unimplemented); a
//   change that needs a boot to take effect must be followed by an explicit Reboot call.
// - maintenance: ≤1.12 serves only AUTO/REBOOT/TRY (NO_REBOOT/STAGED are Unimplemented); 1.13+ serves it from
//   apid and maps REBOOT to NO_REBOOT. The node installs and boots its config in every case.
import { parseYamlDocuments, yamlDocumentToJS } from "../../io/yaml.js";

import { compareMinor, minorOf, parseVersion } from "../versions.js";

/** ApplyConfiguration modes by their talosctl names. */
export type ApplyModeName = "auto" | "no-reboot" | "reboot" | "staged" | "try";

export interface ApplySemantics {
  /** "1.13" */
  minor: string;
  /** Modes the maintenance service accepts. */
  maintenanceModes: readonly ApplyModeName[];
  /** REBOOT is accepted outside maintenance mode (false from 1.14). */
  rebootMode: boolean;
  /** AUTO may reboot the node by itself (true up to 1.13). */
  autoMayReboot: boolean;
  /** The v1alpha1 fields the node applies without a reboot (prefix match; other documents always apply live). */
  liveFields: readonly string[];
}

const LIVE_1_8 = [
  "debug",
  "cluster",
  "machine.ca",
  "machine.acceptedCAs",
  "machine.time",
  "machine.certSANs",
  "machine.install",
  "machine.network",
  "machine.sysfs",
  "machine.sysctls",
  "machine.logging",
  "machine.controlPlane",
  "machine.kubelet",
  "machine.kernel",
  "machine.registries",
  "machine.pods",
  "machine.seccompProfiles",
  "machine.nodeAnnotations",
  "machine.nodeLabels",
  "machine.nodeTaints",
  "machine.features.kubernetesTalosAPIAccess",
  "machine.features.kubePrism",
  "machine.features.hostDNS",
];
// 1.9 adds the image cache and the node address sort algorithm to the list.
const LIVE_1_9 = [...LIVE_1_8, "machine.features.imageCache", "machine.features.nodeAddressSortAlgorithm"];

/** The semantics of a Talos version ("v1.13.9" or "1.13"); undefined for a version that is not one. */
export function applySemantics(talosVersion: string): ApplySemantics | undefined {
  const v = parseVersion(talosVersion);
  if (!v) return undefined;
  const minor = minorOf(v);
  const atLeast = (m: string) => compareMinor(minor, m) >= 0;
  return {
    minor,
    maintenanceModes: atLeast("1.13")
      ? ["auto", "no-reboot", "reboot", "staged", "try"]
      : ["auto", "reboot", "try"],
    rebootMode: !atLeast("1.14"),
    autoMayReboot: !atLeast("1.14"),
    liveFields: atLeast("1.9") ? LIVE_1_9 : LIVE_1_8,
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function v1alpha1Of(text: string): Obj {
  for (const d of parseYamlDocuments(text, "the machine config")) {
    if (d.errors.length) continue;
    const v: unknown = yamlDocumentToJS(d);
    if (isObj(v) && v.kind === undefined && v.version !== undefined) return v;
  }
  return {};
}

/** Leaf paths where two values differ (a list is compared whole and reported at its own path). */
function differences(a: unknown, b: unknown, path: string, out: string[]): void {
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      differences(a[k], b[k], path ? `${path}.${k}` : k, out);
    return;
  }
  if (JSON.stringify(a ?? null) !== JSON.stringify(b ?? null)) out.push(path);
}

/**
 * The v1alpha1 fields whose change the node cannot apply live (Runtime.CanApplyImmediate): empty means AUTO will
 * not reboot on ≤1.13. Changes in other documents always apply live. Cairn uses the same list on 1.14, where the
 * node applies everything live, to decide when a change still wants an explicit reboot to take effect.
 */
export function rebootNeededFor(talosVersion: string, currentText: string, nextText: string): string[] {
  const live = applySemantics(talosVersion)?.liveFields ?? LIVE_1_9;
  const diffs: string[] = [];
  differences(v1alpha1Of(currentText), v1alpha1Of(nextText), "", diffs);
  return diffs.filter((p) => !live.some((l) => p === l || p.startsWith(`${l}.`)));
}

export interface ApplyStep {
  /** The mode to send. */
  mode: ApplyModeName;
  /** Call Reboot after the apply succeeded (1.14: REBOOT is never sent outside maintenance mode). */
  thenReboot: boolean;
}

/**
 * How to ask a node of this version for what the caller wants:
 * - `wanted` "auto" on ≤1.13 is sent as AUTO (the node decides); on 1.14 it is NO_REBOOT, plus an explicit reboot
 *   when `rebootNeeded` lists fields (rebootNeededFor) — the node would otherwise never boot them;
 * - "reboot" on 1.14 becomes NO_REBOOT then Reboot; in maintenance mode it is what the node accepts;
 * - in maintenance mode ≤1.12 only AUTO/REBOOT/TRY exist, so "no-reboot"/"staged" become AUTO (the node installs
 *   and boots either way).
 */
export function applyStep(
  talosVersion: string,
  request: { wanted: ApplyModeName; maintenance: boolean; rebootNeeded?: readonly string[] },
): ApplyStep {
  const s = applySemantics(talosVersion);
  const wanted = request.wanted;
  if (request.maintenance) {
    if (s && !s.maintenanceModes.includes(wanted)) return { mode: "auto", thenReboot: false };
    return { mode: wanted, thenReboot: false };
  }
  if (s && !s.rebootMode) {
    if (wanted === "reboot") return { mode: "no-reboot", thenReboot: true };
    if (wanted === "auto") return { mode: "no-reboot", thenReboot: (request.rebootNeeded?.length ?? 0) > 0 };
  }
  return { mode: wanted, thenReboot: false };
}
