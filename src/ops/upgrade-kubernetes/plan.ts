// `cairn upgrade kubernetes --to X.Y.Z` with talosctl upgrade-k8s semantics: the control-plane components
// (kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy) on every control plane first, one node at a
// time, then the kubelets (control planes one at a time, workers in a group). Each step edits the images in the
// node's running machine config and applies it without a reboot. Pure planning here; effects in the handler.
import type { Document } from "yaml";
import { parseYamlDocuments } from "../../io/yaml.js";
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

export const KUBERNETES_OPERATION = "upgrade kubernetes";

export type K8sComponent = "apiServer" | "controllerManager" | "scheduler" | "proxy" | "kubelet";
export const CONTROL_PLANE_COMPONENTS: readonly K8sComponent[] = [
  "apiServer",
  "controllerManager",
  "scheduler",
  "proxy",
];

const PATHS: Record<K8sComponent, string[]> = {
  apiServer: ["cluster", "apiServer", "image"],
  controllerManager: ["cluster", "controllerManager", "image"],
  scheduler: ["cluster", "scheduler", "image"],
  proxy: ["cluster", "proxy", "image"],
  kubelet: ["machine", "kubelet", "image"],
};

const DEFAULT_IMAGES: Record<K8sComponent, string> = {
  apiServer: "registry.k8s.io/kube-apiserver",
  controllerManager: "registry.k8s.io/kube-controller-manager",
  scheduler: "registry.k8s.io/kube-scheduler",
  proxy: "registry.k8s.io/kube-proxy",
  kubelet: "ghcr.io/siderolabs/kubelet",
};

export interface ObservedK8sNode {
  name: string;
  reachable: boolean;
  talosVersion?: string;
  /** Image tag per component in the running config (without "v"). */
  components?: Partial<Record<K8sComponent, string>>;
  error?: string;
}

function tagOf(image: unknown): string | undefined {
  if (typeof image !== "string") return undefined;
  const name = image.split("@")[0]!;
  const colon = name.lastIndexOf(":");
  if (colon < 0 || colon < name.lastIndexOf("/")) return undefined;
  return name.slice(colon + 1).replace(/^v/, "");
}

function v1alpha1(docs: Document[]): Document | undefined {
  return docs.find((d) => d.get("version") === "v1alpha1");
}

/** Kubernetes component versions in a machine config (tags of the images it names). */
export function componentVersions(configText: string): Partial<Record<K8sComponent, string>> {
  const doc = v1alpha1(parseYamlDocuments(configText, "the machine config"));
  const out: Partial<Record<K8sComponent, string>> = {};
  if (!doc) return out;
  for (const [c, path] of Object.entries(PATHS) as [K8sComponent, string[]][]) {
    const t = tagOf(doc.getIn(path));
    if (t) out[c] = t;
  }
  return out;
}

/**
 * The config with the given components' images moved to `version`, everything else byte-for-byte as it was
 * (YAML documents edited in place). A component without an image gets the upstream default repository.
 */
export function setComponentVersions(
  configText: string,
  components: readonly K8sComponent[],
  version: string,
): string {
  const docs: Document[] = parseYamlDocuments(configText, "the machine config");
  const doc = v1alpha1(docs);
  if (!doc) throw new Error("the machine config has no v1alpha1 document");
  for (const c of components) {
    const path = PATHS[c];
    if (c !== "kubelet" && !doc.hasIn(["cluster"])) continue;
    const current = doc.getIn(path);
    const repo =
      typeof current === "string" && current.lastIndexOf(":") > current.lastIndexOf("/")
        ? current.slice(0, current.lastIndexOf(":"))
        : DEFAULT_IMAGES[c];
    doc.setIn(path, `${repo}:v${version}`);
  }
  return docs.map((d) => d.toString()).join("---\n");
}

export interface KubernetesUpgradeOptions {
  to: string;
  maxUnavailable?: string | number;
  nodeTimeoutMs?: number;
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
    const talos = o.talosVersion ? talosMinor(o.talosVersion) : undefined;
    if (!talos)
      blockers.push(`node ${n.name} runs Talos ${o.talosVersion ?? "(unknown)"}, which cairn does not know`);
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
    if (d < 0)
      blockers.push(`downgrading Kubernetes from ${minorOf(oldest)} to ${minorOf(tv)} is not supported`);
    else if (d > 0 && minorOf(tv) !== `${om}.${on + 1}`)
      blockers.push(
        `Kubernetes upgrades one minor at a time: the API server runs ${minorOf(oldest)}, so upgrade to ${om}.${on + 1}.x first`,
      );
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
  if (actions.length && model.kubernetesVersion !== to)
    warnings.push(
      `cairn.yaml says Kubernetes ${model.kubernetesVersion}: set kubernetes.version: ${to} there too, or \`cairn diff\` will report drift`,
    );
  return { operation: KUBERNETES_OPERATION, actions, blockers, warnings };
}
