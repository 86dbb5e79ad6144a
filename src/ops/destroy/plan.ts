// The `cairn destroy` plan, pure: the provider's deletions of everything it made for the cluster, then cairn
// forgetting the machines (its record of nodes, bootstrap and the configs they ran). The cluster's identity (secrets,
// talosconfig, kubeconfig) stays on disk: destroying machines never destroys the only copy of a key.
import type { Action, Plan } from "../../engine/types.js";
import type { ProviderDestroyPlan } from "../../providers/types.js";

export function buildDestroyPlan(cluster: string, provider: ProviderDestroyPlan, simulated: boolean): Plan {
  const actions: Action[] = [...provider.actions];
  if (actions.length > 0)
    actions.push({
      id: "forget-machines",
      kind: "forget-machines",
      title: `forget ${cluster}'s machines in cairn's record (nodes, bootstrap, applied configs)${simulated ? " (simulated)" : ""}`,
      dependsOn: provider.actions.map((a) => a.id),
      params: {},
    });
  return { operation: "destroy", actions, blockers: [...provider.blockers], warnings: [] };
}
