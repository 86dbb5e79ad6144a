// CoreDNS in place of Talos' own: Talos stops deploying its CoreDNS (cluster.coreDNS.disabled) and the chart takes
// over the same names — Service kube-dns on the address every kubelet is configured with (the 10th of the first
// service subnet), pods labelled k8s-app=kube-dns (what NetworkPolicies for DNS select) — with a Corefile like
// Talos' (the cluster domain, PTR zones, forwarding to the node's resolvers). The bootstrap Job installs it right
// after the CNI, because Flux needs cluster DNS to run; Flux's HelmRelease then adopts the release with the same
// values.
import { BOOTSTRAP_FILES } from "../bootstrap.js";
import { toYaml } from "../manifest-yaml.js";
import { CONTROL_PLANE_LABEL, nthAddress } from "../spec-facts.js";
import { emptyOutput, type AddonContext, type AddonOutput, type AddonSpecView } from "../types.js";
import { COREDNS_CHART, HELM_IMAGE } from "./versions.js";

const NS = "kube-system";

export function dnsServiceIP(spec: AddonSpecView): string | undefined {
  const first = spec.kubernetes.serviceSubnets[0];
  return first ? nthAddress(first, 10) : undefined;
}

function corednsValues(ctx: AddonContext): Record<string, unknown> {
  const spec = ctx.spec;
  const domain = spec.kubernetes.dnsDomain;
  const plugin = (name: string, parameters?: string, configBlock?: string) => ({
    name,
    ...(parameters ? { parameters } : {}),
    ...(configBlock ? { configBlock } : {}),
  });
  return {
    fullnameOverride: "coredns",
    k8sAppLabelOverride: "kube-dns",
    replicaCount: spec.addons.coredns!.replicas ?? (spec.nodes.length === 1 ? 1 : 2),
    priorityClassName: "system-cluster-critical",
    service: { name: "kube-dns", clusterIP: dnsServiceIP(spec) },
    tolerations: [{ key: CONTROL_PLANE_LABEL, operator: "Exists", effect: "NoSchedule" }],
    servers: [
      {
        zones: [{ zone: "." }],
        port: 53,
        plugins: [
          plugin("errors"),
          plugin("health", undefined, "lameduck 5s"),
          plugin("ready"),
          plugin(
            "kubernetes",
            `${domain} in-addr.arpa ip6.arpa`,
            "pods insecure\nfallthrough in-addr.arpa ip6.arpa\nttl 30",
          ),
          plugin("prometheus", "0.0.0.0:9153"),
          plugin("forward", ". /etc/resolv.conf", "max_concurrent 1000"),
          plugin("cache", "30"),
          plugin("loop"),
          plugin("reload"),
          plugin("loadbalance"),
        ],
      },
    ],
  };
}

export function renderCoredns(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const values = corednsValues(ctx);
  out.releases.push({
    name: "coredns",
    namespace: NS,
    chart: { ...COREDNS_CHART },
    values,
    dependsOn: ctx.spec.addons.cni?.type === "cilium" ? ["cilium"] : [],
  });
  out.bootstrap.push({
    name: "coredns",
    order: 25,
    image: HELM_IMAGE,
    // No --wait, like the CNI step: a retried pod must find a release it can upgrade.
    command: [
      "helm",
      "upgrade",
      "--install",
      "coredns",
      COREDNS_CHART.name,
      "--repo",
      COREDNS_CHART.repository,
      "--version",
      COREDNS_CHART.version,
      "--namespace",
      NS,
      "--values",
      `${BOOTSTRAP_FILES}/coredns-values.yaml`,
    ],
    files: { "coredns-values.yaml": toYaml(values) },
    // The chart's Deployment (named after the release), its pods labelled as Talos' CoreDNS labels them.
    installs: [{ kind: "Deployment", namespace: NS, name: "coredns", podLabels: { "k8s-app": "kube-dns" } }],
  });
  out.notes.push(
    "on a cluster that already runs Talos' CoreDNS, delete its objects in kube-system (Deployment and ConfigMap coredns, Service kube-dns) after applying the configs, so the CoreDNS release can own them",
  );
  out.talosPatches.push({
    roles: ["controlplane"],
    reason: "cairn runs CoreDNS from its chart: Talos deploys none",
    patch: { cluster: { coreDNS: { disabled: true } } },
  });
  return out;
}
