// `cairn destroy`: observe the machines through their provider, and plan deleting what it made for the cluster —
// only what carries cairn's marker for this cluster — with what it found but leaves alone, for the user to read
// before typing the cluster's name. Building the plan reads only.
import type { ClusterAccess } from "../access.js";
import type { PreparedOperation } from "../operation.js";
import type { ProviderDestroyPlan } from "../../providers/types.js";
import { destroyHandlers } from "./handlers.js";
import { buildDestroyPlan } from "./plan.js";

export interface PreparedDestroy extends PreparedOperation {
  observed: string;
  leftAlone: string[];
  kept: string[];
}

export async function buildDestroy(access: ClusterAccess): Promise<PreparedDestroy> {
  const observed = await access.target.observe();
  const provider: ProviderDestroyPlan = access.target.destroy?.(observed) ?? {
    actions: [],
    leftAlone: [`${access.target.label}: cairn did not make these machines, so it does not delete them`],
    kept: [],
    blockers: [],
  };
  const plan = buildDestroyPlan(access.model.name, provider, access.simulated);
  return {
    plan,
    handlers: destroyHandlers(access),
    concurrency: Math.max(4, provider.actions.length),
    observed: observed.summary,
    leftAlone: provider.leftAlone,
    kept: provider.kept,
  };
}
