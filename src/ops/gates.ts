// The `gate` action: wait until a cluster condition holds before the plan moves on. "etcd": every control plane's
// member is healthy (no alarms, a leader they agree on) and every control plane is a voting member again — the
// check between two control-plane upgrades. "kubernetes": the Kubernetes sweep of `cairn health` passes (API ready,
// every spec node Ready with the CNI's pod, control-plane pods, CoreDNS, no node left cordoned by cairn; without a
// CNI installed it says so instead of waiting on node readiness). Bounded by the action's timeout; failing it halts
// the plan.
import type { ActionHandler } from "../engine/types.js";
import { CairnError } from "../errors.js";
import type { ClusterAccess } from "./access.js";
import { etcdPreflight } from "./etcd-health.js";
import { kubeClientOf, kubeTopology } from "./kube.js";
import { kubernetesSweep, NO_CNI } from "./kube-checks.js";
import { observeEtcd } from "./observe.js";
import { sleep } from "./support.js";

interface GateParams {
  check: "etcd" | "kubernetes";
  node?: string;
  controlPlanes: string[];
}

export function gateHandler(
  access: ClusterAccess,
  options: { pollMs?: number; callTimeoutMs?: number } = {},
): ActionHandler {
  const pollMs = options.pollMs ?? 250;
  return async (action, ctx) => {
    const p = action.params as unknown as GateParams;
    if (p.check === "kubernetes") {
      await kubernetesGate(access, ctx, access.simulated ? 100 : 2000);
      return;
    }
    if (p.check !== "etcd") throw new Error(`unknown gate check "${String(p.check)}"`);
    const addresses: Record<string, string> = {};
    for (const cp of p.controlPlanes) addresses[cp] = access.addressOf(cp);
    let last = "";
    for (;;) {
      if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error("aborted");
      const etcd = await observeEtcd(access, options.callTimeoutMs ?? 3000);
      // The quorum margin is about starting the next upgrade; here every member healthy is the bar.
      const { blockers } = etcdPreflight(p.controlPlanes, etcd, addresses, { margin: false });
      if (blockers.length === 0) {
        ctx.progress(`etcd healthy: ${etcd.members.length} members, leader agreed`);
        return;
      }
      const why = blockers[0]!;
      if (why !== last) ctx.progress(`waiting: ${(last = why)}`);
      await sleep(pollMs, ctx.signal);
    }
  };
}

/** Waits for the Kubernetes sweep to pass; returns what it found missing but allowed (no CNI). */
export async function kubernetesGate(
  access: ClusterAccess,
  ctx: Parameters<ActionHandler>[1],
  pollMs: number,
): Promise<{ noCni: boolean; checked: boolean }> {
  const client = kubeClientOf(access);
  if (!client) {
    ctx.progress(`no kubeconfig for ${access.model.name}: Kubernetes not checked`);
    return { noCni: false, checked: false };
  }
  const topology = kubeTopology(access);
  let last = "";
  for (;;) {
    const sweep = await kubernetesSweep(client, topology);
    if (sweep.ok) {
      const ready = sweep.findings.filter((f) => f.node && f.status === "ok").length;
      ctx.progress(
        sweep.cni
          ? `Kubernetes healthy: ${ready}/${topology.nodes.length} node(s) Ready with ${sweep.cni.name}, control-plane pods running, CoreDNS ready${access.simulated ? " (simulated)" : ""}`
          : `Kubernetes API ready, control-plane pods running; ${NO_CNI}`,
      );
      return { noCni: !sweep.cni, checked: true };
    }
    // A cordon cairn left behind (a drain that did not finish in an earlier run) does not lift by waiting.
    const failing = sweep.findings.filter((f) => f.status === "fail");
    const cordons = failing.find((f) => f.subject === "cordons");
    if (cordons && failing.length === 1)
      throw new CairnError("kube-cordoned", `Kubernetes: ${cordons.message}`, {
        hint: "an earlier drain did not finish: run that operation again, or `kubectl uncordon NODE` if it should take pods again",
      });
    const why = sweep.waitingFor.slice(0, 3).join("; ");
    if (why !== last) ctx.progress((last = `Kubernetes: ${why}`));
    try {
      await sleep(pollMs, ctx.signal);
    } catch {
      throw new CairnError("kube-timeout", `Kubernetes gate: gave up: ${last}`);
    }
  }
}
