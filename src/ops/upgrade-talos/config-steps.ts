// The config each node runs after its Talos upgrade: cairn.yaml rendered for the release it now runs, applied right
// after that node's upgrade. Across a contract (1.13 → 1.14 moves almost everything out of the v1alpha1 document)
// this converts the node to the new form, which only a node already running the new release accepts; within a
// minor it updates what the release changes (the installer image). Either way the node ends on the config the spec
// gives its release, so `cairn plan` afterwards compares like with like. The Kubernetes the nodes run is kept: a
// Talos upgrade never moves Kubernetes.
import type { Action } from "../../engine/types.js";
import { isCairnError } from "../../errors.js";
import { contractFor, talosMinor } from "../../talos/versions.js";
import { crossesContract } from "../../render/machine-configs.js";
import type { ClusterAccess } from "../access.js";
import { describeMode, diffConfigs, formatChanges, predictApplyMode } from "../config-diff.js";
import { reportOf, type Reported } from "../observe-configs.js";
import { componentVersions } from "../upgrade-kubernetes/images.js";

export interface ConfigSteps {
  /** Per upgraded node: its apply-config and the wait after it. */
  steps: Record<string, Action[]>;
  blockers: string[];
  warnings: string[];
}

/** The one Kubernetes version every node runs (undefined when none could be read). */
function runningKubernetes(
  reported: Reported,
  nodes: readonly string[],
): { version?: string; mixed?: string[] } {
  const seen = new Set<string>();
  for (const n of nodes) {
    const r = reportOf(reported, n);
    if (r) for (const v of Object.values(componentVersions(r.config))) seen.add(v);
  }
  if (seen.size > 1) return { mixed: [...seen].sort() };
  const [version] = seen;
  return version ? { version } : {};
}

/**
 * The config steps of a rolling upgrade to `to`, for the nodes `upgrade:` actions touch. Pure but for rendering
 * through the access. No steps when the access cannot render (no identity to render with).
 */
export function configSteps(
  access: ClusterAccess,
  upgrade: readonly Action[],
  to: string,
  reported: Reported,
): ConfigSteps {
  const out: ConfigSteps = { steps: {}, blockers: [], warnings: [] };
  const nodes = upgrade.filter((a) => a.kind === "upgrade" && a.node).map((a) => a.node!);
  if (nodes.length === 0) return out;
  const k8s = runningKubernetes(
    reported,
    access.model.nodes.map((n) => n.name),
  );
  if (k8s.mixed) {
    out.blockers.push(
      `the nodes run different Kubernetes versions (${k8s.mixed.join(", ")}): a Kubernetes upgrade is unfinished; complete it (\`cairn upgrade kubernetes --to ${k8s.mixed.at(-1)}\`) before upgrading Talos`,
    );
    return out;
  }
  const kubernetesVersion = k8s.version ?? access.model.kubernetesVersion;
  const contract = contractFor(to);
  const sim = access.simulated ? " (simulated)" : "";
  for (const node of nodes) {
    let target;
    try {
      target = access.renderConfig(node, { talosVersion: to, kubernetesVersion });
    } catch (e) {
      if (!isCairnError(e)) throw e;
      out.blockers.push(
        `cairn.yaml does not render for Talos ${to}: ${e.message}${e.hint ? ` (${e.hint})` : ""}`,
      );
      return out;
    }
    if (!target) {
      out.warnings.push(
        `cairn has no identity to render Talos ${to} configs with: each node keeps the config it runs`,
      );
      return out;
    }
    const role = access.model.nodes.find((n) => n.name === node)?.role ?? "worker";
    const report = reportOf(reported, node);
    const from = report?.talosVersion;
    const converting = from !== undefined && crossesContract(from, to);
    const changes = report ? diffConfigs(report.config, target.text) : [];
    const predicted = predictApplyMode(changes, to);
    out.steps[node] = [
      {
        id: `apply-config:${node}`,
        kind: "apply-config",
        node,
        title: converting
          ? `convert ${node}'s config to the Talos ${contract} contract, once it runs ${to}${sim}`
          : `apply ${node}'s config for Talos ${to}${sim}`,
        dependsOn: [],
        // Only what is the same on every rerun: the plan's fingerprint resumes an interrupted upgrade.
        params: {
          node,
          role,
          maintenance: false,
          configHash: target.hash,
          talosVersion: to,
          kubernetesVersion,
        },
        timeoutMs: 2 * 60_000,
        detail: [
          `cairn.yaml rendered for Talos ${to}${talosMinor(to) ? ` (contract ${contract})` : ""}, Kubernetes ${kubernetesVersion} kept`,
          ...(report
            ? [`apply mode: auto → ${describeMode(predicted.mode)}`, ...formatChanges(changes, 12)]
            : []),
        ],
      },
      {
        id: `wait-ready:${node}`,
        kind: "wait-secure",
        node,
        title: `wait for ${node} to be running and healthy on its new config${sim}`,
        dependsOn: [],
        params: { node, role, afterChange: true },
        timeoutMs: 15 * 60_000,
      },
    ];
  }
  return out;
}
