// wait-etcd: every control plane of the spec is a voting etcd member and its etcd service is healthy (quorum with
// the full member set, not just a majority).
import type { Action, ActionContext, ActionHandler } from "../../engine/types.js";
import type { ClusterAccess } from "../access.js";
import { only, pollUntil } from "../support.js";

export async function etcdProblem(
  access: ClusterAccess,
  controlplanes: string[],
): Promise<string | undefined> {
  let members: { hostname: string; is_learner: boolean }[] | undefined;
  for (const cp of controlplanes) {
    const c = await access.nodeClient(cp).catch(() => undefined);
    if (!c) return `${cp}: no client`;
    try {
      const etcd = only(await c.serviceList()).services.find((s) => s.id === "etcd");
      if (!etcd || etcd.state !== "Running" || !etcd.health?.healthy)
        return `${cp}: etcd ${etcd ? etcd.state.toLowerCase() : "not listed"}${etcd?.health && !etcd.health.healthy ? ", not healthy" : ""}`;
      members ??= only(await c.etcdMemberList()).members;
    } catch (e) {
      return `${cp}: ${(e as Error).message.split("\n")[0]}`;
    } finally {
      c.close();
    }
  }
  const names = new Set((members ?? []).filter((m) => !m.is_learner).map((m) => m.hostname));
  const missing = controlplanes.filter((cp) => !names.has(cp));
  if (missing.length)
    return `${names.size}/${controlplanes.length} members; waiting for ${missing.join(", ")}`;
  return undefined;
}

export function waitEtcdHandler(access: ClusterAccess): ActionHandler {
  return async (action: Action, ctx: ActionContext) => {
    const cps = action.params.controlplanes as string[];
    await pollUntil(
      ctx,
      "etcd quorum",
      async () => {
        const p = await etcdProblem(access, cps);
        return p ? { done: false, reason: p } : { done: true, value: undefined };
      },
      500,
    );
    ctx.progress(`etcd: ${cps.length}/${cps.length} members healthy`);
  };
}
