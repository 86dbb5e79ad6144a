// The generic add-on pins nothing of its own: every chart carries the version its entry names.
import type { AddonSpecView, PinnedVersion } from "../types.js";
import { chartName } from "./render.js";

export function chartPins(spec: AddonSpecView): PinnedVersion[] {
  return (spec.addons.charts ?? []).map((c) => ({
    component: `${chartName(c) ?? c.name} chart (${c.name})`,
    version: c.version,
    source: c.repository,
  }));
}
