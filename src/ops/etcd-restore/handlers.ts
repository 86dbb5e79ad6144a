// `cairn etcd restore FILE`: disaster recovery following Talos' recover flow. Every control plane starts from an
// empty etcd (fresh machines in maintenance get their config again; running ones are reset with EPHEMERAL wiped,
// which requires --wipe), the snapshot is uploaded to one with EtcdRecover and Bootstrap{recover_etcd:true} starts
// a one-member cluster from it, and the other control planes join it as they would a new cluster.
import { readFileSync } from "node:fs";
import { CairnError } from "../../errors.js";
import type { ActionHandler, ActionHandlers } from "../../engine/types.js";
import type { TalosClient } from "../../talos/api/client.js";
import type { ClusterAccess } from "../access.js";
import { gateHandler } from "../gates.js";
import { nodeVersion } from "../observe.js";
import { brief, sleep, withTimeout } from "../support.js";

type NodeView =
  | { mode: "normal"; stage: string; etcdMember: boolean }
  | { mode: "maintenance" }
  | { mode: "down"; error: string };

async function view(access: ClusterAccess, node: string, t: number): Promise<NodeView> {
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
    const ic = access.insecureClient(node, access.readState().nodes[node]?.fingerprint);
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
  access: ClusterAccess,
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
      if (why !== last) progress(`waiting: ${(last = why)}`);
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
        const config = access.config(p.node);
        if (!config)
          throw new CairnError(
            "etcd-restore",
            `${p.node} is in maintenance mode and cairn has no config to give it`,
          );
        const ic = access.insecureClient(p.node, access.readState().nodes[p.node]?.fingerprint);
        try {
          ctx.progress("maintenance mode: applying its machine config");
          const [r] = await ic.applyConfiguration(config.text, { mode: "auto" });
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
        // The reset has taken hold once the node left `running` or its member is gone: a quick reboot (the twin's)
        // can come and go between two polls.
        await waitFor(
          ctx.signal,
          ctx.progress,
          p.node,
          (x) => x.mode !== "normal" || x.stage !== "running" || !x.etcdMember,
        );
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

export function restoreHandlers(access: ClusterAccess): ActionHandlers {
  return { "etcd-restore": etcdRestoreHandler(access), gate: gateHandler(access) };
}
