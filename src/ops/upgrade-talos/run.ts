// `cairn upgrade talos`: observe, plan, record the in-flight upgrade (so an interrupted run rebuilds the same plan
// and the journal resumes it) once the lock is held, run the plan through the engine, and report each node's
// outcome.
import { CairnError } from "../../errors.js";
import { readJournal, resumableRun } from "../../engine/journal.js";
import type { AnyEngineEvent, Plan, RunResult } from "../../engine/types.js";
import { normaliseTalosVersion } from "../../talos/versions.js";
import type { ClusterAccess } from "../access.js";
import { observeCluster, UPGRADE_SECTION, type ObservedCluster, type UpgradeRecord } from "../observe.js";
import { executeOperation, type ExecuteOptions, type PreparedOperation } from "../operation.js";
import { applyConfigHandler } from "../apply/apply-config.js";
import { waitSecureHandler } from "../apply/wait-secure.js";
import { observeConfigs } from "../observe-configs.js";
import { nodeClients, type NodeClients } from "../node-clients.js";
import { weaveAfterUpgrades } from "../plan-weave.js";
import { configSteps } from "./config-steps.js";
import { upgradeHandlers, type UpgradeHandlerOptions } from "./handlers.js";
import { planTalosUpgrade, upgradeConcurrency, type TalosUpgradeOptions } from "./plan.js";

export interface RunTalosUpgradeOptions extends TalosUpgradeOptions, Omit<ExecuteOptions, "writeArtefacts"> {
  onEvent?: (e: AnyEngineEvent) => void;
  signal?: AbortSignal;
  /** Asked before anything changes; false aborts. */
  confirm?: (plan: Plan) => Promise<boolean>;
  handler?: UpgradeHandlerOptions;
}

interface NodeOutcome {
  node: string;
  outcome: "upgraded" | "failed" | "not-started" | "unchanged" | "interrupted";
  error?: string;
}

export interface TalosUpgradeReport {
  to: string;
  plan: Plan;
  observed: ObservedCluster;
  result?: RunResult;
  nodes: NodeOutcome[];
  resumed: boolean;
}

export interface BuildTalosUpgradeOptions extends TalosUpgradeOptions {
  /**
   * Each upgraded node gets the config cairn.yaml gives its new release right after its upgrade (converted across
   * a contract). `cairn upgrade talos` does; apply weaves its own config changes in instead.
   */
  withConfigSteps?: boolean;
  /** One connection per node for the pre-flight's looks (left open for the upgrade to take over). */
  clients?: NodeClients;
}

/** Builds the upgrade plan from live observations (and an interrupted run's record). */
export async function buildTalosUpgradePlan(
  access: ClusterAccess,
  options: BuildTalosUpgradeOptions,
): Promise<{ plan: Plan; observed: ObservedCluster; to: string; resumeNodes: string[] }> {
  const to =
    normaliseTalosVersion(options.to ?? access.model.talosVersion) ?? options.to ?? access.model.talosVersion;
  const [observed, reported] = await Promise.all([
    observeCluster(access, undefined, options.clients),
    options.withConfigSteps
      ? observeConfigs(
          access,
          access.model.nodes.map((n) => n.name),
          undefined,
          options.clients,
        )
      : {},
  ]);
  const fromSpec = options.fromSpec ?? options.to === undefined;
  const build = (resumeNodes: readonly string[]): Plan => {
    const plan = planTalosUpgrade(access.model, observed, { ...options, to, resumeNodes, fromSpec });
    if (!options.withConfigSteps || plan.blockers.length > 0) return plan;
    const cs = configSteps(access, plan.actions, to, reported);
    return {
      ...plan,
      actions: weaveAfterUpgrades(plan.actions, cs.steps),
      blockers: [...plan.blockers, ...cs.blockers],
      warnings: [...plan.warnings, ...cs.warnings],
    };
  };
  const record = access.stateSection.get(UPGRADE_SECTION) as UpgradeRecord | undefined;
  let resumeNodes = record && record.to === to ? record.nodes : [];
  let plan = build(resumeNodes);
  // The record matters only while the journal holds that plan's unfinished run: a run killed after it finished
  // leaves a record of nodes that need nothing more.
  if (resumeNodes.length > 0 && !resumableRun(readJournal(access.paths.journal), plan)) {
    resumeNodes = [];
    plan = build(resumeNodes);
  }
  return { plan, observed, to, resumeNodes };
}

