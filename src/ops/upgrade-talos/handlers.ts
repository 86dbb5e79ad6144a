// The `upgrade` action: one node to one installer image, verified. Idempotent and resumable: a node already on the
// target (and, when known, the target schematic) is done without a call; the boot ID is noted in the journal before
// the Upgrade call, so a resumed run waits for that reboot instead of upgrading twice. A node that comes back on its
// old version was rolled back by Talos' A/B boot: that is a failure, never a success.
import { CairnError } from "../../errors.js";
import type { ActionHandler } from "../../engine/types.js";
import type { TalosClient } from "../../talos/api/client.js";
import { normaliseTalosVersion } from "../../talos/versions.js";
import type { ActionHandlers } from "../../engine/types.js";
import type { ClusterAccess } from "../access.js";
import { upgradeApiFor, upgradeDrainDecision } from "../drain-policy.js";
import { gateHandler } from "../gates.js";
import type { NodeClients } from "../node-clients.js";
import type { BootMatch } from "../../kube/index.js";
import { drainStep, nodeBackStep, releaseCordon } from "../node-drain.js";
import { bootId, installedRecords, nodeVersion, recordInstalled } from "../observe.js";
import { brief, sleep, withTimeout } from "../support.js";
import { tcpAccepts } from "../../net/tcp-probe.js";

interface UpgradeParams {
  node: string;
  role: "controlplane" | "worker";
  image: string;
  version: string;
  schematicId: string;
  /** Bound on cairn's drain before the upgrade (default 5 min), where cairn drains. */
  drainTimeoutMs?: number;
}

/** The node came back on its previous version: the new image did not boot and Talos fell back (A/B). */
class UpgradeRolledBackError extends CairnError {
  constructor(
    readonly node: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(
      "upgrade-rolled-back",
      `${node} came back on ${from} instead of ${to}: the new image did not boot and Talos rolled back to the previous one (A/B)`,
      {
        hint: `the upgrade halted here and no other node was touched; check \`cairn talos dmesg -n ${node}\` and the installer image, then run the upgrade again`,
      },
    );
    this.name = "UpgradeRolledBackError";
  }
}

class UpgradeRejectedError extends CairnError {
  constructor(node: string, message: string) {
    super("upgrade-rejected", `${node} refused the upgrade: ${message}`);
    this.name = "UpgradeRejectedError";
  }
}

export interface UpgradeHandlerOptions {
  /** Poll interval while the node reboots. */
  pollMs?: number;
  /** Bound on each poll call. */
  callTimeoutMs?: number;
  /** A node still on its old boot this long after the upgrade was (maybe) sent gets it again. */
  resendAfterMs?: number;
  /** The pre-flight's open clients: a node's upgrade starts on its connection instead of opening one. */
  clients?: NodeClients;
}

interface Observation {
  version: string;
  bootId: string | undefined;
  stage: string;
  ready: boolean;
}

async function observe(client: TalosClient, timeoutMs: number): Promise<Observation> {
  // One round trip: the three reads in parallel (this runs every poll while a node reboots).
  const [version, boot, status] = await Promise.all([
    nodeVersion(client, timeoutMs),
    bootId(client, timeoutMs),
    withTimeout(client.machineStatus(), timeoutMs, "MachineStatus"),
  ]);
  return {
    version,
    bootId: boot,
    stage: status.spec?.stage ?? "unknown",
    ready: status.spec?.status?.ready ?? false,
  };
}

/** What the journal holds about an upgrade that was started: the boot before it, the version it ran, the API. */
interface Sent {
  bootId?: string;
  from: string;
  api?: "lifecycle" | "legacy";
}

