// `cairn apply` (and `cairn plan`): observe the machines through their provider and what every running node
// reports (the config it runs, its Talos version), build the plan from the spec's artefacts against those reports
// (cairn's record is only the fallback for a node that does not answer), and — once every node runs — merge in
// the version changes: the spec-driven rolling Talos upgrade (each node's config change right after its own
// upgrade) and any Kubernetes change through the Kubernetes upgrade path, never as a plain config change. Nothing
// moves backwards unless a flag asks for it. Building the plan reads only; the record changes once it runs.
import { rmSync } from "node:fs";
import { readJournal } from "../../engine/journal.js";
import type { Action, Plan } from "../../engine/types.js";
import type { ClusterAccess } from "../access.js";
import { KUBERNETES_SECTION, recordKubernetes } from "../kubernetes-pin.js";
import { observeConfigs, reportOf, type Reported } from "../observe-configs.js";
import type { PreparedOperation } from "../operation.js";
import { extractChanges, sequence, weaveAfterUpgrades } from "../plan-weave.js";
import type { ScaleOptions } from "../scale/plan.js";
import { emptyState, readAppliedConfig, type CairnState } from "../state.js";
import { UPGRADE_SECTION } from "../observe.js";
import {
  componentVersions,
  planKubernetesUpgrade,
  type ObservedK8sNode,
} from "../upgrade-kubernetes/plan.js";
import { kubernetesSupported, talosMinor } from "../../talos/versions.js";
import { applyHandlers } from "./handlers.js";
import { buildApplyPlan, closingActions, membership, mergeUpgrade } from "./plan.js";

export interface ApplyOptions extends ScaleOptions {
  /** Each wait of the apply (a node answering, booting, etcd, the API, the health gate) at most this long. */
  waitTimeoutMs?: number;
  /** Let a spec that names an older Talos release move the nodes back (--allow-talos-downgrade). */
  allowTalosDowngrade?: boolean;
  /** Let a spec that names an older Kubernetes move the nodes back (--allow-kubernetes-downgrade). */
  allowKubernetesDowngrade?: boolean;
}

export interface PreparedApply extends PreparedOperation {
  /** The provider's observation, in one line ("no twin is running: apply starts one …"). */
  observed: string;
}

/** cairn's own waiting steps, which `apply --timeout` bounds (a provider's steps and a node's upgrade keep theirs). */
const WAITS = new Set([
  "apply-config",
  "wait-secure",
  "bootstrap",
  "wait-etcd",
  "wait-kubernetes",
  "fetch-kubeconfig",
  "health-gate",
  "reset",
  "etcd-remove-member",
  "gate",
  "upgrade-kubernetes",
  "wait-rollout",
]);

function withWaitTimeout(actions: readonly Action[], ms: number | undefined): Action[] {
  if (ms === undefined) return [...actions];
  return actions.map((a) => (WAITS.has(a.kind) ? { ...a, timeoutMs: ms } : a));
}

/** The Kubernetes components each node runs, from its report (what `upgrade kubernetes` observes). */
function kubernetesObserved(access: ClusterAccess, reported: Reported): ObservedK8sNode[] {
  return access.model.nodes.map((n) => {
    const r = reportOf(reported, n.name);
    const down = reported[n.name];
    return r
      ? {
          name: n.name,
          reachable: true,
          talosVersion: r.talosVersion,
          components: componentVersions(r.config),
        }
      : {
          name: n.name,
          reachable: false,
          ...(down && "unreachable" in down ? { error: down.unreachable } : {}),
        };
  });
}

