// Each seed's own platform objects, read back from the rendered bytes (GitOps files and machine configs) rather
// than from cairn's data structures: what a user would find in the tree and on the nodes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { loadSpecFile } from "../../src/clusterspec/load.js";
import { gitopsTree } from "../../src/gitops/index.js";
import { renderMachineConfigs } from "../../src/render/machine-configs.js";
import { parseSecretsBundle } from "../../src/talos/secrets/format.js";
import { REPO_ROOT, TALOS_GOLDEN } from "../helpers/shared.js";

// Parsed YAML, read freely in assertions: the expectations themselves check every value they touch.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: unknown;
};
const secrets = parseSecretsBundle(
  readFileSync(`${TALOS_GOLDEN}secrets.yaml`, "utf8"),
  "golden/secrets.yaml",
);

function platform(example: string) {
  const model = loadSpecFile(join(REPO_ROOT, "examples", example)).model!;
  const tree = gitopsTree(model);
  const objects: Obj[] = tree.files.flatMap((f) =>
    parseAllDocuments(f.content)
      .map((d) => d.toJS() as Obj)
      .filter((o) => o && o.kind && o.apiVersion !== "kustomize.config.k8s.io/v1beta1"),
  );
  const find = (kind: string, name?: string) => {
    const hits = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
    expect(hits.length, `${kind} ${name ?? ""}`).toBeGreaterThan(0);
    return hits[0]!;
  };
  const configs = renderMachineConfigs(model, secrets, () => "").map((c) => ({
    ...c,
    doc: parseAllDocuments(c.text)[0]!.toJS() as {
      machine: { nodeLabels?: Record<string, string>; network?: { interfaces?: { vip?: unknown }[] } };
      cluster: {
        network: { cni?: { name: string } };
        proxy?: { disabled?: boolean };
        inlineManifests?: { name: string; contents: string }[];
      };
    },
  }));
  const inline = (name: string) =>
    configs
      .find((c) => c.role === "controlplane")!
      .doc.cluster.inlineManifests!.find((m) => m.name === name)!
      .contents.split(/^---$/m)
      .map((d) => parse(d) as Obj);
  const release = (name: string) =>
    find("HelmRelease", name) as Obj & { spec: { values: Record<string, Loose> } };
  return { model, tree, objects, find, configs, inline, release };
}

describe("seed 000: Proxmox homelab on a VLAN trunk", () => {
  const p = platform("homelab-proxmox-vlans.yaml");

  it("runs Cilium with native routing on 10.8.28.0/24 and kube-proxy replacement", () => {
    const v = p.release("cilium").spec.values;
    expect(v.routingMode).toBe("native");
    expect(v.ipv4NativeRoutingCIDR).toBe("10.8.28.0/24");
    expect(v.autoDirectNodeRoutes).toBe(true);
    expect(v.kubeProxyReplacement).toBe(true);
    expect(v.enableIPv4Masquerade).toBe(false);
    expect(v.loadBalancer).toEqual({ mode: "dsr" });
    expect(v.hubble).toEqual({ enabled: true, relay: { enabled: true }, ui: { enabled: true } });
    for (const c of p.configs) expect(c.doc.cluster.network.cni).toEqual({ name: "none" });
    for (const c of p.configs) expect(c.doc.cluster.proxy?.disabled).toBe(true);
  });

  it("announces pool 10.8.28.192-10.8.28.253 from eth1 with MetalLB", () => {
    expect((p.find("IPAddressPool", "homelab-pool").spec as { addresses: string[] }).addresses).toEqual([
      "10.8.28.192-10.8.28.253",
    ]);
    expect(p.find("L2Advertisement").spec).toEqual({
      ipAddressPools: ["homelab-pool"],
      interfaces: ["eth1"],
    });
    // All three nodes are control planes: none may carry Talos' exclude-from-external-load-balancers label.
    for (const c of p.configs)
      expect(Object.keys(c.doc.machine.nodeLabels ?? {})).not.toContain(
        "node.kubernetes.io/exclude-from-external-load-balancers",
      );
  });

  it("puts Traefik on 10.8.28.192 and issues letsencrypt-prod through it (HTTP-01)", () => {
    const svc = p.release("traefik").spec.values.service;
    expect(svc.type).toBe("LoadBalancer");
    expect(svc.annotations["metallb.io/loadBalancerIPs"]).toBe("10.8.28.192");
    expect(svc.annotations["metallb.io/address-pool"]).toBe("homelab-pool");
    expect(p.release("traefik").spec.values.providers.kubernetesCRD).toEqual({ enabled: true });
    const acme = (p.find("ClusterIssuer", "letsencrypt-prod").spec as { acme: Record<string, Loose> }).acme;
    expect(acme.server).toBe("https://acme-v02.api.letsencrypt.org/directory");
    expect(acme.solvers).toEqual([{ http01: { ingress: { ingressClassName: "traefik" } } }]);
  });
});

