// Rollout status of Deployments, DaemonSets and Flux HelmReleases, computed the way `kubectl rollout status` and
// Flux's kstatus read them, plus the reason a stuck rollout is stuck (its pods' waiting reasons), so a failed
// apply can name the add-on and why.
import type { KubeClient } from "./client.js";
import { isNotFound, KubeRolloutFailed } from "./errors.js";
import { condition, enc, matchLabelsQuery, nameOf, o, podProblem, type Obj } from "./objects.js";
import type { CheckResult } from "./readiness.js";
import { waitUntil, type WaitOptions } from "./wait.js";

export type WorkloadKind = "Deployment" | "DaemonSet" | "HelmRelease";

export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

/**
 * A workload an apply waits for after it changed the cluster, and who deploys it: Talos' bootstrap manifests, an
 * inline manifest of the machine config, or an add-on.
 */
export interface RolloutTarget extends WorkloadRef {
  /** "Talos", "inline manifest <name>", or the add-on's name: what a failure names first. */
  owner: string;
  /** Its pods need the pod network, so it cannot roll out before a CNI runs (then it is said, not awaited). */
  needsCni: boolean;
  /** It is the CNI itself. */
  cni?: boolean;
  /** Flux deploys it from the GitOps tree: not awaited (but said) while Flux has not applied the tree. */
  flux?: boolean;
}

export interface RolloutStatus {
  ref: WorkloadRef;
  done: boolean;
  /** Failed for good (progress deadline exceeded, Helm install failed, Stalled). */
  failed: boolean;
  message: string;
  /** Pod-level reasons when pods are not ready (CrashLoopBackOff …). */
  podProblems: string[];
}

const label = (r: WorkloadRef): string => `${r.kind.toLowerCase()}/${r.namespace}/${r.name}`;

const PATHS: Record<WorkloadKind, (ns: string, name: string) => string> = {
  Deployment: (ns, n) => `/apis/apps/v1/namespaces/${enc(ns)}/deployments/${enc(n)}`,
  DaemonSet: (ns, n) => `/apis/apps/v1/namespaces/${enc(ns)}/daemonsets/${enc(n)}`,
  HelmRelease: (ns, n) => `/apis/helm.toolkit.fluxcd.io/v2/namespaces/${enc(ns)}/helmreleases/${enc(n)}`,
};

/** kubectl's DeploymentStatusViewer, as a pure function of the object. */
export function deploymentStatus(d: Obj): { done: boolean; failed: boolean; message: string } {
  const spec = o(d.spec);
  const st = o(d.status);
  const name = nameOf(d);
  const gen = Number(o(d.metadata).generation ?? 0);
  if (gen > Number(st.observedGeneration ?? 0))
    return {
      done: false,
      failed: false,
      message: `waiting for deployment "${name}" spec update to be observed`,
    };
  const progressing = condition(d, "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded")
    return { done: false, failed: true, message: `deployment "${name}" exceeded its progress deadline` };
  const replicas = Number(spec.replicas ?? 1);
  const updated = Number(st.updatedReplicas ?? 0);
  const total = Number(st.replicas ?? 0);
  const available = Number(st.availableReplicas ?? 0);
  if (updated < replicas)
    return {
      done: false,
      failed: false,
      message: `${updated} out of ${replicas} new replicas have been updated`,
    };
  if (total > updated)
    return { done: false, failed: false, message: `${total - updated} old replicas are pending termination` };
  if (available < updated)
    return {
      done: false,
      failed: false,
      message: `${available} of ${updated} updated replicas are available`,
    };
  return { done: true, failed: false, message: `deployment "${name}" successfully rolled out` };
}

/** kubectl's DaemonSetStatusViewer. */
export function daemonSetStatus(ds: Obj): { done: boolean; failed: boolean; message: string } {
  const st = o(ds.status);
  const name = nameOf(ds);
  if (Number(o(ds.metadata).generation ?? 0) > Number(st.observedGeneration ?? 0))
    return {
      done: false,
      failed: false,
      message: `waiting for daemon set "${name}" spec update to be observed`,
    };
  const desired = Number(st.desiredNumberScheduled ?? 0);
  const updated = Number(st.updatedNumberScheduled ?? 0);
  const available = Number(st.numberAvailable ?? 0);
  if (updated < desired)
    return { done: false, failed: false, message: `${updated} out of ${desired} new pods have been updated` };
  if (available < desired)
    return { done: false, failed: false, message: `${available} of ${desired} updated pods are available` };
  return { done: true, failed: false, message: `daemon set "${name}" successfully rolled out` };
}