export async function buildApply(access: ClusterAccess, options: ApplyOptions = {}): Promise<PreparedApply> {
  const { model } = access;
  const observed = await access.target.observe();
  const recorded = access.readState();
  // The machines' previous life is gone (a stopped twin): plan a fresh cluster, forget the record when it runs.
  const state: CairnState = observed.fresh
    ? { ...emptyState(model.name, access.simulated), providers: recorded.providers ?? {} }
    : recorded;
  const configs: Record<string, string> = {};
  const applied: Record<string, string | undefined> = {};
  for (const n of model.nodes) {
    configs[n.name] = access.config(n.name)?.text ?? "";
    applied[n.name] = observed.fresh ? undefined : readAppliedConfig(access.paths.applied, n.name);
  }
  const running = model.nodes.filter((n) => state.nodes[n.name]?.stage === "running").map((n) => n.name);
  const reported = running.length > 0 ? await observeConfigs(access, running) : {};
  const { joining, leaving } = membership(model, state);
  const provider = access.target.plan({ observed, joining, leaving });
  const plan = buildApplyPlan({
    model,
    state,
    configs,
    applied,
    reported,
    simulated: access.simulated,
    provider,
    options,
  });
  const handlers = { ...applyHandlers(access) };
  // Machines are made in parallel when the provider can (creates wait on the cloud, not on cairn).
  let concurrency = Math.max(4, provider.concurrency ?? 0);
  let recordUpgrade = (): void => undefined;
  let upgrading = false;

  const allRunning =
    !observed.fresh && model.nodes.every((n) => state.nodes[n.name]?.stage === "running") && state.bootstrap;
  if (allRunning && plan.blockers.length === 0) {
    const versions = await versionChanges(access, plan, reported, options, configs);
    plan.blockers.push(...versions.blockers);
    plan.warnings.push(...versions.warnings);
    if (versions.actions.length > 0 && versions.blockers.length === 0) {
      plan.actions = versions.actions;
      concurrency = Math.max(concurrency, ...versions.actions.map((a) => a.group?.limit ?? 1));
      const { upgradeHandlers } = await import("../upgrade-talos/handlers.js");
      const { upgradeKubernetesHandler } = await import("../upgrade-kubernetes/handlers.js");
      Object.assign(handlers, upgradeHandlers(access), {
        "upgrade-kubernetes": upgradeKubernetesHandler(access),
      });
      if (versions.talos) {
        const up = versions.talos;
        upgrading = true;
        recordUpgrade = () =>
          access.stateSection.set(UPGRADE_SECTION, {
            to: up.to,
            nodes: [...new Set([...up.resumeNodes, ...up.planned])],
            startedAt: new Date().toISOString(),
          });
      }
    }
  }
  // The last apply stopped in its closing checks (a rollout failed, the gate timed out) with nothing else left to
  // change: this run finishes those checks instead of saying there is nothing to do.
  if (
    plan.actions.length === 0 &&
    plan.blockers.length === 0 &&
    !observed.fresh &&
    lastApplyUnfinished(access)
  )
    plan.actions = closingActions(model, access.simulated, configs, []);
  plan.actions = withWaitTimeout(plan.actions, options.waitTimeoutMs);
  return {
    plan,
    handlers,
    concurrency,
    observed: observed.summary,
    async beforeRun() {
      const notices = await access.target.prepare(observed);
      if (observed.fresh) forgetRecord(access);
      // The Kubernetes the cluster is built with is what an unpinned spec keeps from now on.
      if (access.readState()[KUBERNETES_SECTION] === undefined)
        recordKubernetes(access.updateState, model.kubernetesVersion, "apply");
      recordUpgrade();
      return notices;
    },
    afterRun(result) {
      if (!result.ok) return;
      if (upgrading) access.stateSection.set(UPGRADE_SECTION, undefined);
      recordKubernetes(access.updateState, model.kubernetesVersion, "apply");
    },
  };
}

/**
 * The spec's version changes as actions merged into the apply plan: the rolling Talos upgrade, with each upgraded
 * node's config change woven right after its own upgrade (a new contract is only sent to a node that runs the
 * release that knows it), and a Kubernetes change planned as `upgrade kubernetes` plans it. Kubernetes goes first
 * when the target fits the Talos the nodes run now (then no config step moves an image), else after the Talos
 * upgrade, and then the config changes wait for both.
 */
