// The handlers `cairn apply` runs, bound to one ClusterAccess: its own steps, the scale-down steps, and the
// provider's (provision, deprovision, and whatever its plans add) — a `deprovision` ends with cairn forgetting
// the node, whether or not the provider had a machine to delete.
import { rmSync } from "node:fs";
import type { ActionHandler, ActionHandlers } from "../../engine/types.js";
import type { ClusterAccess } from "../access.js";
import { scaleHandlers } from "../scale/handlers.js";
import { appliedConfigPath } from "../state.js";
import { applyConfigHandler } from "./apply-config.js";
import { bootstrapHandler } from "./bootstrap.js";
import { fetchKubeconfigHandler } from "./fetch-kubeconfig.js";
import { healthGateHandler } from "./health-gate.js";
import { waitEtcdHandler } from "./wait-etcd.js";
import { waitKubernetesHandler } from "./wait-kubernetes.js";
import { waitSecureHandler } from "./wait-secure.js";

export function applyHandlers(access: ClusterAccess): ActionHandlers {
  const provider = access.target.handlers();
  const deprovision: ActionHandler = async (action, ctx) => {
    const node = String(action.params.node);
    // Read before the record goes: a node removed without a reset (--force on a dead node) was never wiped.
    const notReset = access.readState().nodes[node]?.notReset;
    await provider.deprovision?.(action, ctx);
    access.updateState((s) => {
      delete s.nodes[node];
    });
    rmSync(appliedConfigPath(access.paths.applied, node), { force: true });
    if (notReset !== undefined)
      ctx.outcome(
        `${node} forgotten${provider.deprovision ? " and its machine released" : ""}${access.simulated ? " (simulated)" : ""}, but it was never reset (${notReset}): ` +
          "if it comes back it still holds the cluster's config — reset or reinstall it before reusing it",
        { partial: true },
      );
    else if (!provider.deprovision)
      ctx.progress(`${node} forgotten; the ${access.target.label} machine stays in maintenance mode`);
  };
  return {
    ...provider,
    "apply-config": applyConfigHandler(access),
    "wait-secure": waitSecureHandler(access),
    bootstrap: bootstrapHandler(access),
    "wait-etcd": waitEtcdHandler(access),
    "wait-kubernetes": waitKubernetesHandler(access),
    "fetch-kubeconfig": fetchKubeconfigHandler(access),
    "health-gate": healthGateHandler(access),
    ...scaleHandlers(access),
    deprovision,
  };
}