describe("seed 001: Hetzner Cloud (Oxide)", () => {
  const p = platform("hetzner-oxide.yaml");

  it("reaches the API through KubePrism (localhost:7445) and runs no kube-proxy", () => {
    const v = p.release("cilium").spec.values;
    expect([v.k8sServiceHost, v.k8sServicePort]).toEqual(["localhost", 7445]);
    expect(v.kubeProxyReplacement).toBe(true);
    for (const c of p.configs) {
      expect(c.doc.cluster.network.cni).toEqual({ name: "none" });
      if (c.role === "controlplane") expect(c.doc.cluster.proxy).toMatchObject({ disabled: true });
    }
    // The bootstrap Job installs the same values with cilium-cli, through KubePrism too.
    const [, , values, job] = p.inline("cairn-bootstrap");
    expect(parse((values!.data as Record<string, string>)["cilium-values.yaml"]!)).toEqual(v);
    const c = (job!.spec as Loose).template.spec.containers[0];
    expect(c.command.slice(0, 4)).toEqual(["cilium", "install", "--version", "1.18.14"]);
    expect(c.env.slice(0, 2)).toEqual([
      { name: "KUBERNETES_SERVICE_HOST", value: "localhost" },
      { name: "KUBERNETES_SERVICE_PORT", value: "7445" },
    ]);
    expect((job!.spec as Loose).template.spec.hostNetwork).toBe(true);
  });
});

describe("seed 002: Cilium L2 VIP and Gateway API", () => {
  const p = platform("platform-cilium-gateway.yaml");

  it("holds 10.0.3.19 in a Cilium pool announced on eth0", () => {
    expect(p.find("CiliumLoadBalancerIPPool", "ingress-pool").spec).toEqual({
      blocks: [{ start: "10.0.3.19" }],
    });
    const policy = p.find("CiliumL2AnnouncementPolicy").spec as {
      interfaces: string[];
      loadBalancerIPs: boolean;
    };
    expect(policy.loadBalancerIPs).toBe(true);
    expect(policy.interfaces).toEqual(["^eth0$"]);
    expect(new RegExp(policy.interfaces[0]!).test("eth0")).toBe(true);
    expect(new RegExp(policy.interfaces[0]!).test("eth01")).toBe(false);
    expect(p.release("cilium").spec.values.l2announcements).toEqual({ enabled: true });
  });

  it("serves a Gateway for *.apps.home.shdr.ch with a wildcard certificate from step-ca", () => {
    const gw = p.find("Gateway", "main-gateway").spec as Record<string, Loose>;
    expect(gw.gatewayClassName).toBe("cilium");
    expect(gw.listeners.map((l: Loose) => [l.name, l.port, l.hostname])).toEqual([
      ["http", 80, "*.apps.home.shdr.ch"],
      ["https", 443, "*.apps.home.shdr.ch"],
    ]);
    expect(gw.infrastructure.annotations).toEqual({ "lbipam.cilium.io/ips": "10.0.3.19" });
    const cert = p.find("Certificate", "main-gateway-tls").spec as Record<string, Loose>;
    expect(cert.dnsNames).toEqual(["*.apps.home.shdr.ch", "apps.home.shdr.ch"]);
    expect(cert.issuerRef).toEqual({
      group: "certmanager.step.sm",
      kind: "StepClusterIssuer",
      name: "step-ca",
    });
    expect(p.find("StepClusterIssuer", "step-ca").spec).toMatchObject({ url: "https://ca.home.shdr.ch" });
  });

  it("installs the Gateway API CRDs before Cilium", () => {
    const job = p.inline("cairn-bootstrap").find((o) => o.kind === "Job")!;
    const steps = (job.spec as Loose).template.spec.initContainers.map((c: Loose) => c.name);
    expect(steps).toEqual(["gateway-api-crds", "cilium"]);
    expect(p.find("Kustomization", "gateway-api-crds").spec).toMatchObject({
      path: "./config/crd/standard",
      prune: false,
    });
  });
});

