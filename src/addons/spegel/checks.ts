// Spegel needs containerd 2's CRI image settings: Talos 1.9 and newer.
import { error, type Finding } from "../../findings.js";
import { compareTalos } from "../spec-facts.js";
import type { AddonSpecView } from "../types.js";

export function checkSpegel(spec: AddonSpecView): Finding[] {
  if (!spec.addons.spegel) return [];
  const v = spec.talos.version;
  if (compareTalos(v, "1.9") < 0)
    return [
      error(
        "addons.spegel-talos",
        ["addons", "spegel"],
        `cairn configures containerd for Spegel from Talos 1.9 (containerd 2 with a CRI config fragment), not on ${v}`,
        "use Talos 1.9 or newer, or remove spegel",
      ),
    ];
  return [];
}
