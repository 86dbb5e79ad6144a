// `cairn etcd restore FILE`: disaster recovery following Talos' recover flow. First, before anything is touched, the
// file is proven to be a whole etcd database (never skipped, whatever the flags) and, when live members are about to
// be wiped, the data they hold is saved to a snapshot of its own. Then every control plane starts from an empty etcd
// (fresh machines in maintenance get their config again; running ones are reset with EPHEMERAL wiped, which requires
// --wipe), the snapshot is uploaded to one with EtcdRecover and Bootstrap{recover_etcd:true} starts a one-member
// cluster from it, and the other control planes join it as they would a new cluster. A recovery that left the node
// without a member (a failed or interrupted Bootstrap: Talos then answers ALREADY_EXISTS) is cleaned and redone.
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CairnError } from "../../errors.js";
import type { ActionHandler, ActionHandlers } from "../../engine/types.js";
import type { TalosClient } from "../../talos/api/client.js";
import { TalosApiError } from "../../talos/api/errors.js";
import type { ClusterAccess } from "../access.js";
import { checkSnapshotBytes, snapshotEtcd } from "../etcd-snapshot.js";
import { gateHandler } from "../gates.js";
import { bootId, nodeVersion } from "../observe.js";
import { brief, sleep, withTimeout } from "../support.js";

const ALREADY_EXISTS = 6;

/** Where the data live members held is saved before they are wiped (beside the journal: the real or twin record). */
export function safetySnapshotDir(access: ClusterAccess): string {
  return join(dirname(access.paths.journal), "backups");
}

/** Reads the snapshot and proves it again (the file may have changed since the plan): the bytes that go out. */
function provenSnapshot(file: string, skipHashCheck: boolean): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (e) {
    throw new CairnError("etcd-restore", `cannot read the snapshot ${file}: ${brief(e)}`);
  }
  const check = checkSnapshotBytes(data, skipHashCheck ? { skipHashCheck: true } : {});
  if (!check.ok)
    throw new CairnError("etcd-restore", `${file} cannot be restored: ${check.problem}`, {
      hint: "nothing was reset for it; restore from a good snapshot (`cairn etcd snapshot` takes one)",
    });
  return data;
}

function alreadyBootstrapped(e: unknown): boolean {
  return (
    (e instanceof TalosApiError && e.grpcCode === ALREADY_EXISTS) ||
    /already exists|not empty/i.test(e instanceof Error ? e.message : String(e))
  );
}

type NodeView =
  | {
      mode: "normal";
      stage: string;
      etcdMember: boolean;
      memberId: string;
      clusterIds: string[];
      bootId: string | undefined;
    }
  | { mode: "maintenance" }
  | { mode: "down"; error: string };

