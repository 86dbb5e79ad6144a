// The workloads an apply waits for once it has changed the cluster, one `wait-rollout` action each: what Talos
// deploys at bootstrap (CoreDNS, kube-proxy, Flannel when it is the CNI — read from the control plane's rendered
// config, so a config patch that disables one is honoured), the Deployments, DaemonSets and Flux HelmReleases of the
// config's inline manifests, and whatever the workload sources passed in list (the add-on registry's). Pure.
import { parseYamlDocuments, yamlDocumentToJS } from "../io/yaml.js";
import type { Action } from "../engine/types.js";
import type { Model } from "../clusterspec/model.js";
import { addonWorkloads } from "../addons/index.js";
import { isCniDaemonSetName, type RolloutTarget, type WorkloadKind } from "../kube/index.js";

/** A source of workloads to await besides the rendered config's: `(model) => RolloutTarget[]`. */
export type WorkloadSource = (model: Model) => readonly RolloutTarget[];

/**
 * The add-on registry's workloads (src/addons: what each enabled add-on's bootstrap step installs, and what Flux
 * deploys from the GitOps tree), owned by the add-on's name. What the add-ons render as Talos inline manifests is
 * found in the config and need not be listed twice.
 */
export function addonRolloutTargets(model: Model): RolloutTarget[] {
  return addonWorkloads(model).map((w) => {
    // Flux's controllers are pods on the pod network: a HelmRelease waits for a CNI like any such pod.
    const needsCni = !w.cni && (w.kind === "HelmRelease" || !w.hostNetwork);
    return {
      kind: w.kind,
      namespace: w.namespace,
      name: w.name,
      owner: `add-on ${w.addon}`,
      needsCni,
      ...(w.cni ? { cni: true } : {}),
      ...(w.installedBy === "flux" ? { flux: true } : {}),
    };
  });
}

/** The sources every apply asks besides the control plane's config. */
const WORKLOAD_SOURCES: readonly WorkloadSource[] = [addonRolloutTargets];

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** What Talos' bootstrap manifests and the inline manifests of a control plane's machine config deploy. */
export function configWorkloads(configText: string | undefined): RolloutTarget[] {
  if (!configText) return [];
  let docs: Obj[];
  try {
    docs = parseYamlDocuments(configText, "the control plane's machine config").map((d) =>
      d.errors.length ? {} : o(yamlDocumentToJS(d)),
    );
  } catch {
    return [];
  }
  const main = docs.find((d) => d.version === "v1alpha1") ?? {};
  const cluster = o(main.cluster);
  // Talos 1.14 moves these switches into documents: Flannel runs when its KubeFlannelCNIConfig is there, kube-proxy
  // and CoreDNS unless their KubeProxyConfig/KubeCoreDNSConfig say enabled: false.
  const flannelDoc = docs.find((d) => d.kind === "KubeFlannelCNIConfig" && d.$patch !== "delete");
  const proxyDoc = docs.find((d) => d.kind === "KubeProxyConfig");
  const dnsDoc = docs.find((d) => d.kind === "KubeCoreDNSConfig");
  const documents = docs.some((d) => /^Kube(Network|Proxy|CoreDNS|Cluster)Config$/.test(String(d.kind)));
  const named = o(o(cluster.network).cni).name as string | undefined;
  const cni = flannelDoc ? "flannel" : (named ?? (documents ? "none" : "flannel"));
  const proxyDisabled = proxyDoc ? proxyDoc.enabled === false : o(cluster.proxy).disabled === true;
  const dnsDisabled = dnsDoc ? dnsDoc.enabled === false : o(cluster.coreDNS).disabled === true;
  const out: RolloutTarget[] = [];
  const talos = (kind: WorkloadKind, name: string, needsCni: boolean, isCni = false): void =>
    void out.push({
      kind,
      namespace: "kube-system",
      name,
      owner: "Talos",
      needsCni,
      ...(isCni ? { cni: true } : {}),
    });
  if (cni === "flannel") talos("DaemonSet", "kube-flannel", false, true);
  if (!proxyDisabled) talos("DaemonSet", "kube-proxy", false);
  if (!dnsDisabled) talos("Deployment", "coredns", true);

  const inline: { name: string; contents: string }[] = (
    Array.isArray(cluster.inlineManifests) ? (cluster.inlineManifests as Obj[]) : []
  ).map((m) => ({ name: String(m.name ?? ""), contents: String(m.contents ?? "") }));
  for (const d of docs.filter((x) => x.kind === "InlineManifestConfig" || x.kind === "InlineManifest"))
    inline.push({ name: String(d.name ?? ""), contents: String(d.contents ?? "") });
  for (const m of inline) out.push(...manifestWorkloads(m.contents, `inline manifest ${m.name}`));
  return out;
}

