// The `gate` action: wait until a cluster condition holds before the plan moves on. "etcd": every control plane's
// member is healthy (no alarms, a leader they agree on) and every control plane is a voting member again — the
// check between two control-plane upgrades. Bounded by the action's timeout; failing it halts the plan.
import type { ActionHandler } from "../engine/types.js";
import type { ClusterAccess } from "./access.js";
import { etcdPreflight } from "./etcd-health.js";
import { observeEtcd } from "./observe.js";
import { sleep } from "./support.js";

export interface GateParams {
  check: "etcd";
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
    if (p.check !== "etcd") throw new Error(`unknown gate check "${String(p.check)}"`);
    const addresses: Record<string, string> = {};
    for (const cp of p.controlPlanes) addresses[cp] = access.addressOf(cp);
    let last = "";
    for (;;) {
      if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error("aborted");
      const etcd = await observeEtcd(access, options.callTimeoutMs ?? 3000);
      const { blockers } = etcdPreflight(p.controlPlanes, etcd, addresses);
      // The quorum-margin finding is about starting the next upgrade; here every member healthy is the bar.
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
