// `cairn upgrade kubernetes --to X.Y.Z` with talosctl upgrade-k8s semantics: the control-plane components
// (kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy) on every control plane first, one node at a
// time, then the kubelets (control planes one at a time, workers in a group). Each step edits the images in the
// node's running machine config and applies it without a reboot. Pure planning here; effects in the handler.
import type { Action, Plan } from "../../engine/types.js";
import type { Model } from "../../clusterspec/model.js";
import {
  compareMinor,
  kubernetesSupported,
  minorOf,
  parseVersion,
  talosMinor,
} from "../../talos/versions.js";
import { parseMaxUnavailable } from "../support.js";
import { acrossMinors, downgradeRefusal, newer, newest } from "../version-guard.js";
import type { K8sComponent } from "./images.js";

export const KUBERNETES_OPERATION = "upgrade kubernetes";

export type { K8sComponent } from "./images.js";
export { componentVersions, setComponentVersions } from "./images.js";

export const CONTROL_PLANE_COMPONENTS: readonly K8sComponent[] = [
  "apiServer",
  "controllerManager",
  "scheduler",
  "proxy",
];

export interface ObservedK8sNode {
  name: string;
  reachable: boolean;
  talosVersion?: string;
  /** Image tag per component in the running config (without "v"). */
  components?: Partial<Record<K8sComponent, string>>;
  error?: string;
}

export interface KubernetesUpgradeOptions {
  to: string;
  maxUnavailable?: string | number;
  nodeTimeoutMs?: number;
  /** Move components that run a newer patch back to `to` (refused otherwise: a plan never downgrades). */
  allowDowngrade?: boolean;
  /** The flag that allows a downgrade, named in the refusal (default --allow-downgrade). */
  downgradeFlag?: string;
  /** The Talos release the nodes run when this plan runs (after a Talos upgrade merged before it). */
  talosVersion?: string;
  /** The target comes from cairn.yaml (apply), not from `--to`: a refusal names the spec change. */
  fromSpec?: boolean;
}

