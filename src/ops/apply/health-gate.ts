// health-gate: the end of every apply. etcd has every control plane as a healthy member, every node runs in
// secure mode with its services healthy and is ready, and Kubernetes passes the sweep of `cairn health` (API ready,
// every node Ready with the CNI's pod on it, control-plane pods, CoreDNS, no node left cordoned by cairn). A CNI
// that is not installed (an add-on still to come) is said, not awaited: node readiness cannot hold without it, so
// the machine conditions only a running CNI satisfies are not waited for either, and the apply records what is
// missing for its report.
import type { Action, ActionContext, ActionHandler } from "../../engine/types.js";
import type { ClusterAccess } from "../access.js";
import { kubernetesGate } from "../gates.js";
import { KUBERNETES_HEALTH_SECTION, NO_CNI, type KubernetesRecord } from "../kube-checks.js";
import { pollUntil, viewNode } from "../support.js";
import { etcdProblem } from "./wait-etcd.js";

/** Unmet machine conditions that only a running CNI can satisfy (the Kubernetes sweep checks node readiness). */
const NEEDS_CNI = /node.?ready|not ready|network/i;

export function healthGateHandler(access: ClusterAccess): ActionHandler {
  return async (action: Action, ctx: ActionContext) => {
    const nodes = action.params.nodes as string[];
    const cps = action.params.controlplanes as string[];
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
          const unmet = v.unmet.filter((u) => !NEEDS_CNI.test(`${u.name} ${u.reason}`));
          if (!v.ready && unmet.length > 0)
            return { done: false, reason: `${n}: ${unmet.map((u) => u.reason).join("; ")}` };
        }
        return { done: true, value: undefined };
      },
      500,
    );
    ctx.progress(
      `machines healthy: ${nodes.length} node(s), etcd ${cps.length}/${cps.length}${access.simulated ? " (simulated)" : ""}`,
    );
    const kube = await kubernetesGate(access, ctx, access.simulated ? 100 : 2000);
    const record: KubernetesRecord = {
      checkedAt: new Date().toISOString(),
      checked: kube.checked,
      missing: kube.noCni ? [`${NO_CNI}${specCni(String(action.params.cni ?? ""))}`] : [],
    };
    access.stateSection.set(KUBERNETES_HEALTH_SECTION, record);
  };
}

/** What the spec says about the missing CNI, for the apply's report. */
function specCni(cni: string): string {
  if (cni === "none") return " (the spec sets cni: none)";
  if (cni && cni !== "flannel") return ` (the spec's CNI is ${cni}, an add-on not installed yet)`;
  return "";
}
