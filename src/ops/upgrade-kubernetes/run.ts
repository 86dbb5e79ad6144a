// `cairn upgrade kubernetes`: observe each node's components, plan control planes one at a time then kubelets,
// and run the plan through the engine.
import { CairnError } from "../../errors.js";
import type { AnyEngineEvent, Plan, RunResult } from "../../engine/types.js";
import type { ClusterAccess } from "../access.js";
import { nodeVersion, runningConfig } from "../observe.js";
import { KUBERNETES_SECTION, recordKubernetes } from "../kubernetes-pin.js";
import { executeOperation, type ExecuteOptions, type PreparedOperation } from "../operation.js";
import { brief } from "../support.js";
import { upgradeConcurrency } from "../upgrade-talos/plan.js";
import { upgradeKubernetesHandler } from "./handlers.js";
import {
  componentVersions,
  planKubernetesUpgrade,
  type KubernetesUpgradeOptions,
  type ObservedK8sNode,
} from "./plan.js";

export async function observeKubernetes(access: ClusterAccess, timeoutMs = 5000): Promise<ObservedK8sNode[]> {
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

export interface RunKubernetesUpgradeOptions
  extends KubernetesUpgradeOptions, Omit<ExecuteOptions, "writeArtefacts"> {
  onEvent?: (e: AnyEngineEvent) => void;
  signal?: AbortSignal;
  confirm?: (plan: Plan) => Promise<boolean>;
}

export async function prepareKubernetesUpgrade(
  access: ClusterAccess,
  options: KubernetesUpgradeOptions,
): Promise<PreparedOperation & { to: string }> {
  const observed = await observeKubernetes(access);
  const plan = planKubernetesUpgrade(access.model, observed, options);
  const to = options.to.replace(/^v/, "");
  return {
    plan,
    handlers: { "upgrade-kubernetes": upgradeKubernetesHandler(access) },
    concurrency: upgradeConcurrency(plan),
    to,
    afterRun(result) {
      if (result.ok) settleKubernetesRecord(access, to);
    },
  };
}

/**
 * Records the Kubernetes version the cluster now runs: a cairn.yaml without kubernetes.version keeps it from now
 * on (and a run that found every node there already repairs a record an interrupted run left behind).
 */
export function settleKubernetesRecord(access: ClusterAccess, to: string): void {
  const rec = access.stateSection.get(KUBERNETES_SECTION) as { version?: string } | undefined;
  if (rec?.version !== to) recordKubernetes(access.updateState, to, "upgrade kubernetes");
}

export function refuseBlockedKubernetesUpgrade(plan: Plan, to: string): void {
  if (plan.blockers.length > 0)
    throw new CairnError(
      "upgrade-preflight",
      `cannot upgrade Kubernetes to ${to}:\n  - ${plan.blockers.join("\n  - ")}`,
      { hint: "nothing was changed" },
    );
}

export async function runKubernetesUpgrade(
  access: ClusterAccess,
  options: RunKubernetesUpgradeOptions,
): Promise<KubernetesUpgradeReport> {
  const prepared = await prepareKubernetesUpgrade(access, options);
  refuseBlockedKubernetesUpgrade(prepared.plan, prepared.to);
  const report: KubernetesUpgradeReport = { to: prepared.to, plan: prepared.plan };
  if (prepared.plan.actions.length === 0) return report;
  if (options.confirm && !(await options.confirm(prepared.plan)))
    throw new CairnError("aborted", "upgrade not confirmed; nothing was changed");
  report.result = await executeOperation(access, prepared, { ...options, writeArtefacts: false });
  return report;
}
