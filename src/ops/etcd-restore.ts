// `cairn etcd restore FILE`: disaster recovery following Talos' recover flow. Every control plane starts from an
// empty etcd (fresh machines in maintenance get their config again; running ones are reset with EPHEMERAL wiped,
// which requires --wipe), the snapshot is uploaded to one with EtcdRecover and Bootstrap{recover_etcd:true} starts
// a one-member cluster from it, and the other control planes join it as they would a new cluster.
import { readFileSync } from "node:fs";
import { CairnError } from "../errors.js";
import type { Action, ActionHandler, AnyEngineEvent, Plan, RunResult } from "../engine/types.js";
import type { Model } from "../clusterspec/model.js";
import type { TalosClient } from "../talos/api/client.js";
import { brief, sleep, type OpsAccess } from "./upgrade-access.js";
import { nodeVersion, withTimeout } from "./upgrade-observe.js";

export const RESTORE_OPERATION = "etcd restore";

export interface RestoreOptions {
  file: string;
  /** Allow wiping etcd on control planes that still have a member (a live cluster is replaced by the snapshot). */
  wipe?: boolean;
  /** The control plane that bootstraps from the snapshot (default the first of the spec). */
  node?: string;
  timeoutMs?: number;
  /** Snapshot taken by copying the db file (not a Snapshot API stream): skip its hash check. */
  skipHashCheck?: boolean;
}

export function planEtcdRestore(model: Model, options: RestoreOptions): Plan {
  const cps = model.nodes.filter((n) => n.role === "controlplane").map((n) => n.name);
  const blockers: string[] = [];
  const first = options.node ?? cps[0];
  if (!cps.length) blockers.push("the spec has no control plane");
  if (options.node && !cps.includes(options.node)) blockers.push(`${options.node} is not a control plane`);
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const actions: Action[] = cps.map((cp) => ({
    id: `etcd-restore:prepare:${cp}`,
    kind: "etcd-restore",
    node: cp,
    title: `${cp}: configured and running with an empty etcd`,
    dependsOn: [],
    params: { step: "prepare", node: cp, wipe: options.wipe === true },
    timeoutMs,
  }));
  if (first) {
    actions.push({
      id: `etcd-restore:recover:${first}`,
      kind: "etcd-restore",
      node: first,
      title: `${first}: upload the snapshot (EtcdRecover) and Bootstrap{recover_etcd}`,
      dependsOn: actions.map((a) => a.id),
      params: {
        step: "recover",
        node: first,
        file: options.file,
        skipHashCheck: options.skipHashCheck === true,
      },
      timeoutMs,
    });
    actions.push({
      id: "gate:etcd-restored",
      kind: "gate",
      title: `every control plane back in etcd (${cps.length} members)`,
      dependsOn: [`etcd-restore:recover:${first}`],
      params: { check: "etcd", controlPlanes: cps },
      timeoutMs,
    });
  }
  return { operation: RESTORE_OPERATION, actions, blockers, warnings: [] };
}

type NodeView =
  | { mode: "normal"; stage: string; etcdMember: boolean }
  | { mode: "maintenance" }
  | { mode: "down"; error: string };

async function view(access: OpsAccess, node: string, t: number): Promise<NodeView> {
  let c: TalosClient | undefined;
  try {
    c = await access.nodeClient(node);
    await nodeVersion(c, t);
    const stage = (await withTimeout(c.machineStatus(), t, "MachineStatus")).spec?.stage ?? "unknown";
    let etcdMember = false;
    try {
      const [s] = await withTimeout(c.etcdStatus(), t, "EtcdStatus");
      etcdMember = !!s?.ok && (s.value.member_status?.member_id ?? "0") !== "0";
    } catch {
      // etcd not running: no member on this node
    }
    return { mode: "normal", stage, etcdMember };
  } catch (e) {
    const mtlsError = brief(e);
    if (!access.insecureClient) return { mode: "down", error: mtlsError };
    const ic = access.insecureClient(node);
    try {
      const st = await withTimeout(ic.machineStatus(), t, "MachineStatus");
      if (st.spec?.stage === "maintenance") return { mode: "maintenance" };
      return { mode: "down", error: mtlsError };
    } catch {
      return { mode: "down", error: mtlsError };
    } finally {
      ic.close();
    }
  } finally {
    c?.close();
  }
}

