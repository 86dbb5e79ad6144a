// What the add-ons change in the machine configs, read from the rendered bytes: the CNI and kube-proxy settings,
// the exclude-from-external-load-balancers label on clusters of control planes only (issue 10 item 3), the
// etcd-backup Talos API access, and the inline manifests Talos applies at bootstrap.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadSpecText } from "../../src/clusterspec/load.js";
import { renderMachineConfigs } from "../../src/render/machine-configs.js";
import { gitopsTree } from "../../src/gitops/index.js";
import { oracle } from "../helpers/k8s-schemas.js";
import { parseSecretsBundle } from "../../src/talos/secrets/format.js";
import { TALOS_GOLDEN } from "../helpers/shared.js";

// Parsed YAML, read freely in assertions: the expectations themselves check every value they touch.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const secrets = parseSecretsBundle(
  readFileSync(`${TALOS_GOLDEN}secrets.yaml`, "utf8"),
  "golden/secrets.yaml",
);
const LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";

function spec(cps: number, workers: number, addons: string): string {
  const nodes: string[] = [];
  for (let i = 1; i <= cps + workers; i++) {
    const cp = i <= cps;
    nodes.push(
      `  - name: ${cp ? `cp-${i}` : `worker-${i - cps}`}\n    role: ${cp ? "controlplane" : "worker"}\n` +
        `    static: { address: 192.168.1.${10 + i} }\n    interfaces: [{ network: lan, name: eth0, address: 192.168.1.${10 + i} }]`,
    );
  }
  return [
    "apiVersion: cairn.dev/v1alpha1",
    "kind: Cluster",
    "name: lab",
    "talos: { version: v1.11.5 }",
    "kubernetes: { version: 1.33.4, allowSchedulingOnControlPlanes: true }",
    "networks:",
    "  lan: { cidr: 192.168.1.0/24, gateway: 192.168.1.1, carries: [management, loadBalancers] }",
    "provider: { type: static }",
    "nodes:",
    ...nodes,
    "addons:",
    addons,
    "",
  ].join("\n");
}

const METALLB =
  "  loadBalancer: { type: metallb, pools: [{ name: lan, addresses: [192.168.1.200-192.168.1.220] }] }";
const CILIUM_LB =
  "  cni: { type: cilium, kubeProxyReplacement: true }\n" +
  "  loadBalancer: { type: cilium, pools: [{ name: lan, addresses: [192.168.1.200-192.168.1.220] }] }";

function configs(text: string) {
  const r = loadSpecText(text, "cairn.yaml");
  if (!r.model) throw new Error(JSON.stringify(r.diagnostics, null, 1));
  return renderMachineConfigs(r.model, secrets, () => "").map((c) => ({
    ...c,
    doc: parseAllDocuments(c.text)[0]!.toJS() as Record<string, Loose>,
  }));
}

describe("exclude-from-external-load-balancers (issue 10 item 3)", () => {
  it.each([
    ["MetalLB", METALLB],
    ["Cilium L2", CILIUM_LB],
  ])("is left off the control planes of an all-control-plane cluster with %s", (_lb, addons) => {
    const all = configs(spec(3, 0, addons));
    expect(all).toHaveLength(3);
    for (const c of all) {
      expect(c.role).toBe("controlplane");
      expect(Object.keys(c.doc.machine.nodeLabels ?? {})).not.toContain(LABEL);
      expect(c.text).not.toContain(LABEL);
    }
  });

  it("stays where workers can announce the pools, and where nothing announces", () => {
    for (const c of configs(spec(3, 1, METALLB)).filter((x) => x.role === "controlplane"))
      expect(c.doc.machine.nodeLabels).toEqual({ [LABEL]: "" });
    for (const c of configs(spec(3, 0, "  cni: { type: flannel }")))
      expect(c.doc.machine.nodeLabels).toEqual({ [LABEL]: "" });
  });
});

describe("CNI and kube-proxy", () => {
  it("flannel leaves Talos' defaults alone", () => {
    for (const c of configs(spec(1, 1, "  cni: { type: flannel }"))) {
      expect(c.doc.cluster.network.cni).toBeUndefined();
      expect(c.doc.cluster.proxy?.disabled).toBeUndefined();
      expect(c.doc.cluster.inlineManifests ?? []).toEqual([]);
    }
  });

  it("none disables Talos' CNI and installs nothing", () => {
    for (const c of configs(spec(1, 1, "  cni: { type: none }"))) {
      expect(c.doc.cluster.network.cni).toEqual({ name: "none" });
      expect(c.doc.cluster.inlineManifests ?? []).toEqual([]);
    }
  });

  it("cilium disables Talos' CNI everywhere, kube-proxy on the control planes, and bootstraps on control planes only", () => {
    for (const c of configs(spec(1, 1, "  cni: { type: cilium, kubeProxyReplacement: true }"))) {
      expect(c.doc.cluster.network.cni).toEqual({ name: "none" });
      if (c.role === "controlplane") {
        expect(c.doc.cluster.proxy.disabled).toBe(true);
        expect(c.doc.cluster.inlineManifests.map((m: { name: string }) => m.name)).toEqual([
          "cairn-bootstrap",
        ]);
        // Written as Talos keeps it: no leading blank line in the block scalar.
        expect(c.doc.cluster.inlineManifests[0].contents.startsWith("apiVersion: v1\n")).toBe(true);
      } else expect(c.doc.cluster.inlineManifests ?? []).toEqual([]);
    }
  });
});

describe("etcd backups", () => {
  it("render a schema-valid CronJob and Talos ServiceAccount into the configs layer, credentials by reference", () => {
    const addons =
      '  etcdBackup: { schedule: "15 */4 * * *", s3: { endpoint: https://s3.example.net, bucket: b } }';
    const r = loadSpecText(spec(1, 1, addons), "cairn.yaml");
    const objs = gitopsTree(r.model!).objects.filter((o) => o.addon === "etcd-backup");
    expect(objs.map((o) => `${o.file} ${o.object.kind}`)).toEqual([
      "configs/etcd-backup/cronjobs.yaml CronJob",
      "configs/etcd-backup/serviceaccounts.yaml ServiceAccount",
    ]);
    const cron = objs.find((o) => o.object.kind === "CronJob")!.object;
    expect(oracle(cron).errors).toEqual([]);
    expect(JSON.stringify(cron)).toContain(
      '"secretKeyRef":{"name":"etcd-backup-s3","key":"secretAccessKey"}',
    );
  });

  it("open the Talos API to kube-system pods with the os:etcd:backup role, on control planes", () => {
    const addons =
      '  etcdBackup: { schedule: "15 */4 * * *", s3: { endpoint: https://s3.example.net, bucket: b } }';
    for (const c of configs(spec(1, 1, addons)))
      if (c.role === "controlplane")
        expect(c.doc.machine.features.kubernetesTalosAPIAccess).toEqual({
          enabled: true,
          allowedRoles: ["os:etcd:backup"],
          allowedKubernetesNamespaces: ["kube-system"],
        });
      else expect(c.doc.machine.features.kubernetesTalosAPIAccess).toBeUndefined();
  });
});
