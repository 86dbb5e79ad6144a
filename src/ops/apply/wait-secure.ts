// wait-secure: the node answers over mTLS with the cluster's credentials and its stage is "running" (after the
// install reboot, or after a config change). Control planes must also have a healthy etcd once the cluster is
// bootstrapped. Records the node as running, with the Talos version it reports.
import type { Action, ActionContext, ActionHandler } from "../../engine/types.js";
import type { ClusterAccess } from "../access.js";
import { only, pollUntil, viewNode } from "../support.js";

export function waitSecureHandler(access: ClusterAccess): ActionHandler {
  return async (action: Action, ctx: ActionContext) => {
    const node = String(action.params.node);
    const isCp = action.params.role === "controlplane";
    await pollUntil(ctx, `waiting for ${node}`, async () => {
      const v = await viewNode(access, node, "secure");
      if (v.mode === "unreachable") return { done: false, reason: `rebooting (${v.reason})` };
      if (v.mode === "maintenance")
        return { done: false, reason: `still in maintenance mode (stage ${v.stage})` };
      if (v.stage !== "running") return { done: false, reason: `stage ${v.stage}` };
      if (action.params.afterChange && isCp && access.readState().bootstrap) {
        const c = await access.nodeClient(node);
        try {
          const etcd = only(await c.serviceList()).services.find((s) => s.id === "etcd");
          if (!etcd?.health?.healthy) return { done: false, reason: "etcd not healthy yet" };
        } finally {
          c.close();
        }
      }
      return { done: true, value: undefined };
    });
    const c = await access.nodeClient(node);
    let version: string | undefined;
    try {
      version = only(await c.version()).version?.tag;
    } catch {
      // The version is informative; the node is up.
    } finally {
      c.close();
    }
    access.updateState((s) => {
      const prev = s.nodes[node];
      if (!prev) return;
      s.nodes[node] = {
        ...prev,
        stage: "running",
        ...(version ? { talosVersion: version } : {}),
        updatedAt: new Date().toISOString(),
      };
    });
    ctx.progress(`${node} is running in secure mode${version ? ` (Talos ${version})` : ""}`);
  };
}
