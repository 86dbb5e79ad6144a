// `cairn apply` (and `cairn plan`): observe the machines through their provider, build the plan from the spec's
// artefacts, cairn's record and the last-applied configs, and — once every node runs — merge in the spec-driven
// rolling upgrade (which observes the nodes' running versions), after the config changes' prerequisites and
// before the health gate. Building the plan reads only; the record changes once the operation runs.
import { rmSync } from "node:fs";
import type { ClusterAccess } from "../access.js";
import type { PreparedOperation } from "../operation.js";
import type { ScaleOptions } from "../scale/plan.js";
import { emptyState, readAppliedConfig, type CairnState } from "../state.js";
import { UPGRADE_SECTION } from "../observe.js";
import { applyHandlers } from "./handlers.js";
import { buildApplyPlan, healthGate, membership, mergeUpgrade } from "./plan.js";

export interface PreparedApply extends PreparedOperation {
  /** The provider's observation, in one line ("no twin is running: apply starts one …"). */
  observed: string;
}

export async function buildApply(access: ClusterAccess, options: ScaleOptions = {}): Promise<PreparedApply> {
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
  const { joining, leaving } = membership(model, state);
  const provider = access.target.plan({ observed, joining, leaving });
  const plan = buildApplyPlan({
    model,
    state,
    configs,
    applied,
    simulated: access.simulated,
    provider,
    options,
  });
  const handlers = { ...applyHandlers(access) };
  // Machines are made in parallel when the provider can (creates wait on the cloud, not on cairn).
  let concurrency = Math.max(4, provider.concurrency ?? 0);
  let recordUpgrade = (): void => undefined;
  let afterRun: PreparedOperation["afterRun"];

  const allRunning =
    !observed.fresh && model.nodes.every((n) => state.nodes[n.name]?.stage === "running") && state.bootstrap;
  if (allRunning && plan.blockers.length === 0) {
    const { buildTalosUpgradePlan } = await import("../upgrade-talos/run.js");
    const { upgradeConcurrency } = await import("../upgrade-talos/plan.js");
    const { upgradeHandlers } = await import("../upgrade-talos/handlers.js");
    const up = await buildTalosUpgradePlan(access, {});
    if (up.plan.actions.length > 0 || up.plan.blockers.length > 0) {
      plan.actions = mergeUpgrade(plan.actions, up.plan.actions, healthGate(model, access.simulated));
      plan.blockers.push(...up.plan.blockers);
      plan.warnings.push(...up.plan.warnings);
      concurrency = Math.max(concurrency, upgradeConcurrency(up.plan));
      Object.assign(handlers, upgradeHandlers(access));
      const planned = up.plan.actions.filter((a) => a.kind === "upgrade").map((a) => a.node!);
      recordUpgrade = () =>
        access.stateSection.set(UPGRADE_SECTION, {
          to: up.to,
          nodes: [...new Set([...up.resumeNodes, ...planned])],
          startedAt: new Date().toISOString(),
        });
      afterRun = (result) => {
        if (result.ok) access.stateSection.set(UPGRADE_SECTION, undefined);
      };
    }
  }
  return {
    plan,
    handlers,
    concurrency,
    observed: observed.summary,
    async beforeRun() {
      const notices = await access.target.prepare(observed);
      if (observed.fresh) forgetRecord(access);
      recordUpgrade();
      return notices;
    },
    ...(afterRun ? { afterRun } : {}),
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
