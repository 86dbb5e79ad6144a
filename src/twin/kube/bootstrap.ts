// The objects a Talos control plane creates in a new cluster (its bootstrap manifests: the system namespaces,
// the kubernetes Service, CoreDNS, kube-proxy and — with the default CNI — Flannel), followed by the config's
// inline manifests. Simulated images; the shapes are what readiness checks look at.
import { parseYamlDocuments } from "../../io/yaml.js";
import { installsOf } from "../../kube/bootstrap-job.js";
import { isCniDaemonSetName } from "../../kube/cni.js";
import type { KubeFacts } from "./facts.js";
import { firstServiceIp } from "./facts.js";

type Obj = Record<string, unknown>;

/** A DaemonSet cairn recognises as a CNI (src/kube/cni.ts): its pods running is what turns simulated Nodes Ready. */
export function isCniDaemonSet(ds: Obj): boolean {
  return isCniDaemonSetName(String(((ds.metadata ?? {}) as Obj).name ?? ""));
}

const SIMULATED = { "cairn.dev/simulated": "true" };

function daemonSet(name: string, labels: Record<string, string>, image: string, hostNetwork = true): Obj {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace: "kube-system", labels, annotations: SIMULATED },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          hostNetwork,
          priorityClassName: "system-node-critical",
          tolerations: [{ operator: "Exists" }],
          containers: [{ name, image }],
        },
      },
    },
  };
}

export function bootstrapObjects(f: KubeFacts): Obj[] {
  const v = f.kubernetesVersion;
  const out: Obj[] = ["default", "kube-system", "kube-public", "kube-node-lease"].map((name) => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name },
  }));
  const apiIp = firstServiceIp(f.serviceSubnets[0] ?? "10.96.0.0/12") ?? "10.96.0.1";
  out.push({
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "kubernetes",
      namespace: "default",
      labels: { component: "apiserver", provider: "kubernetes" },
    },
    spec: {
      type: "ClusterIP",
      clusterIP: apiIp,
      clusterIPs: [apiIp],
      ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: f.port }],
    },
  });
  if (!f.coreDnsDisabled) {
    const labels = { "k8s-app": "kube-dns" };
    const dnsIp = apiIp.replace(/\.\d+$/, ".10");
    out.push({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "coredns",
        namespace: "kube-system",
        labels: { ...labels, "kubernetes.io/name": "CoreDNS" },
        annotations: SIMULATED,
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            priorityClassName: "system-cluster-critical",
            tolerations: [
              { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
              {
                key: "node.cloudprovider.kubernetes.io/uninitialized",
                operator: "Exists",
                effect: "NoSchedule",
              },
            ],
            containers: [{ name: "coredns", image: "registry.k8s.io/coredns/coredns:v1.12.1" }],
          },
        },
      },
    });
    out.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: "kube-dns",
        namespace: "kube-system",
        labels: { ...labels, "kubernetes.io/name": "CoreDNS" },
      },
      spec: {
        clusterIP: dnsIp,
        clusterIPs: [dnsIp],
        selector: labels,
        ports: [
          { name: "dns", port: 53, protocol: "UDP" },
          { name: "dns-tcp", port: 53, protocol: "TCP" },
        ],
      },
    });
  }
  if (!f.proxyDisabled)
    out.push(daemonSet("kube-proxy", { "k8s-app": "kube-proxy" }, `registry.k8s.io/kube-proxy:v${v}`));
  if (f.cni === "flannel")
    out.push(daemonSet("kube-flannel", { "k8s-app": "flannel" }, "ghcr.io/siderolabs/flannel:v0.26.7"));
  return out;
}

/** The config's inline manifests as objects, in order (CRDs first, so their resources can follow). */
export function inlineManifestObjects(f: KubeFacts): { objects: Obj[]; errors: string[] } {
  const objects: Obj[] = [];
  const errors: string[] = [];
  for (const m of f.inlineManifests) {
    for (const doc of parseYamlDocuments(m.contents, `inline manifest ${m.name}`)) {
      if (doc.errors.length) {
        errors.push(`inline manifest ${m.name}: ${doc.errors[0]!.message}`);
        continue;
      }
      const value = doc.toJS() as unknown;
      if (value && typeof value === "object" && !Array.isArray(value)) {
        const obj = value as Obj;
        if (obj.kind === "List" && Array.isArray(obj.items)) objects.push(...(obj.items as Obj[]));
        else objects.push(obj);
      }
    }
  }
  objects.sort(
    (x, y) =>
      Number(y.kind === "CustomResourceDefinition") - Number(x.kind === "CustomResourceDefinition") ||
      Number(y.kind === "Namespace") - Number(x.kind === "Namespace"),
  );
  return { objects, errors };
}

/**
 * What a cairn bootstrap Job's steps install (its cairn.dev/installs annotation), as the twin's stand-ins: the
 * twin runs no `cilium install` or `flux install`, so when the Job completes it creates their Deployments and
 * DaemonSets itself (simulated images), and their Namespaces. HelmReleases need Flux's API, which the twin lacks.
 */
export function bootstrapInstallObjects(job: Obj): Obj[] {
  const m = (job.metadata ?? {}) as { annotations?: Record<string, unknown> };
  const installs = installsOf(m.annotations).filter((w) => w.kind !== "HelmRelease");
  const out: Obj[] = [...new Set(installs.map((w) => w.namespace))].map((name) => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name },
  }));
  for (const w of installs) {
    const labels = { "app.kubernetes.io/name": w.name, ...w.podLabels };
    // Host-network system pods (Cilium's agent and operator) tolerate every taint, NotReady nodes' included.
    const tolerations =
      w.kind === "DaemonSet" || w.hostNetwork
        ? [{ operator: "Exists" }]
        : [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }];
    out.push({
      apiVersion: "apps/v1",
      kind: w.kind,
      metadata: { name: w.name, namespace: w.namespace, labels, annotations: SIMULATED },
      spec: {
        ...(w.kind === "Deployment" ? { replicas: 1 } : {}),
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            ...(w.hostNetwork ? { hostNetwork: true } : {}),
            tolerations,
            containers: [{ name: w.name, image: `simulated.cairn.invalid/${w.name}:bootstrap` }],
          },
        },
      },
    });
  }
  return out;
}
