// Who drains a node around a Talos operation, as plans and handlers decide it (pure): cairn drains exactly where
// Talos' own sequence does not (src/kube/talos-drain.ts, read per Talos version), so a node is never drained twice
// — with one deliberate exception, the removal of a node, explained below.
import { talosDrainBehaviour } from "../kube/talos-drain.js";
import { compareMinor, minorOf, parseVersion } from "../talos/versions.js";

/** The upgrade call cairn makes to a node running `version`: the lifecycle API from 1.13, the legacy one before. */
export function upgradeApiFor(version: string): "lifecycle" | "legacy" {
  const v = parseVersion(version);
  return !v || compareMinor(minorOf(v), "1.13") < 0 ? "legacy" : "lifecycle";
}

export interface DrainDecision {
  cairnDrains: boolean;
  why: string;
}

/** Default bound on one drain; a drain still blocked then is reported and stops the operation on that node. */
export const DRAIN_TIMEOUT_MS = 5 * 60_000;

/** Before a Talos upgrade: cairn drains exactly where Talos' own sequence does not. */
export function upgradeDrainDecision(talosVersion: string, api: "lifecycle" | "legacy"): DrainDecision {
  const b = talosDrainBehaviour(talosVersion, { kind: "upgrade", api });
  return {
    cairnDrains: b.cairnDrains,
    why: b.cairnDrains ? `${b.why}: cairn cordons and drains first` : `${b.why}: cairn does not drain`,
  };
}

/**
 * Before the graceful reset of a node leaving the cluster. Talos drains during that reset too, but only logs what
 * blocks and resets anyway; cairn drains first so a PodDisruptionBudget stops the removal with a report instead.
 * Talos' own drain then finds nothing left to evict: every pod is evicted once.
 */
export function removalDrainDecision(talosVersion: string): DrainDecision {
  const b = talosDrainBehaviour(talosVersion, { kind: "reset", graceful: true });
  return {
    cairnDrains: true,
    why: b.talosDrains
      ? `${b.why}: cairn drains first, so a PodDisruptionBudget stops the removal instead (Talos' drain then finds nothing left to evict)`
      : `${b.why}: cairn drains first`,
  };
}