function upgradeHandler(access: ClusterAccess, options: UpgradeHandlerOptions = {}): ActionHandler {
  // Short: a refused connection costs about a millisecond, and every poll of lag is paid once per node.
  const pollMs = options.pollMs ?? 50;
  const probeMs = Math.min(pollMs, 20);
  const callTimeoutMs = options.callTimeoutMs ?? 3000;
  // How long a node may keep running its old boot after an upgrade cairn may have sent before cairn concludes the
  // call never arrived and sends it again (Talos turns to stage "upgrading" as soon as it takes the call).
  const resendAfterMs = options.resendAfterMs ?? (access.simulated ? 2_000 : 20_000);
  return async (action, ctx) => {
    const p = action.params as unknown as UpgradeParams;
    const to = normaliseTalosVersion(p.version) ?? p.version;
    const kept = await options.clients?.take(p.node);
    let client = kept ?? (await access.nodeClient(p.node));
    const endpoint = client.transport.endpoints[0]!;
    // A fresh channel after a failed poll: grpc's own reconnect backoff would add seconds after each reboot.
    const fresh = async (): Promise<void> => {
      client.close();
      client = await access.nodeClient(p.node);
    };
    /**
     * The upgrade itself, in journalled steps: the lifecycle API (1.13+) installs into the other A/B slot and the
     * reboot is a call of its own; the legacy call installs and reboots in one.
     */
    const send = async (sent: Sent): Promise<void> => {
      if (sent.api === "legacy") {
        const [r] = await client.upgrade(p.image, { legacy: true }, undefined);
        if (!r?.ok) throw new UpgradeRejectedError(p.node, r?.error?.message ?? "no reply");
        return;
      }
      if (!ctx.journal.get("installed")) {
        const [r] = await client.upgrade(p.image, { noReboot: true }, undefined);
        if (!r?.ok) throw new UpgradeRejectedError(p.node, r?.error?.message ?? "no reply");
        ctx.journal.note("installed", true);
      }
      ctx.journal.note("reboot", new Date().toISOString());
      const [rb] = await client.reboot("DEFAULT");
      if (rb && !rb.ok)
        throw new UpgradeRejectedError(p.node, `reboot after the install: ${rb.error.message}`);
    };
    let cordoned = false;
    // The Kubernetes wait starts as the node comes back and runs alongside Talos' readiness: the Node of the new
    // boot (its kubelet posts its boot ID) turns Ready while the machine finishes booting, not after.
    let talosDone!: { resolve: (boot: string | undefined) => void; reject: (e: unknown) => void };
    const talosReady = new Promise<string | undefined>(
      (resolve, reject) => (talosDone = { resolve, reject }),
    );
    talosReady.catch(() => undefined);
    let kubeBack: Promise<void> | undefined;
    const kubeStop = new AbortController();
    const watchKubernetes = (boot: BootMatch): void => {
      if (kubeBack) return;
      const signal = AbortSignal.any([ctx.signal, kubeStop.signal]);
      kubeBack = nodeBackStep(access, { ...ctx, signal }, p.node, { boot, alongside: talosReady });
      kubeBack.catch(() => undefined);
    };
    try {
      let sent = (ctx.journal.get("sent") ?? undefined) as Sent | undefined;
      if (!sent) {
        // A kept connection may have gone stale since the pre-flight: once more on a fresh one then.
        const now = await observe(client, callTimeoutMs).catch(async (e: unknown) => {
          if (!kept) throw e;
          await fresh();
          return observe(client, callTimeoutMs);
        });
        const installed = installedRecords(access)[p.node];
        const onTarget = normaliseTalosVersion(now.version) === to;
        if (onTarget && (!installed || installed.version !== to || installed.schematicId === p.schematicId)) {
          // Already there (an earlier run, or by hand): nothing to do but record it.
          if (!installed || installed.image !== p.image)
            recordInstalled(access, p.node, {
              version: to,
              image: p.image,
              schematicId: p.schematicId,
              at: new Date().toISOString(),
            });
          ctx.progress(`already on ${to}`);
          // An earlier run may have left it cordoned: back in Kubernetes, then uncordoned.
          await nodeBackStep(access, ctx, p.node);
          return;
        }
        // The lifecycle API exists from 1.13; older nodes get the legacy call straight away.
        const api = upgradeApiFor(now.version);
        // Kubernetes first, where Talos' own sequence does not drain (never both).
        const drain = upgradeDrainDecision(now.version, api);
        ctx.progress(drain.why);
        if (drain.cairnDrains) {
          await drainStep(access, ctx, p.node, {
            ...(p.drainTimeoutMs ? { timeoutMs: p.drainTimeoutMs } : {}),
            onBlocked: "was not upgraded",
          });
          cordoned = true;
        }
        sent = { ...(now.bootId ? { bootId: now.bootId } : {}), from: now.version, api };
        ctx.journal.note("sent", sent);
        ctx.progress(`upgrading ${now.version} → ${to}`);
        await send(sent);
      } else {
        ctx.progress(
          `resuming the upgrade started earlier (${sent.from} → ${to}): asking ${p.node} how far it got`,
        );
        cordoned = upgradeDrainDecision(sent.from, sent.api ?? upgradeApiFor(sent.from)).cairnDrains;
      }

      // Wait for the reboot: a new boot ID (or, without one, having seen the node go down), then ready. A node that
      // keeps running its old boot did not get (all of) the upgrade: an earlier run died before its call arrived.
      let sawDown = false;
      let backOnBoot: string | undefined;
      let last = "";
      let sameBootSince: number | undefined;
      for (;;) {
        if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error("aborted");
        let o: Observation | undefined;
        try {
          o = await observe(client, callTimeoutMs);
        } catch (e) {
          sawDown = true;
          sameBootSince = undefined;
          const why = `rebooting (${brief(e)})`;
          if (why !== last) ctx.progress((last = why));
          // While the port refuses, a TCP probe watches it (see tcp-probe.ts); the new client comes once it
          // accepts, and looks at once: the lag after a reboot is paid by every node in series.
          client.close();
          let waited = false;
          while (!(await tcpAccepts(endpoint, callTimeoutMs))) {
            waited = true;
            await sleep(probeMs, ctx.signal);
          }
          client = await access.nodeClient(p.node);
          if (waited) {
            // Coming back: Kubernetes is looked at alongside the first look at the machine, for any kubelet but
            // the one of the boot before the upgrade (the new boot's ID is not known yet).
            if (sent.bootId) watchKubernetes({ not: sent.bootId });
            continue;
          }
        }
        if (o) {
          if (o.stage !== "running") sawDown = true;
          const rebooted = sent.bootId && o.bootId ? o.bootId !== sent.bootId : sawDown;
          if (rebooted && sent.bootId && o.bootId) watchKubernetes({ id: o.bootId });
          if (rebooted && o.stage === "running") {
            const back = normaliseTalosVersion(o.version) ?? o.version;
            if (back !== to) {
              // Forget the sent upgrade: running the upgrade again (after a fix) must send it again, not re-report.
              ctx.journal.note("sent", null);
              ctx.journal.note("installed", null);
              if (normaliseTalosVersion(sent.from) === back)
                throw new UpgradeRolledBackError(p.node, back, to);
              throw new CairnError("upgrade-version", `${p.node} came back on ${back}, expected ${to}`);
            }
            if (o.ready) {
              backOnBoot = o.bootId;
              break;
            }
            const why = `on ${back}, waiting for ready`;
            if (why !== last) ctx.progress((last = why));
          } else if (!rebooted && o.stage === "running") {
            sameBootSince ??= Date.now();
            if (Date.now() - sameBootSince >= resendAfterMs) {
              ctx.progress(
                `${p.node} still runs ${o.version} on the same boot: the upgrade did not reach it; sending it again`,
              );
              await send(sent);
              sameBootSince = undefined;
            }
          } else {
            sameBootSince = undefined;
            const why = `stage ${o.stage}`;
            if (why !== last) ctx.progress((last = why));
          }
        }
        await sleep(pollMs, ctx.signal);
      }
      recordInstalled(access, p.node, {
        version: to,
        image: p.image,
        schematicId: p.schematicId,
        at: new Date().toISOString(),
      });
      ctx.progress(`running ${to}, ready`);
      // And back in Kubernetes (Ready as posted by the kubelet of the boot it is back on, the CNI's pod), then
      // uncordoned: a wait begun on an earlier boot's kubelet goes on for this boot's (see nodeBackStep).
      talosDone.resolve(backOnBoot);
      await (kubeBack ?? nodeBackStep(access, ctx, p.node, backOnBoot ? { boot: { id: backOnBoot } } : {}));
    } catch (e) {
      talosDone.reject(e);
      kubeStop.abort();
      // A node cairn cordoned and could not upgrade takes pods again; the failure is still the upgrade's.
      if (cordoned) await releaseCordon(access, ctx, p.node);
      throw e;
    } finally {
      client.close();
    }
  };
}

/** The handlers of a rolling Talos upgrade: each node's upgrade, and the etcd gate after each control plane. */
export function upgradeHandlers(access: ClusterAccess, options: UpgradeHandlerOptions = {}): ActionHandlers {
  return { upgrade: upgradeHandler(access, options), gate: gateHandler(access) };
}