export interface PreparedTalosUpgrade extends PreparedOperation {
  to: string;
  observed: ObservedCluster;
  /** Nodes the plan upgrades. */
  planned: string[];
  resumed: boolean;
}

/** The upgrade as an operation: the plan, its handlers, and the in-flight record made once the lock is held. */
export async function prepareTalosUpgrade(
  access: ClusterAccess,
  options: TalosUpgradeOptions & { handler?: UpgradeHandlerOptions } = {},
): Promise<PreparedTalosUpgrade> {
  // The pre-flight's connections stay open for each node's upgrade to start on (closed with the access otherwise).
  const clients = nodeClients(access);
  access.onClose(() => clients.close());
  const { plan, observed, to, resumeNodes } = await buildTalosUpgradePlan(access, {
    ...options,
    withConfigSteps: true,
    clients,
  });
  const planned = plan.actions.filter((a) => a.kind === "upgrade").map((a) => a.node!);
  if (planned.length > 0 && normaliseTalosVersion(access.model.talosVersion) !== to)
    plan.warnings.push(
      `cairn.yaml says talos.version: ${access.model.talosVersion}: afterwards it should say ${to} (cairn offers to change it, --update-spec does); until then plan and apply refuse to move Talos back`,
    );
  return {
    plan,
    handlers: {
      ...upgradeHandlers(access, { ...options.handler, clients }),
      // Each node's config for its new release, and the wait for it to run healthy on it.
      "apply-config": applyConfigHandler(access),
      "wait-secure": waitSecureHandler(access),
    },
    concurrency: upgradeConcurrency(plan),
    to,
    observed,
    planned,
    resumed: resumeNodes.length > 0,
    beforeRun() {
      const record: UpgradeRecord = {
        to,
        nodes: [...new Set([...resumeNodes, ...planned])],
        startedAt: new Date().toISOString(),
      };
      access.stateSection.set(UPGRADE_SECTION, record);
      return [];
    },
    afterRun(result) {
      clients.close();
      if (result.ok) access.stateSection.set(UPGRADE_SECTION, undefined);
    },
  };
}

/** Each node's outcome after a run (or, without one, the nodes the plan leaves alone). */
export function upgradeReport(
  access: ClusterAccess,
  prepared: PreparedTalosUpgrade,
  result?: RunResult,
): TalosUpgradeReport {
  const nodes: NodeOutcome[] = access.model.nodes
    .filter((n) => !prepared.planned.includes(n.name))
    .map((n) => ({ node: n.name, outcome: "unchanged" as const }));
  if (result) {
    const done = new Set([...result.completed, ...result.resumed]);
    for (const node of prepared.planned) {
      const id = `upgrade:${node}`;
      if (done.has(id)) nodes.push({ node, outcome: "upgraded" });
      else if (result.failed?.id === id) nodes.push({ node, outcome: "failed", error: result.failed.error });
      else if (result.interrupted) nodes.push({ node, outcome: "interrupted" });
      else nodes.push({ node, outcome: "not-started" });
    }
  }
  const order = new Map(access.model.nodes.map((n, i) => [n.name, i]));
  nodes.sort((a, b) => (order.get(a.node) ?? 0) - (order.get(b.node) ?? 0));
  return {
    to: prepared.to,
    plan: prepared.plan,
    observed: prepared.observed,
    nodes,
    resumed: prepared.resumed,
    ...(result ? { result } : {}),
  };
}

/** Refuses a plan with pre-flight findings, before anything changes. */
export function refuseBlockedUpgrade(plan: Plan, to: string): void {
  if (plan.blockers.length > 0)
    throw new CairnError(
      "upgrade-preflight",
      `cannot upgrade to ${to}; pre-flight found:\n  - ${plan.blockers.join("\n  - ")}`,
      { hint: "nothing was changed; fix the findings (or wait for etcd to settle) and run again" },
    );
}

/** Plans, confirms and runs a rolling upgrade in this process (the CLI adds the display and the lock it took). */
export async function runTalosUpgrade(
  access: ClusterAccess,
  options: RunTalosUpgradeOptions,
): Promise<TalosUpgradeReport> {
  const prepared = await prepareTalosUpgrade(access, options);
  refuseBlockedUpgrade(prepared.plan, prepared.to);
  if (prepared.plan.actions.length === 0) return upgradeReport(access, prepared);
  if (options.confirm && !(await options.confirm(prepared.plan)))
    throw new CairnError("aborted", "upgrade not confirmed; nothing was changed");
  const result = await executeOperation(access, prepared, { ...options, writeArtefacts: false });
  return upgradeReport(access, prepared, result);
}