async function view(access: ClusterAccess, node: string, t: number): Promise<NodeView> {
  let c: TalosClient | undefined;
  try {
    c = await access.nodeClient(node);
    await nodeVersion(c, t);
    const [status, boot] = await Promise.all([
      withTimeout(c.machineStatus(), t, "MachineStatus"),
      bootId(c, t),
    ]);
    const stage = status.spec?.stage ?? "unknown";
    let memberId = "0";
    let clusterIds: string[] = [];
    try {
      const [s] = await withTimeout(c.etcdStatus(), t, "EtcdStatus");
      if (s?.ok) memberId = s.value.member_status?.member_id ?? "0";
      if (memberId !== "0") {
        // Which cluster the member is in: the old one or the one restored from the snapshot.
        const [m] = await withTimeout(c.etcdMemberList(), t, "EtcdMemberList");
        if (m?.ok) clusterIds = m.value.members.map((x) => x.id);
      }
    } catch {
      // etcd not running: no member on this node
    }
    return { mode: "normal", stage, etcdMember: memberId !== "0", memberId, clusterIds, bootId: boot };
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

export interface RestoreHandlerOptions {
  pollMs?: number;
  callTimeoutMs?: number;
  /** How long a sent Bootstrap{recover_etcd} may take to bring a member up before the recovery counts as failed. */
  settleMs?: number;
}

function etcdRestoreHandler(access: ClusterAccess, options: RestoreHandlerOptions = {}): ActionHandler {
  const pollMs = options.pollMs ?? 250;
  const t = options.callTimeoutMs ?? 3000;
  const settleMs = options.settleMs ?? 120_000;
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
  /** Polls until `done` or `ms` passed; true when it held. */
  const waitUntil = async (signal: AbortSignal, done: (v: NodeView) => boolean, node: string, ms: number) => {
    const deadline = Date.now() + ms;
    for (;;) {
      if (done(await view(access, node, t))) return true;
      if (Date.now() >= deadline) return false;
      await sleep(pollMs, signal);
    }
  };
  const resetEphemeral = async (node: string, why: string, progress: (m: string) => void) => {
    progress(why);
    const c = await access.nodeClient(node);
    try {
      const [r] = await c.reset({ graceful: false, reboot: true, systemLabelsToWipe: ["EPHEMERAL"] });
      if (!r?.ok)
        throw new CairnError("etcd-restore", `${node} refused the reset: ${r?.error.message ?? "no reply"}`);
    } finally {
      c.close();
    }
  };
  /** EtcdLeaveCluster: the member is removed and its etcd stops (until the next boot); false when it cannot leave. */
  const leaveCluster = async (node: string, progress: (m: string) => void): Promise<boolean> => {
    const c = await access.nodeClient(node);
    try {
      progress(
        "leaving the old etcd cluster (its other members keep the data until the snapshot's member is up)",
      );
      const [r] = await withTimeout(c.etcdLeaveCluster(), 30_000, "EtcdLeaveCluster");
      if (r && !r.ok) throw new Error(r.error.message);
      return true;
    } catch (e) {
      progress(`cannot leave the old cluster (${brief(e)}); resetting it instead`);
      return false;
    } finally {
      c.close();
    }
  };
  /** Bootstrap{recover_etcd}: started, or refused because etcd has data / a bootstrap runs, or nothing uploaded. */
  const bootstrapRecover = async (
    node: string,
    skipHashCheck: boolean,
  ): Promise<"started" | "already-exists" | "no-snapshot"> => {
    const c = await access.nodeClient(node);
    const verdict = (message: string): "already-exists" | "no-snapshot" | undefined =>
      alreadyBootstrapped(new Error(message))
        ? "already-exists"
        : /snapshot is not uploaded|no such file/i.test(message)
          ? "no-snapshot"
          : undefined;
    try {
      const [b] = await c.bootstrap({ recoverEtcd: true, recoverSkipHashCheck: skipHashCheck });
      if (b && !b.ok) {
        const v = verdict(b.error.message);
        if (!v)
          throw new CairnError(
            "etcd-restore",
            `Bootstrap{recover_etcd} failed on ${node}: ${b.error.message}`,
          );
        return v;
      }
      return "started";
    } catch (e) {
      if (e instanceof TalosApiError && e.grpcCode === ALREADY_EXISTS) return "already-exists";
      const v = verdict(e instanceof Error ? e.message : String(e));
      if (!v) throw e;
      return v;
    } finally {
      c.close();
    }
  };
  return async (action, ctx) => {
    const p = action.params as {
      step: "verify" | "prepare" | "recover";
      target?: string;
      node: string;
      wipe?: boolean;
      file?: string;
      skipHashCheck?: boolean;
    };
    if (p.step === "verify") {
      // The proof comes first: no member is reset for a file that is not a whole etcd database.
      const data = provenSnapshot(p.file!, p.skipHashCheck === true);
      ctx.progress(`${p.file}: a whole etcd database (${data.length} bytes)`);
      // The control plane that bootstraps from the snapshot must answer before any other is reset: with it gone,
      // every member would be wiped for a restore that cannot happen.
      if (p.target) {
        const v = await view(access, p.target, t);
        if (v.mode === "down")
          throw new CairnError(
            "etcd-restore",
            `${p.target}, the control plane that would bootstrap from the snapshot, does not answer (${v.error})`,
            { hint: "nothing was reset; bring it back, or pick another control plane with --node" },
          );
      }
      if (!p.wipe || ctx.journal.get("saved") !== undefined) return;
      // Live members are about to be wiped: what they hold is saved first, so nothing is lost whatever happens next.
      const dir = safetySnapshotDir(access);
      const file = join(
        dir,
        `etcd-before-restore-${new Date().toISOString().replace(/[:.]/g, "-")}.snapshot`,
      );
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const r = await snapshotEtcd(access, file, { signal: ctx.signal });
        ctx.journal.note("saved", file);
        ctx.progress(`the data etcd holds now was saved to ${file} (from ${r.node}, ${r.size} bytes)`);
      } catch (e) {
        // A healthy member whose data cannot be saved is not wiped; no healthy member at all (the usual case of a
        // disaster) leaves nothing consistent to save.
        if (!(e instanceof CairnError && e.code === "etcd-unhealthy"))
          throw new CairnError(
            "etcd-restore",
            `could not save the data etcd holds now before wiping it: ${brief(e)}`,
            {
              hint: "nothing was reset; fix the cause (or save it yourself with `cairn etcd snapshot`) and run the same command again",
            },
          );
        ctx.journal.note("saved", null);
        ctx.progress(`nothing to save first: ${brief(e)}`);
      }
      return;
    }
    if (p.step === "prepare") {
      // A live member's data is replaced only when the user said so (--wipe), once per run.
      const mayReplace = (): void => {
        if (!p.wipe && !ctx.journal.get("reset"))
          throw new CairnError(
            "etcd-restore",
            `${p.node} still has a live etcd member; restoring would replace that cluster's data`,
            {
              hint: "pass --wipe to replace the live etcd data on every control plane with the snapshot",
            },
          );
        ctx.journal.note("reset", true);
      };
      const resetAndWait = async (): Promise<void> => {
        const was = await view(access, p.node, t);
        const before = was.mode === "normal" ? was.bootId : undefined;
        await resetEphemeral(p.node, "resetting etcd (EPHEMERAL wiped, config kept)", ctx.progress);
        // The reset has taken hold once the node left `running`, its member is gone, or it runs a new boot: a quick
        // reboot (the twin's) can come and go between two polls, and the node may have joined again by then.
        await waitFor(
          ctx.signal,
          ctx.progress,
          p.node,
          (x) =>
            x.mode !== "normal" ||
            x.stage !== "running" ||
            !x.etcdMember ||
            (before !== undefined && x.bootId !== undefined && x.bootId !== before),
        );
      };
      let v = await view(access, p.node, t);
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
        await waitFor(ctx.signal, ctx.progress, p.node, (x) => x.mode === "normal" && x.stage === "running");
        v = await view(access, p.node, t);
      } else if (v.mode === "down") {
        ctx.progress(`unreachable (${v.error}); waiting for it`);
      }
      if (p.target) {
        // After the restore: the snapshot's member is healthy, so the old cluster can go. A member of the restored
        // cluster stays as it is (a rerun); a member of the old one is reset and joins the restored one.
        // Which cluster is the restored one is known from its member only: wait for it (a rerun may find the target
        // rebooting), never guess and reset a member that already joined it.
        let restoredId = "0";
        await waitFor(ctx.signal, ctx.progress, p.target, (x) => {
          if (x.mode === "normal" && x.etcdMember) restoredId = x.memberId;
          return restoredId !== "0";
        });
        const restored = (x: NodeView): boolean =>
          x.mode === "normal" && x.etcdMember && restoredId !== "0" && x.clusterIds.includes(restoredId);
        if (restored(v)) return ctx.progress("a member of the restored cluster");
        if (v.mode === "normal" && v.etcdMember) {
          mayReplace();
          await resetAndWait();
        }
        await waitFor(
          ctx.signal,
          ctx.progress,
          p.node,
          (x) => x.mode === "normal" && x.stage === "running" && (!x.etcdMember || restored(x)),
        );
        return ctx.progress("running, joining the restored cluster");
      }
      // The control plane that bootstraps from the snapshot: it leaves the old cluster, whose other members keep
      // running with the data until the snapshot's member is healthy. Only when leaving is impossible (no quorum,
      // the last member) is it reset instead.
      if (v.mode === "normal" && v.etcdMember) {
        mayReplace();
        if (await leaveCluster(p.node, ctx.progress))
          await waitFor(ctx.signal, ctx.progress, p.node, (x) => x.mode !== "normal" || !x.etcdMember);
        else await resetAndWait();
      }
      await waitFor(
        ctx.signal,
        ctx.progress,
        p.node,
        (x) => x.mode === "normal" && x.stage === "running" && !x.etcdMember,
      );
      ctx.progress("running, etcd empty (waiting for the snapshot)");
      return;
    }
    // recover
    const isMember = (x: NodeView): boolean => x.mode === "normal" && x.etcdMember;
    const restored = (): void =>
      ctx.progress("etcd restored from the snapshot; the other control planes join it");
    if (isMember(await view(access, p.node, t))) return restored();
    if (ctx.journal.get("bootstrapped")) {
      // An earlier (killed) try uploaded the snapshot and may have sent Bootstrap. Sending it again is safe: Talos
      // answers ALREADY_EXISTS while that one runs or once it ran, FAILED_PRECONDITION when nothing was uploaded.
      ctx.progress("an earlier try got as far as Bootstrap{recover_etcd}; asking the node again");
      const r = await bootstrapRecover(p.node, p.skipHashCheck === true);
      if (r !== "no-snapshot" && (await waitUntil(ctx.signal, isMember, p.node, settleMs))) return restored();
    }
    for (let attempt = 1; ; attempt++) {
      const data = provenSnapshot(p.file!, p.skipHashCheck === true);
      const c = await access.nodeClient(p.node);
      try {
        ctx.progress(`uploading ${data.length} bytes (EtcdRecover)`);
        const chunks: Buffer[] = [];
        for (let i = 0; i < data.length; i += 1 << 20) chunks.push(data.subarray(i, i + (1 << 20)));
        let refused: string | undefined;
        try {
          const [u] = await c.etcdRecover(chunks);
          if (u && !u.ok) refused = u.error.message;
        } catch (e) {
          refused = e instanceof Error ? e.message : String(e);
          if (!/etcd is running/i.test(refused)) throw e;
        }
        if (refused !== undefined) {
          // Its etcd runs again: it joined the old cluster between prepare and now (a fresh machine meets the old
          // members). It leaves it, and the upload is tried again.
          if (!/etcd is running/i.test(refused) || attempt >= 3)
            throw new CairnError("etcd-restore", `${p.node} refused the snapshot: ${refused}`);
          if (!(await leaveCluster(p.node, ctx.progress)))
            throw new CairnError("etcd-restore", `${p.node} refused the snapshot: ${refused}`);
          await waitFor(ctx.signal, ctx.progress, p.node, (x) => x.mode === "normal" && !x.etcdMember);
          continue;
        }
        // Noted before the call: a resumed run knows a Bootstrap may be under way.
        ctx.journal.note("bootstrapped", true);
      } finally {
        c.close();
      }
      const r = await bootstrapRecover(p.node, p.skipHashCheck === true);
      if (r === "no-snapshot")
        throw new CairnError("etcd-restore", `${p.node} lost the uploaded snapshot before Bootstrap`, {
          hint: "run the same command again",
        });
      const leftovers = r === "already-exists";
      if (!leftovers && (await waitUntil(ctx.signal, isMember, p.node, settleMs))) return restored();
      // No member came up. The node's etcd data directory holds what a failed or interrupted recovery left (Talos
      // refuses a new Bootstrap with ALREADY_EXISTS then); prepare emptied it before, so only that is wiped.
      if (leftovers && (await waitUntil(ctx.signal, isMember, p.node, Math.min(settleMs, 10_000))))
        return restored();
      if (attempt >= 2)
        throw new CairnError(
          "etcd-restore",
          `${p.node} did not start an etcd member from the snapshot (${leftovers ? "its etcd data directory is not empty" : `no member after ${Math.round(settleMs / 1000)} s`})`,
          {
            hint: `look at ${p.node}'s etcd service log (cairn talos logs etcd), then run the same command again`,
          },
        );
      await resetEphemeral(
        p.node,
        leftovers
          ? "the node refused the Bootstrap (ALREADY_EXISTS): etcd holds leftovers of a failed recovery; resetting EPHEMERAL and trying again"
          : "no etcd member came up from the snapshot; resetting EPHEMERAL and trying again",
        ctx.progress,
      );
      // The node has no member to lose, so only its leaving `running` shows the reset took hold (a quick reboot
      // can hide between slow polls): watched closely, for a bounded time.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const v = await view(access, p.node, t);
        if (v.mode !== "normal" || v.stage !== "running") break;
        await sleep(20, ctx.signal);
      }
      await waitFor(
        ctx.signal,
        ctx.progress,
        p.node,
        (x) => x.mode === "normal" && x.stage === "running" && !x.etcdMember,
      );
    }
  };
}

export function restoreHandlers(access: ClusterAccess, options: RestoreHandlerOptions = {}): ActionHandlers {
  return { "etcd-restore": etcdRestoreHandler(access, options), gate: gateHandler(access) };
}