async function versionChanges(
  access: ClusterAccess,
  plan: Plan,
  reported: Reported,
  options: ApplyOptions,
  configs: Record<string, string>,
): Promise<{
  actions: Action[];
  blockers: string[];
  warnings: string[];
  talos?: { to: string; resumeNodes: string[]; planned: string[] };
}> {
  const { model } = access;
  const { buildTalosUpgradePlan } = await import("../upgrade-talos/run.js");
  const up = await buildTalosUpgradePlan(access, {
    ...(options.allowTalosDowngrade ? { allowDowngrade: true } : {}),
    ...(options.drainTimeoutMs ? { drainTimeoutMs: options.drainTimeoutMs } : {}),
    downgradeFlag: "--allow-talos-downgrade",
  });
  const talosActions = up.plan.actions;
  const k8sOptions = {
    to: model.kubernetesVersion,
    fromSpec: true,
    downgradeFlag: "--allow-kubernetes-downgrade",
    ...(options.allowKubernetesDowngrade ? { allowDowngrade: true } : {}),
  };
  const k8sObserved = kubernetesObserved(access, reported);
  const k8sNow = planKubernetesUpgrade(model, k8sObserved, k8sOptions);
  let k8s = k8sNow;
  let k8sFirst = true;
  if (k8sNow.actions.length > 0 && k8sNow.blockers.length > 0 && talosActions.length > 0) {
    // Not within the running Talos' window: it may be within the target's, after the Talos upgrade.
    const after = planKubernetesUpgrade(model, k8sObserved, { ...k8sOptions, talosVersion: up.to });
    if (after.blockers.length === 0) {
      k8s = after;
      k8sFirst = false;
    }
  }
  // An unreachable node is the Talos plan's finding already; the Kubernetes plan speaks only when it has work.
  const blockers = [...up.plan.blockers, ...(k8s.actions.length > 0 ? k8s.blockers : [])];
  const warnings = [...up.plan.warnings, ...k8s.warnings];
  if (!k8sFirst) {
    // Talos first: the Kubernetes the nodes run now must be one the target release supports.
    const target = talosMinor(up.to);
    const now = k8sObserved.map((o) => o.components?.apiServer).filter((v): v is string => !!v);
    const outside = now.find((v) => target && !kubernetesSupported(target, v));
    if (target && outside)
      blockers.push(
        `Talos ${up.to} supports Kubernetes ${target.kubernetesMin}–${target.kubernetesMax} and the cluster runs ${outside}, ` +
          `while Kubernetes ${model.kubernetesVersion} needs a newer Talos than the nodes run: change one version at a time`,
      );
  }
  if (talosActions.length === 0 && k8s.actions.length === 0)
    return { actions: plan.actions, blockers, warnings };

  const upgraded = new Set(talosActions.filter((a) => a.kind === "upgrade").map((a) => a.node!));
  // Woven only when Kubernetes is not still to move: a config step then carries no image change.
  const { rest, steps } = k8sFirst
    ? extractChanges(plan.actions, upgraded)
    : { rest: plan.actions, steps: {} };
  const talos = weaveAfterUpgrades(talosActions, steps);
  const versions = k8sFirst ? sequence(k8s.actions, talos) : sequence(talos, k8s.actions);
  return {
    actions: mergeUpgrade(rest, versions, closingActions(model, access.simulated, configs, [])),
    blockers,
    warnings,
    ...(talosActions.length > 0
      ? { talos: { to: up.to, resumeNodes: up.resumeNodes, planned: [...upgraded] } }
      : {}),
  };
}

/** The machines are new (a restarted twin): cairn's record of the old ones and their journal go. */
function forgetRecord(access: ClusterAccess): void {
  access.updateState((s) => {
    s.nodes = {};
    s.bootstrap = null;
    s.bootstrapIntent = null;
    delete s.kubeconfigFetchedAt;
    delete s[UPGRADE_SECTION];
  });
  rmSync(access.paths.applied, { recursive: true, force: true });
  rmSync(access.paths.journal, { force: true });
}

/** The journal's last run is an apply that did not finish. */
function lastApplyUnfinished(access: ClusterAccess): boolean {
  const last = readJournal(access.paths.journal).runs.at(-1);
  return last !== undefined && last.operation === "apply" && !last.finished;
}
