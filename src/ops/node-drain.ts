// A node's Kubernetes side around a Talos operation: who drains it (per Talos version: cairn only where Talos does
// not, see src/kube/talos-drain.ts), cordon and drain through the Eviction API (PodDisruptionBudgets honoured,
// bounded, with a report of what blocks), and after the reboot waiting until the node is back — Ready as posted by
// the kubelet of its new boot, the CNI's pod on it ready — before uncordoning what cairn cordoned.
import type { ActionContext } from "../engine/types.js";
import { CairnError } from "../errors.js";
import {
  cniDaemonSet,
  drain,
  findCni,
  nodeBackState,
  type BootMatch,
  uncordon,
  type CniDaemonSet,
  type DrainReport,
  type KubeClient,
} from "../kube/index.js";
import type { ClusterAccess } from "./access.js";
import { kubeClientOf, kubeNodeName } from "./kube.js";
import { NO_CNI } from "./kube-checks.js";
import { DRAIN_TIMEOUT_MS } from "./drain-policy.js";
import { errText, sleep } from "./support.js";

/** A drain that did not finish: what blocked, and that cairn left the node as it found it. */
class DrainBlockedError extends CairnError {
  readonly report: DrainReport;
  constructor(report: DrainReport, what: string) {
    super("kube-drain", `${describeBlocked(report)}; ${what}`, {
      hint: "relax the PodDisruptionBudget (or scale the workload up), move or delete the pods named, then run again",
    });
    this.name = "DrainBlockedError";
    this.report = report;
  }
}

function describeBlocked(r: DrainReport): string {
  const items = r.blocked.slice(0, 5).map((b) => `${b.namespace}/${b.name}: ${b.why}`);
  const more = r.blocked.length > 5 ? `; and ${r.blocked.length - 5} more` : "";
  return `drain of ${r.node} blocked after ${Math.round(r.elapsedMs / 1000)}s: ${items.join("; ")}${more}`;
}

function describeDrained(r: DrainReport): string {
  const names = r.evicted.slice(0, 4).map((p) => `${p.namespace}/${p.name}`);
  const evicted = r.evicted.length
    ? `evicted ${r.evicted.length} pod(s) (${names.join(", ")}${r.evicted.length > 4 ? ", …" : ""})`
    : "no pod to evict";
  const stay = r.skipped.length ? `; ${r.skipped.length} DaemonSet/static pod(s) stay` : "";
  return `drained ${r.node}: ${evicted}${stay} in ${(r.elapsedMs / 1000).toFixed(1)}s`;
}

export interface DrainStepOptions {
  timeoutMs?: number;
  /** Go on when the drain is blocked (the report is still shown); otherwise uncordon and throw. */
  force?: boolean;
  /** What the operation does when blocked, for the error ("the node was not upgraded"). */
  onBlocked: string;
}

/**
 * Cordons and drains a spec node (its Node name is its hostname). Without a kubeconfig, or when the node never
 * registered, there is nothing to drain and it says so.
 */
export async function drainStep(
  access: ClusterAccess,
  ctx: ActionContext,
  node: string,
  options: DrainStepOptions,
): Promise<DrainReport | undefined> {
  const client = kubeClientOf(access);
  if (!client) {
    ctx.progress(`no kubeconfig for ${access.model.name}: ${node} not drained`);
    return undefined;
  }
  const name = kubeNodeName(access, node);
  let report: DrainReport;
  try {
    report = await drain(client, name, {
      timeoutMs: options.timeoutMs ?? DRAIN_TIMEOUT_MS,
      pollMs: access.simulated ? 200 : 2000,
      onProgress: (m) => ctx.progress(m),
    });
  } catch (e) {
    if ((e as { status?: number }).status === 404) {
      ctx.progress(`${name} has no Node object: nothing to drain`);
      return undefined;
    }
    throw e;
  }
  if (report.complete) {
    ctx.progress(describeDrained(report));
    return report;
  }
  if (options.force) {
    ctx.progress(`${describeBlocked(report)}; going on (--force)`);
    return report;
  }
  await uncordon(client, name).catch(() => false);
  throw new DrainBlockedError(report, `${name} was uncordoned and ${options.onBlocked}`);
}

const cniCache = new WeakMap<ClusterAccess, { at: number; cni: CniDaemonSet | undefined }>();

