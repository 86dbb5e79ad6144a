// Two providers of one name would be one object overwritten by the other.
import { error, type Finding } from "../../findings.js";
import type { AddonSpecView } from "../types.js";

export function checkCrossplane(spec: AddonSpecView): Finding[] {
  const seen = new Map<string, number>();
  const out: Finding[] = [];
  (spec.addons.crossplane?.providers ?? []).forEach((p, i) => {
    const prev = seen.get(p.name);
    if (prev !== undefined)
      out.push(
        error(
          "addons.crossplane-provider-duplicate",
          ["addons", "crossplane", "providers", i, "name"],
          `provider name "${p.name}" is already used by providers[${prev}]`,
          "give every provider a unique name",
        ),
      );
    else seen.set(p.name, i);
  });
  return out;
}
