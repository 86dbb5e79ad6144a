// Every invalid fixture holds one mistake; the table says which finding (code, field path, exact line) must be
// among its diagnostics. Every fixture in the folder must be listed, so a new fixture cannot go untested.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { captureIo } from "../helpers/cli.js";
import { loadSpecFile } from "../../src/clusterspec/load.js";
import { main } from "../../src/cli/main.js";

const DIR = fileURLToPath(new URL("../fixtures/spec/invalid/", import.meta.url));

// [fixture, code, path, line]
const CASES: [string, string, string, number][] = [
  ["yaml-syntax", "yaml.syntax", "(yaml)", 9],
  ["yaml-duplicate-key", "yaml.duplicate-key", "(yaml)", 38],
  ["yaml-multi-document", "yaml.multi-document", "(yaml)", 48],
  ["schema-unknown-field", "schema.unknown-field", "networks.mgmt.gatway", 18],
  ["schema-wrong-type", "schema.type", "networks.mgmt.vlan", 19],
  ["schema-enum", "schema.enum", "nodes[1].role", 37],
  ["schema-missing", "schema.missing", "networks.lb.cidr", 23],
  ["schema-dns-label", "schema.format", "nodes[2].name", 42],
  ["net-cidr-syntax", "net.cidr-syntax", "networks.mgmt.cidr", 17],
  ["net-cidr-host-bits", "net.cidr-host-bits", "networks.lb.cidr", 23],
  ["net-podsubnet-host-bits", "net.cidr-host-bits", "kubernetes.podSubnets[0]", 9],
  ["net-overlap-networks", "net.overlap", "networks.lb.cidr", 23],
  ["net-overlap-pod-network", "net.overlap", "kubernetes.podSubnets[0]", 9],
  ["net-overlap-service-pod", "net.overlap", "kubernetes.serviceSubnets[0]", 10],
  ["net-overlap-service-network", "net.overlap", "kubernetes.serviceSubnets[0]", 10],
  ["net-dual-stack", "net.dual-stack", "kubernetes.podSubnets[1]", 9],
  ["net-gateway-outside", "net.gateway-outside", "networks.mgmt.gateway", 18],
  ["net-gateway-family", "net.family-mismatch", "networks.mgmt.gateway", 18],
  ["net-gateway-broadcast", "net.gateway-broadcast", "networks.mgmt.gateway", 18],
  ["net-vlan-range", "net.vlan-range", "networks.mgmt.vlan", 19],
  ["net-vlan-interface", "net.vlan-range", "nodes[1].interfaces[0].vlan", 41],
  ["net-mtu-range", "net.mtu-range", "networks.mgmt.mtu", 20],
  ["net-mtu-interface", "net.mtu-range", "nodes[2].interfaces[0].mtu", 47],
  ["net-reserved-syntax", "net.range-syntax", "networks.mgmt.reserved[0]", 21],
  ["net-reserved-outside", "net.reserved-outside", "networks.mgmt.reserved[0]", 21],
  ["net-nameserver-syntax", "net.nameserver-syntax", "nameservers[1]", 25],
  ["node-address-outside", "node.address-outside-network", "nodes[1].interfaces[0].address", 40],
  ["node-address-network", "node.address-network", "nodes[1].interfaces[0].address", 40],
  ["node-address-broadcast", "node.address-broadcast", "nodes[2].interfaces[0].address", 46],
  ["node-address-gateway", "node.address-gateway", "nodes[0].interfaces[0].address", 34],
  ["node-address-syntax", "node.address-syntax", "nodes[1].interfaces[0].address", 40],
  ["node-address-prefix", "node.address-syntax", "nodes[0].interfaces[0].address", 34],
  ["node-address-family", "node.family-mismatch", "nodes[2].interfaces[0].address", 46],
  ["node-address-in-pool", "node.address-in-pool", "nodes[2].interfaces[0].address", 46],
  ["node-duplicate-name", "node.duplicate-name", "nodes[1].name", 36],
  ["node-duplicate-address", "node.duplicate-address", "nodes[2].interfaces[0].address", 46],
  ["node-duplicate-mac", "node.duplicate-mac", "nodes[1].interfaces[0].mac", 42],
  ["node-mac-syntax", "node.mac-syntax", "nodes[0].interfaces[0].mac", 35],
  ["node-unknown-network", "node.unknown-network", "nodes[1].interfaces[0].network", 39],
  ["node-link-ambiguous", "node.link-ambiguous", "nodes[0].interfaces[0]", 33],
  ["node-link-missing", "node.link-missing", "nodes[1].interfaces[1]", 41],
  ["node-no-management", "node.no-management", "nodes[2].interfaces", 45],
  ["topology-worker-only", "topology.worker-only", "nodes", 30],
  ["topology-no-nodes", "topology.no-controlplane", "nodes", 29],
  ["vip-outside-network", "vip.address-outside-network", "controlPlane.vip.address", 14],
  ["vip-collides-node", "vip.collides-node", "controlPlane.vip.address", 14],
  ["vip-in-pool", "vip.in-pool", "controlPlane.vip.address", 14],
  ["vip-unknown-network", "vip.unknown-network", "controlPlane.vip.network", 15],
  ["vip-gateway", "vip.address-gateway", "controlPlane.vip.address", 14],
  ["endpoint-http", "endpoint.format", "controlPlane.endpoint", 12],
  ["endpoint-no-port", "endpoint.format", "controlPlane.endpoint", 12],
  ["endpoint-path", "endpoint.format", "controlPlane.endpoint", 12],
  ["version-talos-unsupported", "version.talos-unsupported", "talos.version", 6],
  ["version-kubernetes-window", "version.kubernetes-window", "kubernetes.version", 8],
  ["version-kubernetes-too-old", "version.kubernetes-window", "kubernetes.version", 8],
  ["provider-wrong-placement", "provider.wrong-placement", "nodes[0].hetzner", 36],
  ["provider-missing-placement", "provider.missing-placement", "nodes[2]", 42],
  ["provider-duplicate-vmid", "provider.duplicate-vmid", "nodes[1].proxmox.vmid", 41],
  ["pool-reversed", "pool.range-reversed", "addons.loadBalancer.pools[0].addresses[0]", 53],
  ["pool-syntax", "pool.range-syntax", "addons.loadBalancer.pools[0].addresses[0]", 53],
  ["pool-outside-network", "pool.outside-network", "addons.loadBalancer.pools[0].addresses[0]", 53],
  ["pool-outside-named-network", "pool.outside-network", "addons.loadBalancer.pools[0].addresses[0]", 54],
  ["pool-network-role", "pool.network-role", "addons.loadBalancer.pools[0].addresses[0]", 53],
  ["pool-duplicate-name", "pool.duplicate-name", "addons.loadBalancer.pools[1].name", 54],
  ["pool-overlap", "pool.overlap", "addons.loadBalancer.pools[1].addresses[0]", 55],
  ["pool-overlaps-pod-subnet", "pool.overlap", "addons.loadBalancer.pools[0].addresses[0]", 53],
  ["pool-overlaps-pod-block", "pool.overlaps-pod-block", "addons.loadBalancer.pools[0].addresses[0]", 55],
  ["podblock-exhausted", "podblock.exhausted", "nodes[2]", 43],
  ["podblock-size-too-large", "podblock.size-too-large", "kubernetes.podBlocks.size", 10],
  ["podblock-size-range", "podblock.size-range", "kubernetes.podBlocks.size", 10],
  ["podblock-misaligned", "podblock.misaligned", "nodes[0].podBlock", 36],
  ["podblock-outside-subnet", "podblock.outside-subnet", "nodes[0].podBlock", 36],
  ["podblock-overlap", "podblock.overlap", "nodes[1].podBlock", 43],
  ["ipplan-exhausted", "ipplan.exhausted", "nodes[2].interfaces[0].address", 47],
  ["addons-storage-network-role", "addons.storage-network-role", "addons.storage.network", 51],
  ["addons-storage-unknown-network", "addons.unknown-network", "addons.storage.network", 51],
  ["addons-ingress-unknown-pool", "addons.unknown-pool", "addons.ingress.pool", 51],
  [
    "addons-flannel-kube-proxy-replacement",
    "addons.flannel-kube-proxy-replacement",
    "addons.cni.kubeProxyReplacement",
    51,
  ],
  ["addons-cni-cilium-only", "addons.cni-cilium-only", "addons.cni.hubble", 51],
  ["addons-metallb-with-cilium-l2", "addons.metallb-with-cilium-lb", "addons.cni.l2Announcements", 52],
  ["addons-cilium-lb-without-cilium", "addons.cilium-lb-without-cilium", "addons.loadBalancer.type", 50],
  ["addons-gateway-without-cilium", "addons.gateway-api-without-cilium", "addons.ingress.type", 53],
  ["addons-ingress-tls-wildcard", "addons.ingress-tls-wildcard", "addons.ingress.tls.issuer", 57],
  ["addons-cilium-version", "addons.cilium-version", "addons.cni.version", 51],
  ["addons-cilium-dsr-tunnel", "addons.cilium-dsr", "addons.cni.loadBalancerMode", 52],
  ["addons-flux-scp-url", "addons.flux-url", "addons.gitops.flux.url", 51],
  ["addons-issuer-missing-provider", "addons.issuer-missing", "addons.certManager.issuers[0].solver", 53],
  ["addons-issuer-field", "addons.issuer-field", "addons.certManager.issuers[0].url", 54],
  ["tenant-duplicate-name", "tenant.duplicate-name", "tenants[1].name", 50],
  ["tenant-duplicate-namespace", "tenant.duplicate-namespace", "tenants[1].namespaces[0]", 52],
  ["provider-static-with-proxmox", "provider.wrong-placement", "nodes[0].proxmox", 34],
  // issue 10 §1 and §8: what validate used to let through
  ["net-vlan-hetzner", "net.vlan-not-tagged", "networks.private.vlan", 15],
  ["vip-hetzner", "vip.no-layer2", "controlPlane.vip", 11],
  ["provider-duplicate-static-address", "provider.duplicate-static-address", "nodes[1].static.address", 37],
  ["vip-controlplane-off-network", "vip.controlplane-off-network", "nodes[2]", 41],
  ["schematic-unknown-extension", "schematic.unknown-extension", "talos.schematic.extensions[0]", 8],
];