describe("seed 004: five nodes, kube-vip and MetalLB pools", () => {
  const p = platform("proxmox-5node-vip-pools.yaml");

  it("runs Cilium with kube-proxy replacement and BPF host legacy routing", () => {
    expect(p.release("cilium").spec.values).toMatchObject({
      kubeProxyReplacement: true,
      bpf: { hostLegacyRouting: true },
    });
  });

  it("has the ingress, DNS and services pools", () => {
    expect(p.objects.filter((o) => o.kind === "IPAddressPool").map((o) => o.metadata.name)).toEqual([
      "ingress-pool",
      "dns-pool",
      "services-pool",
    ]);
  });

  it("puts 2 ingress-nginx controllers on the workers at 10.0.3.2", () => {
    const c = p.release("ingress-nginx").spec.values.controller;
    expect(c.replicaCount).toBe(2);
    expect(c.service.annotations["metallb.io/loadBalancerIPs"]).toBe("10.0.3.2");
    expect(c.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }] },
    ]);
  });

  it("holds the API address 10.0.3.1 with kube-vip, not with Talos' VIP", () => {
    const ds = p.inline("kube-vip").find((o) => o.kind === "DaemonSet")!;
    const env = Object.fromEntries(
      (ds.spec as Loose).template.spec.containers[0].env.map((e: Loose) => [e.name, e.value]),
    );
    expect(env).toMatchObject({
      address: "10.0.3.1",
      vip_interface: "eth0",
      cp_enable: "true",
      vip_arp: "true",
    });
    expect(p.find("DaemonSet", "kube-vip")).toEqual(ds); // Flux owns it afterwards
    for (const c of p.configs) expect(JSON.stringify(c.doc.machine.network ?? {})).not.toContain('"vip"');
    for (const c of p.configs) expect(c.text).not.toMatch(/^\s*vip:/m);
  });

  it("issues certificates by DNS-01 against PowerDNS and syncs with Flux", () => {
    const acme = (p.find("ClusterIssuer", "letsencrypt").spec as { acme: Record<string, Loose> }).acme;
    expect(acme.solvers[0].dns01.rfc2136).toMatchObject({
      nameserver: "10.0.3.3:53",
      tsigKeyName: "cert-manager",
    });
    expect(JSON.stringify(p.objects)).not.toMatch(/tsigSecret"?:\s*"[^{]/); // a reference, never a value
    const git = p.find("GitRepository", "flux-system").spec as Record<string, Loose>;
    expect(git).toMatchObject({ url: "https://github.com/agentydragon/cluster", ref: { branch: "main" } });
    expect(p.find("Kustomization", "flux-system").spec).toMatchObject({ path: "./k8s" });
    expect(p.find("Kustomization", "controllers").spec).toMatchObject({
      path: "./k8s/controllers",
      dependsOn: [{ name: "crds" }],
    });
    const job = p.inline("cairn-bootstrap").find((o) => o.kind === "Job")!;
    expect((job.spec as Loose).template.spec.containers[0].image).toBe("ghcr.io/fluxcd/flux-cli:v2.9.4");
  });
});
