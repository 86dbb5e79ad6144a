// drain and delete-node: the Kubernetes side of a node leaving the cluster. Before its reset the node is cordoned
// and drained through the Eviction API (PodDisruptionBudgets honoured; a drain still blocked at its timeout stops
// the removal, or with --force is reported and the removal goes on); after the reset its Node object is deleted,
// since the kubelet that registered it is gone for good. A node whose kubelet stopped posting status (a dead
// machine) cannot be drained gracefully: its pods go with its Node.
import type { Action, ActionContext, ActionHandler } from "../../engine/types.js";
import { condition, deleteNode, isNotFound } from "../../kube/index.js";
import type { ClusterAccess } from "../access.js";
import { kubeClientOf, kubeNodeName } from "../kube.js";
import { drainStep } from "../node-drain.js";
import { viewNode } from "../support.js";
import { unreachableForRemoval } from "./reset.js";

export function drainHandler(access: ClusterAccess): ActionHandler {
  return async (action: Action, ctx: ActionContext) => {
    const node = String(action.params.node);
    const force = action.params.force === true;
    // A machine that does not answer cannot be reset: refuse before cordoning anything (as its reset would).
    const v = await viewNode(access, node, "secure");
    if (v.mode === "unreachable") {
      if (!force) throw unreachableForRemoval(node, v.reason, action.params.role === "controlplane");
      ctx.progress(`${node} is unreachable: not drained (--force); its pods go with its Node`);
      return;
    }
    if (v.mode === "maintenance") {
      ctx.progress(`${node} is already in maintenance mode (reset earlier): nothing to drain`);
      return;
    }
    const client = kubeClientOf(access);
    if (client) {
      const name = kubeNodeName(access, node);
      try {
        const n = await client.get(`/api/v1/nodes/${encodeURIComponent(name)}`);
        if (condition(n, "Ready")?.status === "Unknown") {
          ctx.progress(
            `the kubelet on ${name} stopped posting status: its pods cannot be evicted gracefully and go with its Node`,
          );
          return;
        }
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    await drainStep(access, ctx, node, {
      ...(typeof action.params.timeoutMs === "number" ? { timeoutMs: action.params.timeoutMs } : {}),
      force,
      onBlocked: "was not removed",
    });
  };
}

export function deleteNodeHandler(access: ClusterAccess): ActionHandler {
  return async (action: Action, ctx: ActionContext) => {
    const node = String(action.params.node);
    const client = kubeClientOf(access);
    if (!client) {
      ctx.progress(`no kubeconfig for ${access.model.name}: ${node}'s Node object not deleted`);
      return;
    }
    const name = kubeNodeName(access, node);
    const existed = await deleteNode(client, name);
    ctx.progress(existed ? `deleted Node ${name}` : `Node ${name} was already gone`);
  };
}