export function etcdRestoreHandler(
  access: OpsAccess,
  options: { pollMs?: number; callTimeoutMs?: number } = {},
): ActionHandler {
  const pollMs = options.pollMs ?? 250;
  const t = options.callTimeoutMs ?? 3000;
  const waitFor = async (
    signal: AbortSignal,
    progress: (m: string) => void,
    node: string,
    done: (v: NodeView) => boolean,
  ): Promise<void> => {
    let last = "";
    for (;;) {
      if (signal.aborted) throw signal.reason ?? new Error("aborted");
      const v = await view(access, node, t);
      if (done(v)) return;
      const why =
        v.mode === "normal"
          ? `stage ${v.stage}${v.etcdMember ? ", etcd member" : ""}`
          : v.mode === "down"
            ? `down (${v.error})`
            : "maintenance";
      if (why !== last) progress((last = `waiting: ${why}`));
      await sleep(pollMs, signal);
    }
  };
  return async (action, ctx) => {
    const p = action.params as {
      step: "prepare" | "recover";
      node: string;
      wipe?: boolean;
      file?: string;
      skipHashCheck?: boolean;
    };
    if (p.step === "prepare") {
      const v = await view(access, p.node, t);
      if (v.mode === "maintenance") {
        if (!access.insecureClient || !access.renderedConfig)
          throw new CairnError(
            "etcd-restore",
            `${p.node} is in maintenance mode and cairn has no config to give it`,
          );
        const ic = access.insecureClient(p.node);
        try {
          ctx.progress("maintenance mode: applying its machine config");
          const [r] = await ic.applyConfiguration(access.renderedConfig(p.node), { mode: "auto" });
          if (!r?.ok)
            throw new CairnError(
              "etcd-restore",
              `${p.node} refused its config: ${r?.error.message ?? "no reply"}`,
            );
        } finally {
          ic.close();
        }
      } else if (v.mode === "normal" && v.etcdMember) {
        if (!p.wipe && !ctx.journal.get("reset"))
          throw new CairnError(
            "etcd-restore",
            `${p.node} still has a live etcd member; restoring would replace that cluster's data`,
            {
              hint: "pass --wipe to reset etcd (EPHEMERAL) on every control plane and restore from the snapshot",
            },
          );
        ctx.journal.note("reset", true);
        ctx.progress("resetting etcd (EPHEMERAL wiped, config kept)");
        const c = await access.nodeClient(p.node);
        try {
          const [r] = await c.reset({ graceful: false, reboot: true, systemLabelsToWipe: ["EPHEMERAL"] });
          if (!r?.ok)
            throw new CairnError(
              "etcd-restore",
              `${p.node} refused the reset: ${r?.error.message ?? "no reply"}`,
            );
        } finally {
          c.close();
        }
        await waitFor(ctx.signal, ctx.progress, p.node, (x) => x.mode !== "normal" || x.stage !== "running");
      } else if (v.mode === "down") {
        ctx.progress(`unreachable (${v.error}); waiting for it`);
      }
      await waitFor(
        ctx.signal,
        ctx.progress,
        p.node,
        (x) => x.mode === "normal" && x.stage === "running" && !x.etcdMember,
      );
      ctx.progress("running, etcd empty (waiting for bootstrap)");
      return;
    }
    // recover
    if (!ctx.journal.get("bootstrapped")) {
      const data = readFileSync(p.file!);
      const c = await access.nodeClient(p.node);
      try {
        ctx.progress(`uploading ${data.length} bytes (EtcdRecover)`);
        const chunks: Buffer[] = [];
        for (let i = 0; i < data.length; i += 1 << 20) chunks.push(data.subarray(i, i + (1 << 20)));
        const [u] = await c.etcdRecover(chunks);
        if (u && !u.ok)
          throw new CairnError("etcd-restore", `${p.node} refused the snapshot: ${u.error.message}`);
        // Noted before the call: a second Bootstrap would start a second, empty cluster.
        ctx.journal.note("bootstrapped", true);
        const [b] = await c.bootstrap({ recoverEtcd: true, recoverSkipHashCheck: p.skipHashCheck === true });
        if (b && !b.ok)
          throw new CairnError(
            "etcd-restore",
            `Bootstrap{recover_etcd} failed on ${p.node}: ${b.error.message}`,
          );
      } finally {
        c.close();
      }
    }
    await waitFor(ctx.signal, ctx.progress, p.node, (x) => x.mode === "normal" && x.etcdMember);
    ctx.progress("etcd restored from the snapshot; the other control planes join it");
  };
}

export async function runEtcdRestore(
  access: OpsAccess,
  options: RestoreOptions & {
    onEvent?: (e: AnyEngineEvent) => void;
    signal?: AbortSignal;
  },
): Promise<{ plan: Plan; result: RunResult }> {
  const { runPlan } = await import("../engine/run.js");
  const { gateHandler } = await import("./handlers/gate.js");
  const plan = planEtcdRestore(access.model, options);
  const result = await runPlan(
    plan,
    { "etcd-restore": etcdRestoreHandler(access), gate: gateHandler(access) },
    {
      journalPath: access.paths.journal,
      lockPath: access.paths.lock,
      concurrency: Math.max(4, plan.actions.length),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  return { plan, result };
}