export function planKubernetesUpgrade(
  model: Model,
  observed: readonly ObservedK8sNode[],
  options: KubernetesUpgradeOptions,
): Plan {
  const blockers: string[] = [];
  const warnings: string[] = [];
  const actions: Action[] = [];
  const to = options.to.replace(/^v/, "");
  const tv = parseVersion(to);
  if (!tv || tv.pre) {
    return {
      operation: KUBERNETES_OPERATION,
      actions,
      blockers: [`"${options.to}" is not a Kubernetes release such as 1.35.2`],
      warnings,
    };
  }
  const byName = new Map(observed.map((o) => [o.name, o]));
  const cps = model.nodes.filter((n) => n.role === "controlplane");
  const workers = model.nodes.filter((n) => n.role !== "controlplane");
  for (const n of model.nodes) {
    const o = byName.get(n.name);
    if (!o?.reachable) {
      blockers.push(`node ${n.name} is unreachable${o?.error ? `: ${o.error}` : ""}`);
      continue;
    }
    const runs = options.talosVersion ?? o.talosVersion;
    const talos = runs ? talosMinor(runs) : undefined;
    if (!talos) blockers.push(`node ${n.name} runs Talos ${runs ?? "(unknown)"}, which cairn does not know`);
    else if (!kubernetesSupported(talos, to))
      blockers.push(
        `Kubernetes ${to} is outside Talos ${talos.minor}'s window on ${n.name} (${talos.kubernetesMin}–${talos.kubernetesMax})`,
      );
  }
  // Kubernetes moves one minor at a time, and never backwards across minors (the API server's version skew).
  const apiVersions = cps
    .map((n) => byName.get(n.name)?.components?.apiServer)
    .filter((v): v is string => !!v);
  const oldest = apiVersions
    .map((v) => parseVersion(v))
    .filter((v) => v !== undefined)
    .sort((a, b) => compareMinor(minorOf(a), minorOf(b)))[0];
  if (oldest) {
    const d = compareMinor(minorOf(tv), minorOf(oldest));
    const [om, on] = minorOf(oldest).split(".").map(Number) as [number, number];
    // Backwards (d < 0) is the downgrade refusal's business below.
    if (d > 0 && minorOf(tv) !== `${om}.${on + 1}`)
      blockers.push(
        `Kubernetes upgrades one minor at a time: the API server runs ${minorOf(oldest)}, so upgrade to ${om}.${on + 1}.x first`,
      );
  }

  // Never backwards unless asked, patch releases included: one refusal naming every node ahead of the target.
  const ahead = model.nodes
    .map((n) => ({ node: n.name, v: newest(Object.values(byName.get(n.name)?.components ?? {})) }))
    .filter((x): x is { node: string; v: string } => x.v !== undefined && newer(x.v, to));
  if (ahead.length > 0) {
    const refusal = downgradeRefusal({
      what: "Kubernetes",
      field: "kubernetes.version",
      to,
      running: newest(ahead.map((a) => a.v))!,
      nodes: ahead.map((a) => a.node),
      total: model.nodes.length,
      flag: options.downgradeFlag ?? "--allow-downgrade",
      fromSpec: options.fromSpec === true,
      unpinned: options.fromSpec === true && model.spec.kubernetes.version === undefined,
    });
    // Allowed, a patch downgrade goes ahead; across minors it is refused all the same (the refusal says so).
    if (!options.allowDowngrade || ahead.some((a) => acrossMinors(a.v, to))) blockers.push(refusal);
  }

  const timeoutMs = options.nodeTimeoutMs ?? 10 * 60_000;
  let previous: string | undefined;
  const pending = (node: string, components: readonly K8sComponent[]): K8sComponent[] => {
    const c = byName.get(node)?.components ?? {};
    return components.filter((x) => c[x] !== to);
  };
  for (const n of cps) {
    const parts = pending(n.name, CONTROL_PLANE_COMPONENTS);
    if (!parts.length) continue;
    const id = `upgrade-kubernetes:control-plane:${n.name}`;
    actions.push({
      id,
      kind: "upgrade-kubernetes",
      node: n.name,
      title: `Kubernetes control plane on ${n.name} → ${to} (${parts.join(", ")})`,
      dependsOn: previous ? [previous] : [],
      params: { node: n.name, version: to, components: parts },
      timeoutMs,
      group: { name: "k8s-controlplanes", limit: 1 },
    });
    previous = id;
  }
  for (const n of cps) {
    if (!pending(n.name, ["kubelet"]).length) continue;
    const id = `upgrade-kubernetes:kubelet:${n.name}`;
    actions.push({
      id,
      kind: "upgrade-kubernetes",
      node: n.name,
      title: `kubelet on ${n.name} → ${to}`,
      dependsOn: previous ? [previous] : [],
      params: { node: n.name, version: to, components: ["kubelet"] },
      timeoutMs,
      group: { name: "k8s-controlplanes", limit: 1 },
    });
    previous = id;
  }
  const limit = parseMaxUnavailable(options.maxUnavailable, workers.length);
  for (const n of workers) {
    if (!pending(n.name, ["kubelet"]).length) continue;
    actions.push({
      id: `upgrade-kubernetes:kubelet:${n.name}`,
      kind: "upgrade-kubernetes",
      node: n.name,
      title: `kubelet on ${n.name} → ${to}`,
      dependsOn: previous ? [previous] : [],
      params: { node: n.name, version: to, components: ["kubelet"] },
      timeoutMs,
      group: { name: "k8s-workers", limit },
    });
  }
  // An unpinned spec follows cairn's record, which the upgrade updates; a pinned one must be changed by hand.
  if (actions.length && model.spec.kubernetes.version !== undefined && model.kubernetesVersion !== to)
    warnings.push(
      `cairn.yaml pins kubernetes.version: ${model.kubernetesVersion}: afterwards it should say ${to} (cairn offers to change it, --update-spec does); until then plan and apply refuse to move Kubernetes back`,
    );
  return { operation: KUBERNETES_OPERATION, actions, blockers, warnings };
}
