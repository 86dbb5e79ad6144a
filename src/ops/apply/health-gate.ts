// health-gate: the end of every apply. etcd has every control plane as a healthy member, every node runs in
// secure mode with its services healthy and is ready — except that with `cni: none/cilium` the CNI is an add-on
// installed after bootstrap, so Kubernetes node readiness cannot hold yet and is not awaited.
import type { Action, ActionContext, ActionHandler } from "../../engine/types.js";
import type { ClusterAccess } from "../access.js";
import { pollUntil, viewNode } from "../support.js";
import { etcdProblem } from "./wait-etcd.js";

/** Unmet machine conditions that only a running CNI can satisfy. */
const NEEDS_CNI = /node.?ready|not ready|network/i;

export function healthGateHandler(access: ClusterAccess): ActionHandler {
  return async (action: Action, ctx: ActionContext) => {
    const nodes = action.params.nodes as string[];
    const cps = action.params.controlplanes as string[];
    const cniExpected = action.params.cni === "flannel";
    if (!cniExpected)
      ctx.progress(
        `CNI ${String(action.params.cni)} is installed as an add-on: Kubernetes node readiness is not awaited`,
      );
    await pollUntil(
      ctx,
      "health gate",
      async () => {
        const etcd = await etcdProblem(access, cps);
        if (etcd) return { done: false, reason: `etcd: ${etcd}` };
        for (const n of nodes) {
          const v = await viewNode(access, n, "secure");
          if (v.mode !== "secure")
            return {
              done: false,
              reason: `${n}: ${v.mode === "unreachable" ? v.reason : "in maintenance mode"}`,
            };
          if (v.stage !== "running") return { done: false, reason: `${n}: stage ${v.stage}` };
          const unmet = cniExpected
            ? v.unmet
            : v.unmet.filter((u) => !NEEDS_CNI.test(`${u.name} ${u.reason}`));
          if (!v.ready && unmet.length > 0)
            return { done: false, reason: `${n}: ${unmet.map((u) => u.reason).join("; ")}` };
        }
        return { done: true, value: undefined };
      },
      500,
    );
    ctx.progress(
      `healthy: ${nodes.length} node(s), etcd ${cps.length}/${cps.length}${access.simulated ? " (simulated)" : ""}`,
    );
  };
}