/** A Flux HelmRelease: Ready=True at the current generation; Stalled or a failure reason is final. */
export function helmReleaseStatus(hr: Obj): { done: boolean; failed: boolean; message: string } {
  const name = nameOf(hr);
  const ready = condition(hr, "Ready");
  const stalled = condition(hr, "Stalled");
  const gen = Number(o(hr.metadata).generation ?? 0);
  const observed = Number(o(hr.status).observedGeneration ?? ready?.observedGeneration ?? 0);
  if (stalled?.status === "True")
    return {
      done: false,
      failed: true,
      message: `helmrelease "${name}" stalled: ${stalled.reason ?? ""} ${stalled.message ?? ""}`.trim(),
    };
  if (!ready)
    return { done: false, failed: false, message: `helmrelease "${name}" has no Ready condition yet` };
  if (ready.status === "True" && observed >= gen)
    return {
      done: true,
      failed: false,
      message: `helmrelease "${name}" is Ready: ${ready.message ?? ""}`.trim(),
    };
  const finalReasons = [
    "InstallFailed",
    "UpgradeFailed",
    "ArtifactFailed",
    "InitFailed",
    "ChartLoadFailed",
    "RollbackFailed",
    "UninstallFailed",
  ];
  return {
    done: false,
    failed: ready.status === "False" && finalReasons.includes(ready.reason ?? ""),
    message: `helmrelease "${name}" not Ready: ${ready.reason ?? ""}${ready.message ? ` — ${ready.message}` : ""}`,
  };
}

async function podProblemsOf(client: KubeClient, ns: string, selector: unknown): Promise<string[]> {
  const q = matchLabelsQuery(selector);
  if (!q) return [];
  const { items } = await client.list(`/api/v1/namespaces/${enc(ns)}/pods`, { labelSelector: q });
  return items.flatMap((p) => {
    const why = podProblem(p);
    return why
      ? [`pod ${nameOf(p)}${o(p.spec).nodeName ? ` on ${String(o(p.spec).nodeName)}` : ""}: ${why}`]
      : [];
  });
}

/** Pod waiting reasons that more waiting will not cure on its own within a rollout. */
const FATAL_POD_REASONS = [
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "InvalidImageName",
  "CreateContainerConfigError",
];

export async function rolloutStatus(client: KubeClient, ref: WorkloadRef): Promise<RolloutStatus> {
  const obj = await client.get(PATHS[ref.kind](ref.namespace, ref.name));
  const s =
    ref.kind === "Deployment"
      ? deploymentStatus(obj)
      : ref.kind === "DaemonSet"
        ? daemonSetStatus(obj)
        : helmReleaseStatus(obj);
  const podProblems =
    s.done || ref.kind === "HelmRelease"
      ? []
      : await podProblemsOf(client, ref.namespace, o(obj.spec).selector);
  return { ref, ...s, podProblems };
}

/**
 * Waits for a rollout; throws KubeRolloutFailed (naming the workload and why) when it fails for good or its pods
 * sit in a fatal state past `fatalAfterMs` (default 10 s), KubeTimeout when time runs out.
 */
export async function waitForRollout(
  client: KubeClient,
  ref: WorkloadRef,
  options: WaitOptions & { fatalAfterMs?: number },
): Promise<RolloutStatus> {
  let last: RolloutStatus | undefined;
  let fatalSince: number | undefined;
  await waitUntil(
    `rollout of ${label(ref)}`,
    async (): Promise<CheckResult> => {
      last = await rolloutStatus(client, ref);
      if (last.failed)
        throw new KubeRolloutFailed(label(ref), [last.message, ...last.podProblems].join("; "));
      const fatal = last.podProblems.filter((p) => FATAL_POD_REASONS.some((r) => p.includes(`: ${r}`)));
      if (fatal.length && !last.done) {
        fatalSince ??= Date.now();
        if (Date.now() - fatalSince >= (options.fatalAfterMs ?? 10_000))
          throw new KubeRolloutFailed(label(ref), fatal.join("; "));
      } else fatalSince = undefined;
      return {
        name: label(ref),
        ok: last.done,
        detail: last.message,
        waitingFor: last.done ? [] : [last.message, ...last.podProblems],
      };
    },
    options,
  );
  return last!;
}

/** The Kustomization `flux bootstrap` (and cairn's bootstrap Job) creates to apply the cluster's GitOps tree. */
const FLUX_SYNC_PATH =
  "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/flux-system";

/**
 * Has Flux applied the GitOps tree? Ready=True on its sync Kustomization; otherwise why not (absent: Flux or its
 * sync not installed; not Ready: its message, e.g. the repository has no such path yet).
 */
export async function fluxSyncStatus(client: KubeClient): Promise<{ applied: boolean; message: string }> {
  let k: Obj;
  try {
    k = await client.request<Obj>("GET", FLUX_SYNC_PATH);
  } catch (e) {
    if (isNotFound(e))
      return {
        applied: false,
        message: "Flux's sync (Kustomization flux-system/flux-system) does not exist",
      };
    throw e;
  }
  const ready = condition(k, "Ready");
  if (ready?.status === "True") return { applied: true, message: ready.message ?? "applied" };
  return {
    applied: false,
    message: `Kustomization flux-system/flux-system is not Ready${ready ? `: ${ready.reason ?? ""} ${ready.message ?? ""}`.trimEnd() : " yet"}`,
  };
}