afterEach(() => {
  // `cairn validate` reports through process.exitCode; do not leak it into the test runner.
  process.exitCode = undefined;
});

describe("invalid fixtures", () => {
  it("lists every fixture in the folder, and at least 45", () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => f.replace(/\.yaml$/, ""))
      .sort();
    expect(CASES.map((c) => c[0]).sort()).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(45);
  });

  it.each(CASES)("%s → %s at %s line %i", (name, code, path, line) => {
    const r = loadSpecFile(`${DIR}${name}.yaml`);
    expect(r.ok).toBe(false);
    expect(r.model).toBeUndefined();
    const found = r.diagnostics.map((d) => ({ code: d.code, path: d.path, line: d.line }));
    expect(found).toContainEqual({ code, path, line });
    for (const d of r.diagnostics) {
      expect(d.message.length).toBeGreaterThan(10);
      expect(d.column).toBeGreaterThan(0);
    }
    // Semantic findings always say what to do.
    const hit = r.diagnostics.find((d) => d.code === code && d.path === path)!;
    if (!code.startsWith("yaml.") && !code.startsWith("schema.")) expect(hit.hint).toBeTruthy();
  });

  it.each([
    "addons-flannel-kube-proxy-replacement",
    "net-overlap-networks",
    "vip-in-pool",
    "podblock-exhausted",
    "yaml-syntax",
    "schema-unknown-field",
    "version-kubernetes-window",
  ])("cairn validate %s exits 1 and names file, line and field", async (name) => {
    const { c, io } = captureIo();
    const file = `${DIR}${name}.yaml`;
    expect(await main(["node", "cairn", "validate", file], io)).toBe(1);
    const [, code, path, line] = CASES.find((x) => x[0] === name)!;
    expect(c.err).toContain(`${file}:${line}:`);
    expect(c.err).toContain(path);
    expect(c.err).toMatch(/\d+ errors?/);
    expect(code).toBeTruthy();
  });

  it("--output json prints an array of located findings", async () => {
    const { c, io } = captureIo();
    const file = `${DIR}node-address-outside.yaml`;
    expect(await main(["node", "cairn", "validate", "--output", "json", file], io)).toBe(1);
    const parsed = JSON.parse(c.out) as Record<string, unknown>[];
    expect(Array.isArray(parsed)).toBe(true);
    expect(parsed.length).toBeGreaterThan(0);
    for (const d of parsed) {
      for (const k of ["severity", "path", "line", "column", "message", "hint"]) expect(d).toHaveProperty(k);
    }
    expect(parsed).toContainEqual(
      expect.objectContaining({
        severity: "error",
        path: "nodes[1].interfaces[0].address",
        line: 40,
        column: 18,
        message: 'address 10.0.5.12 is outside network "mgmt" (10.0.0.0/24)',
      }),
    );
  });

  it("an unclosed [ is reported at the bracket, not where the parser gave up", () => {
    const d = loadSpecFile(`${DIR}yaml-syntax.yaml`).diagnostics[0]!;
    expect([d.line, d.column]).toEqual([9, 15]);
    expect(d.message).toBe("this [ is never closed: expected ] before line 10");
  });

  it("an unknown extension names the list's source and date, and the intended name", () => {
    const d = loadSpecFile(`${DIR}schematic-unknown-extension.yaml`).diagnostics.find(
      (x) => x.code === "schematic.unknown-extension",
    )!;
    expect(d.message).toBe(
      '"siderolabs/qemu-guest-agnet" is not an official extension of Talos 1.11 (cairn\'s list from siderolabs/extensions v1.11.6, 2025-12-16)',
    );
    expect(d.hint).toBe('did you mean "siderolabs/qemu-guest-agent"?');
  });

  it("the did-you-mean hints name the intended value", () => {
    const hint = (name: string, code: string) =>
      loadSpecFile(`${DIR}${name}.yaml`).diagnostics.find((d) => d.code === code)?.hint;
    expect(hint("schema-unknown-field", "schema.unknown-field")).toBe('did you mean "gateway"?');
    expect(hint("node-unknown-network", "node.unknown-network")).toBe('did you mean "mgmt"?');
    expect(hint("vip-unknown-network", "vip.unknown-network")).toBe('did you mean "mgmt"?');
    expect(hint("addons-ingress-unknown-pool", "addons.unknown-pool")).toBe('did you mean "default"?');
  });

  it("version messages name the supported window and default", () => {
    const msg = (name: string) => loadSpecFile(`${DIR}${name}.yaml`).diagnostics[0]!.message;
    expect(msg("version-kubernetes-window")).toContain("1.29–1.34 (default 1.34.1)");
    expect(msg("version-talos-unsupported")).toContain("1.8–1.14");
  });
});
