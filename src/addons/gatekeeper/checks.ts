// Label keys are checked like the API server checks them: a constraint requiring an impossible key refuses every
// Pod. Gatekeeper's namespace globs allow only a trailing `*`.
import { error, type Finding } from "../../findings.js";
import type { AddonSpecView } from "../types.js";

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function labelKeyValid(key: string): boolean {
  const parts = key.split("/");
  if (parts.length > 2) return false;
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]!];
  return NAME.test(name!) && (prefix === undefined || (prefix.length <= 253 && PREFIX.test(prefix)));
}

export function checkGatekeeper(spec: AddonSpecView): Finding[] {
  const g = spec.addons.policy?.gatekeeper;
  if (!g) return [];
  const out: Finding[] = [];
  g.requiredLabels.forEach((l, i) => {
    if (!labelKeyValid(l))
      out.push(
        error(
          "addons.gatekeeper-label",
          ["addons", "policy", "gatekeeper", "requiredLabels", i],
          `"${l}" is not a label key`,
          "use a key like owner or example.com/owner",
        ),
      );
  });
  g.excludedNamespaces.forEach((n, i) => {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\*?$/.test(n) && !/^[a-z0-9][-a-z0-9]*\*$/.test(n))
      out.push(
        error(
          "addons.gatekeeper-namespace",
          ["addons", "policy", "gatekeeper", "excludedNamespaces", i],
          `"${n}" is neither a namespace name nor a prefix glob`,
          "write a name (team-a) or a prefix with a trailing * (team-*)",
        ),
      );
  });
  return out;
}
