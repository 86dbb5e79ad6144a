// `cairn upgrade talos`: observe, plan, record the in-flight upgrade (so an interrupted run rebuilds the same plan
// and the journal resumes it), run the plan through the engine, and report each node's outcome.
import { CairnError } from "../errors.js";
import { runPlan, type AnyEngineEvent, type Plan, type RunResult } from "../engine/run.js";
import { gateHandler } from "./handlers/gate.js";
import { upgradeHandler, type UpgradeHandlerOptions } from "./handlers/upgrade.js";
import { upgradeKubernetesHandler } from "./handlers/upgrade-kubernetes.js";
import { brief, type OpsAccess } from "./upgrade-access.js";
import {
  componentVersions,
  planKubernetesUpgrade,
  type KubernetesUpgradeOptions,
  type ObservedK8sNode,
} from "./upgrade-kubernetes.js";
import {
  nodeVersion,
  observeCluster,
  runningConfig,
  UPGRADE_SECTION,
  type UpgradeRecord,
} from "./upgrade-observe.js";
import {
  normaliseTalosVersion,
  planTalosUpgrade,
  upgradeConcurrency,
  type ObservedCluster,
  type TalosUpgradeOptions,
} from "./upgrade-plan.js";

export interface RunTalosUpgradeOptions extends TalosUpgradeOptions {
  onEvent?: (e: AnyEngineEvent) => void;
  signal?: AbortSignal;
  /** Only build the plan (`--dry-run`, `cairn plan`). */
  dryRun?: boolean;
  /** Asked before anything changes; false aborts. */
  confirm?: (plan: Plan) => Promise<boolean>;
  handler?: UpgradeHandlerOptions;
}

export interface NodeOutcome {
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

/** Builds the upgrade plan from live observations (and an interrupted run's record). */
export async function buildTalosUpgradePlan(
  access: OpsAccess,
  options: TalosUpgradeOptions,
): Promise<{ plan: Plan; observed: ObservedCluster; to: string; resumeNodes: string[] }> {
  const to =
    normaliseTalosVersion(options.to ?? access.model.talosVersion) ?? options.to ?? access.model.talosVersion;
  const observed = await observeCluster(access);
  const record = access.stateSection.get(UPGRADE_SECTION) as UpgradeRecord | undefined;
  const resumeNodes = record && record.to === to ? record.nodes : [];
  const plan = planTalosUpgrade(access.model, observed, { ...options, to, resumeNodes });
  return { plan, observed, to, resumeNodes };
}

export async function runTalosUpgrade(
  access: OpsAccess,
  options: RunTalosUpgradeOptions,
): Promise<TalosUpgradeReport> {
  const { plan, observed, to, resumeNodes } = await buildTalosUpgradePlan(access, options);
  const planned = plan.actions.filter((a) => a.kind === "upgrade").map((a) => a.node!);
  const report: TalosUpgradeReport = {
    to,
    plan,
    observed,
    nodes: access.model.nodes
      .filter((n) => !planned.includes(n.name))
      .map((n) => ({ node: n.name, outcome: "unchanged" as const })),
    resumed: resumeNodes.length > 0,
  };
  if (plan.blockers.length > 0) {
    throw new CairnError(
      "upgrade-preflight",
      `cannot upgrade to ${to}; pre-flight found:\n  - ${plan.blockers.join("\n  - ")}`,
      {
        hint: "nothing was changed; fix the findings (or wait for etcd to settle) and run again",
      },
    );
  }
  if (options.dryRun || plan.actions.length === 0) {
    if (plan.actions.length === 0) access.stateSection.set(UPGRADE_SECTION, undefined);
    return report;
  }
  if (options.confirm && !(await options.confirm(plan)))
    throw new CairnError("aborted", "upgrade not confirmed; nothing was changed");
  const record: UpgradeRecord = {
    to,
    nodes: [...new Set([...resumeNodes, ...planned])],
    startedAt: new Date().toISOString(),
  };
  access.stateSection.set(UPGRADE_SECTION, record);
  const result = await runPlan(
    plan,
    { upgrade: upgradeHandler(access, options.handler), gate: gateHandler(access) },
    {
      journalPath: access.paths.journal,
      lockPath: access.paths.lock,
      concurrency: upgradeConcurrency(plan),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  if (result.ok) access.stateSection.set(UPGRADE_SECTION, undefined);
  report.result = result;
  const done = new Set([...result.completed, ...result.resumed]);
  for (const node of planned) {
    const id = `upgrade:${node}`;
    if (done.has(id)) report.nodes.push({ node, outcome: "upgraded" });
    else if (result.failed?.id === id)
      report.nodes.push({ node, outcome: "failed", error: result.failed.error });
    else if (result.interrupted) report.nodes.push({ node, outcome: "interrupted" });
    else report.nodes.push({ node, outcome: "not-started" });
  }
  const order = new Map(access.model.nodes.map((n, i) => [n.name, i]));
  report.nodes.sort((a, b) => (order.get(a.node) ?? 0) - (order.get(b.node) ?? 0));
  return report;
}

// ---- Kubernetes ---------------------------------------------------------------------------------------------

export async function observeKubernetes(access: OpsAccess, timeoutMs = 5000): Promise<ObservedK8sNode[]> {
  return Promise.all(
    access.model.nodes.map(async (n): Promise<ObservedK8sNode> => {
      try {
        const c = await access.nodeClient(n.name);
        try {
          const talosVersion = await nodeVersion(c, timeoutMs);
          const config = await runningConfig(c, timeoutMs);
          return { name: n.name, reachable: true, talosVersion, components: componentVersions(config) };
        } finally {
          c.close();
        }
      } catch (e) {
        return { name: n.name, reachable: false, error: brief(e) };
      }
    }),
  );
}

export interface KubernetesUpgradeReport {
  to: string;
  plan: Plan;
  result?: RunResult;
}

export async function runKubernetesUpgrade(
  access: OpsAccess,
  options: KubernetesUpgradeOptions & Omit<RunTalosUpgradeOptions, "to" | "maxUnavailable" | "handler">,
): Promise<KubernetesUpgradeReport> {
  const observed = await observeKubernetes(access);
  const plan = planKubernetesUpgrade(access.model, observed, options);
  const report: KubernetesUpgradeReport = { to: options.to.replace(/^v/, ""), plan };
  if (plan.blockers.length > 0)
    throw new CairnError(
      "upgrade-preflight",
      `cannot upgrade Kubernetes to ${report.to}:\n  - ${plan.blockers.join("\n  - ")}`,
      { hint: "nothing was changed" },
    );
  if (options.dryRun || plan.actions.length === 0) return report;
  if (options.confirm && !(await options.confirm(plan)))
    throw new CairnError("aborted", "upgrade not confirmed; nothing was changed");
  report.result = await runPlan(
    plan,
    { "upgrade-kubernetes": upgradeKubernetesHandler(access) },
    {
      journalPath: access.paths.journal,
      lockPath: access.paths.lock,
      concurrency: upgradeConcurrency(plan),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  return report;
}