/** Deployments, DaemonSets and Flux HelmReleases in a multi-document manifest. */
export function manifestWorkloads(text: string, owner: string): RolloutTarget[] {
  const out: RolloutTarget[] = [];
  let docs: unknown[];
  try {
    docs = parseYamlDocuments(text, owner).flatMap((d) => (d.errors.length ? [] : [yamlDocumentToJS(d)]));
  } catch {
    return out;
  }
  const objects = docs.flatMap((v) => {
    const x = o(v);
    return x.kind === "List" && Array.isArray(x.items) ? (x.items as unknown[]).map(o) : [x];
  });
  for (const x of objects) {
    const api = String(x.apiVersion ?? "");
    const kind = String(x.kind ?? "");
    const name = String(o(x.metadata).name ?? "");
    const namespace = String(o(x.metadata).namespace ?? "default");
    if (!name) continue;
    const hostNetwork = o(o(o(x.spec).template).spec).hostNetwork === true;
    if (api === "apps/v1" && (kind === "Deployment" || kind === "DaemonSet")) {
      const isCni = kind === "DaemonSet" && isCniDaemonSetName(name);
      out.push({
        kind,
        namespace,
        name,
        owner,
        needsCni: !isCni && !hostNetwork,
        ...(isCni ? { cni: true } : {}),
      });
    } else if (api.startsWith("helm.toolkit.fluxcd.io/") && kind === "HelmRelease") {
      // Flux's controllers are pods on the pod network: a HelmRelease waits for a CNI unless it is the CNI.
      const isCni = isCniDaemonSetName(name);
      out.push({ kind, namespace, name, owner, needsCni: !isCni, ...(isCni ? { cni: true } : {}) });
    }
  }
  return out;
}

/** Every workload to await for the model, each once (the first source to list it owns it). */
export function rolloutTargets(
  model: Model,
  controlPlaneConfig: string | undefined,
  sources: readonly WorkloadSource[] = WORKLOAD_SOURCES,
): RolloutTarget[] {
  const seen = new Set<string>();
  const out: RolloutTarget[] = [];
  for (const t of [...configWorkloads(controlPlaneConfig), ...sources.flatMap((s) => s(model))]) {
    const key = `${t.kind}/${t.namespace}/${t.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}

export const ROLLOUT_TIMEOUT_MS = 10 * 60_000;

const kindLabel = (t: RolloutTarget): string => `${t.kind.toLowerCase()}/${t.namespace}/${t.name}`;

const rolloutId = (t: RolloutTarget): string => `wait-rollout:${kindLabel(t)}`;

/**
 * One `wait-rollout` action per workload, all after `dependsOn`; those that need the pod network also after the
 * CNI's own rollout, so they never look for a CNI before the spec's is there.
 */
export function rolloutActions(
  targets: readonly RolloutTarget[],
  dependsOn: readonly string[],
  simulated: boolean,
): Action[] {
  const sorted = [...targets].sort((a, b) => Number(b.cni === true) - Number(a.cni === true));
  const cniIds = sorted.filter((t) => t.cni).map(rolloutId);
  return sorted.map((t) => ({
    id: rolloutId(t),
    kind: "wait-rollout",
    title: `wait for ${kindLabel(t)} to roll out (${t.owner})${simulated ? " (simulated)" : ""}`,
    dependsOn: [...dependsOn, ...(t.needsCni ? cniIds : [])],
    params: {
      kind: t.kind,
      namespace: t.namespace,
      name: t.name,
      owner: t.owner,
      needsCni: t.needsCni,
      ...(t.cni ? { cni: true } : {}),
      ...(t.flux ? { flux: true } : {}),
    },
    timeoutMs: ROLLOUT_TIMEOUT_MS,
    detail: [
      ...(t.flux ? ["deployed by Flux from the GitOps tree: not awaited before Flux has applied it"] : []),
      t.cni
        ? "the CNI: nodes turn Ready once its pods run on them"
        : t.needsCni
          ? "needs the pod network: not awaited while no CNI is installed"
          : "host network: rolls out without a CNI",
    ],
  }));
}