/** The CNI DaemonSet, looked up at most every few seconds per access (a wave of nodes asks at once). */
async function cniOf(access: ClusterAccess, client: KubeClient): Promise<CniDaemonSet | undefined> {
  const hit = cniCache.get(access);
  if (hit && Date.now() - hit.at < 5000) return hit.cni;
  const found = await findCni(client);
  const cni = found ? await cniDaemonSet(client, found) : undefined;
  cniCache.set(access, { at: Date.now(), cni });
  return cni;
}

/**
 * Waits until a node is back in Kubernetes after a reboot (see the file comment), then uncordons it if cairn
 * cordoned it. Without a CNI installed a node cannot turn Ready: then it waits only for the kubelet of the new boot
 * to post status, and says so. Bounded by the action's signal. With `alongside`, it may start while the caller still
 * waits for the machine itself (a new boot's kubelet is told apart by its boot ID) and uncordons only after both.
 */
export async function nodeBackStep(
  access: ClusterAccess,
  ctx: ActionContext,
  node: string,
  options: {
    /** The kubelet that counts: of this boot, or of any boot but the one before the reboot. */
    boot?: BootMatch;
    kubeletVersion?: string;
    pollMs?: number;
    /**
     * The caller's own readiness wait running alongside, resolving to the boot the machine is back on. Nothing is
     * uncordoned before it resolves, and a Node posted by another boot's kubelet is waited for again on that boot.
     */
    alongside?: Promise<string | undefined>;
  } = {},
): Promise<void> {
  const client = kubeClientOf(access);
  if (!client) {
    ctx.progress(`no kubeconfig for ${access.model.name}: Kubernetes not checked`);
    return;
  }
  const name = kubeNodeName(access, node);
  const pollMs = options.pollMs ?? (access.simulated ? 50 : 1000);
  let last = "";
  let cni: CniDaemonSet | undefined;
  let cniKnown = false;
  let boot = options.boot;
  let back: { cordonedByCairn: boolean; registeredOnly: boolean; bootId: string } | undefined;
  while (!back) {
    let why: string;
    try {
      if (!cniKnown) {
        cni = await cniOf(access, client);
        cniKnown = true;
      }
      const s = await nodeBackState(client, name, cni, boot, options.kubeletVersion);
      const seen = { cordonedByCairn: s.cordonedByCairn, bootId: s.postedBootId };
      if (s.ready && s.cniReady) back = { ...seen, registeredOnly: false };
      else if (!cni && s.registered && s.currentBoot) back = { ...seen, registeredOnly: true };
      why = s.waiting;
    } catch (e) {
      why = errText(e).split("\n")[0]!;
      cniKnown = false;
    }
    if (back) {
      // A failure of the wait alongside is the caller's, and ends this one too: nothing is uncordoned then.
      const final = await options.alongside;
      if (!final || !back.bootId || back.bootId === final) break;
      // The machine came back on a later boot than the kubelet that posted: wait for that boot's.
      boot = { id: final };
      back = undefined;
      why = "the kubelet has not posted status since the last reboot";
    }
    if (why !== last) ctx.progress((last = `Kubernetes: ${name} ${why}`));
    try {
      await sleep(pollMs, ctx.signal);
    } catch {
      throw new CairnError("kube-timeout", `${name} did not come back in Kubernetes: ${last}`);
    }
  }
  let un = false;
  while (back.cordonedByCairn) {
    try {
      un = await uncordon(client, name);
      break;
    } catch (e) {
      const why = `Kubernetes: ${name} not uncordoned yet (${errText(e).split("\n")[0]})`;
      if (why !== last) ctx.progress((last = why));
      try {
        await sleep(pollMs, ctx.signal);
      } catch {
        throw new CairnError("kube-timeout", `${name} is back but could not be uncordoned: ${last}`);
      }
    }
  }
  ctx.progress(
    back.registeredOnly
      ? `Node ${name} registered by its kubelet; ${NO_CNI}${un ? "; uncordoned" : ""}`
      : `Node ${name} Ready${cni ? `, ${cni.name} pod ready` : ""}${un ? "; uncordoned" : ""}`,
  );
}

/** Best effort after a failed operation: uncordons the node if cairn cordoned it, and says so. Never throws. */
export async function releaseCordon(access: ClusterAccess, ctx: ActionContext, node: string): Promise<void> {
  const client = kubeClientOf(access);
  if (!client) return;
  const name = kubeNodeName(access, node);
  try {
    if (await uncordon(client, name)) ctx.progress(`uncordoned ${name}: the operation on it did not finish`);
  } catch (e) {
    ctx.progress(`could not uncordon ${name} (${errText(e).split("\n")[0]}): \`kubectl uncordon ${name}\``);
  }
}
