// bootstrap: etcd is bootstrapped exactly once in a cluster's life. Before calling, cairn looks for evidence that
// it already happened (the state record, an intent left by a run that died mid-call, the control planes' etcd
// service and member list); the intent is written (fsynced) before the call and the record before success is
// reported, so neither a crash nor a retry can ever send a second Bootstrap.
import type { Action, ActionContext, ActionHandler } from "../../engine/types.js";
import { TalosApiError } from "../../talos/api/errors.js";
import type { ClusterAccess } from "../access.js";
import { errText, only, sleep } from "../support.js";

const ALREADY_EXISTS = 6;
/** How long a run that finds an intent waits for etcd to show up before concluding the call never arrived. */
const INTENT_GRACE_MS = 90_000;

/** Is etcd bootstrapped anywhere among these control planes? (etcd service running, or a member list answers.) */
async function etcdEvidence(access: ClusterAccess, controlplanes: string[]): Promise<string | undefined> {
  for (const cp of controlplanes) {
    let c;
    try {
      c = await access.nodeClient(cp);
      const services = only(await c.serviceList()).services;
      const etcd = services.find((s) => s.id === "etcd");
      if (etcd && etcd.state === "Running") return `${cp}: etcd service is running`;
      const members = only(await c.etcdMemberList()).members;
      if (members.length > 0) return `${cp}: etcd has ${members.length} member(s)`;
    } catch {
      // Not reachable or etcd not up there: look at the next one.
    } finally {
      c?.close();
    }
  }
  return undefined;
}

export function bootstrapHandler(access: ClusterAccess): ActionHandler {
  return async (action: Action, ctx: ActionContext) => {
    const node = String(action.params.node);
    const cps = access.model.nodes.filter((n) => n.role === "controlplane").map((n) => n.name);
    const state = access.readState();
    if (state.bootstrap) {
      ctx.progress(
        `already bootstrapped on ${state.bootstrap.node} at ${state.bootstrap.at}; not calling again`,
      );
      return;
    }
    const recordObserved = (why: string): void => {
      access.updateState((s) => {
        s.bootstrap ??= { node, at: new Date().toISOString(), via: "observed" };
        s.bootstrapIntent = null;
      });
      ctx.progress(`etcd is already bootstrapped (${why}); recorded, not calling Bootstrap`);
    };
    let evidence = await etcdEvidence(access, cps);
    if (evidence) return recordObserved(evidence);

    // A previous run may have sent the call and died before recording it: give the node time to show etcd.
    const intent = state.bootstrapIntent ?? (ctx.journal.get("sent") as { at: string } | undefined);
    if (intent) {
      ctx.progress(
        `an earlier run sent Bootstrap at ${intent.at}; waiting for etcd to appear before deciding`,
      );
      const deadline = Date.now() + INTENT_GRACE_MS;
      while (Date.now() < deadline) {
        evidence = await etcdEvidence(access, cps);
        if (evidence) return recordObserved(evidence);
        await sleep(500, ctx.signal);
      }
      ctx.progress("no etcd after the grace period: the earlier call never took effect");
    }

    const at = new Date().toISOString();
    access.updateState((s) => {
      s.bootstrapIntent = { node, at };
    });
    ctx.journal.note("sent", { at });
    const c = await access.nodeClient(node);
    try {
      only(await c.bootstrap());
    } catch (e) {
      // AlreadyExists: the node says it is bootstrapped (e.g. another tool did it). Anything else is a failure.
      if (
        !(e instanceof TalosApiError && e.grpcCode === ALREADY_EXISTS) &&
        !/already exists|not empty/i.test(errText(e))
      )
        throw e;
      ctx.progress(`${node} reports etcd already bootstrapped`);
    } finally {
      c.close();
    }
    access.updateState((s) => {
      s.bootstrap = { node, at, via: "bootstrap-call" };
      s.bootstrapIntent = null;
    });
    ctx.progress(`Bootstrap sent to ${node} and recorded`);
  };
}
