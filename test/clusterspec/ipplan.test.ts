// IP planning: `address: auto` and per-node pod blocks are deterministic, skip everything they must, report
// exhaustion on the right field, and stay fast for large clusters.
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { clusterSpecSchema, type ClusterSpec, type ClusterSpecInput } from "../../src/clusterspec/schema.js";
import { planAddresses, planPodBlocks, mergeSpans } from "../../src/clusterspec/ipplan.js";
import { checkSpec } from "../../src/clusterspec/checks/index.js";
import { loadSpecText } from "../../src/clusterspec/load.js";
import { resolveModel } from "../../src/clusterspec/resolve.js";

type NodeInput = ClusterSpecInput["nodes"][number];

function spec(over: Partial<ClusterSpecInput> & { nodes: NodeInput[] }): ClusterSpec {
  return clusterSpecSchema.parse({
    apiVersion: "cairn.dev/v1alpha1",
    kind: "Cluster",
    name: "t",
    talos: { version: "v1.11.5" },
    networks: { lan: { cidr: "10.0.0.0/24", gateway: "10.0.0.1", carries: ["management", "loadBalancers"] } },
    provider: { type: "static" },
    ...over,
  });
}
const auto = (name: string, role: "controlplane" | "worker" = "worker", network = "lan"): NodeInput => ({
  name,
  role,
  interfaces: [{ network }],
});

describe("address: auto", () => {
  it("picks the lowest free host addresses in node order, skipping gateway, VIP, pools, reserved and explicit ones", () => {
    const s = spec({
      networks: {
        lan: {
          cidr: "10.0.0.0/24",
          gateway: "10.0.0.1",
          reserved: ["10.0.0.3", "10.0.0.8-10.0.0.9"],
          carries: ["management", "loadBalancers"],
        },
      },
      controlPlane: { vip: { address: "10.0.0.2" }, extraSANs: ["10.0.0.12"] },
      nameservers: ["10.0.0.13"],
      nodes: [
        auto("a", "controlplane"),
        { name: "b", role: "worker", interfaces: [{ network: "lan", address: "10.0.0.5" }] },
        auto("c"),
        auto("d"),
        { name: "e", role: "worker", interfaces: [{ network: "lan", address: "dhcp" }] },
        auto("f"),
        auto("g"),
      ],
      addons: {
        loadBalancer: { type: "metallb", pools: [{ name: "p", addresses: ["10.0.0.6", "10.0.0.10/31"] }] },
      },
    });
    expect(checkSpec(s).filter((f) => f.severity === "error")).toEqual([]);
    const plan = planAddresses(s);
    expect(plan.findings).toEqual([]);
    // .1 gateway, .2 VIP, .3 reserved, .5 explicit, .6 pool, .8-.9 reserved, .10-.11 pool, .12 SAN, .13 nameserver
    expect(plan.addresses.map((a) => a[0])).toEqual([
      "10.0.0.4",
      "10.0.0.5",
      "10.0.0.7",
      "10.0.0.14",
      undefined,
      "10.0.0.15",
      "10.0.0.16",
    ]);
    expect(plan.planned.map((p) => p[0])).toEqual([true, false, true, true, false, true, true]);
  });

  it("is deterministic and does not depend on map insertion or earlier runs", () => {
    const make = () =>
      spec({ nodes: Array.from({ length: 20 }, (_, i) => auto(`n${i}`, i < 3 ? "controlplane" : "worker")) });
    const a = planAddresses(make());
    const b = planAddresses(make());
    expect(a).toEqual(b);
    expect(new Set(a.addresses.map((x) => x[0])).size).toBe(20);
  });

  it("never picks the network or broadcast address and reports exhaustion on the interface", () => {
    const s = spec({
      networks: { lan: { cidr: "10.0.0.0/29", carries: ["management"] } },
      nodes: Array.from({ length: 8 }, (_, i) => auto(`n${i}`, i === 0 ? "controlplane" : "worker")),
    });
    const plan = planAddresses(s);
    expect(plan.addresses.slice(0, 6).map((a) => a[0])).toEqual([1, 2, 3, 4, 5, 6].map((h) => `10.0.0.${h}`));
    expect(plan.addresses[6]![0]).toBeUndefined();
    expect(plan.findings).toHaveLength(1);
    expect(plan.findings[0]).toMatchObject({
      code: "ipplan.exhausted",
      severity: "error",
      path: ["nodes", 6, "interfaces", 0, "address"],
    });
    expect(plan.findings[0]!.message).toContain("nor for 1 more interface");
  });

  it("uses both addresses of a /31 and plans IPv6 networks", () => {
    const s = spec({
      networks: {
        p2p: { cidr: "10.9.0.0/31", carries: ["storage"] },
        v6: { cidr: "fd00:1::/64", gateway: "fd00:1::1", carries: ["management"] },
      },
      nodes: [
        {
          name: "a",
          role: "controlplane",
          interfaces: [
            { network: "v6", name: "eth0" },
            { network: "p2p", name: "eth1" },
          ],
        },
        {
          name: "b",
          role: "worker",
          interfaces: [
            { network: "v6", name: "eth0" },
            { network: "p2p", name: "eth1" },
          ],
        },
      ],
    });
    const plan = planAddresses(s);
    expect(plan.addresses).toEqual([
      ["fd00:1::2", "10.9.0.0"],
      ["fd00:1::3", "10.9.0.1"],
    ]);
  });

  it("resolves into the model with planned flags and the plan table marks them", () => {
    const r = loadSpecText(
      stringify({
        apiVersion: "cairn.dev/v1alpha1",
        kind: "Cluster",
        name: "t",
        talos: { version: "v1.11.5" },
        networks: { lan: { cidr: "10.0.0.0/24", gateway: "10.0.0.1" } },
        provider: { type: "static" },
        nodes: [auto("a", "controlplane")],
      }),
      "mem.yaml",
    );
    expect(r.ok).toBe(true);
    expect(r.model!.nodes[0]!.interfaces[0]).toMatchObject({
      address: "10.0.0.2",
      planned: true,
      prefix: 24,
    });
    expect(r.model!.endpoint.url).toBe("https://10.0.0.2:6443");
  });
});

describe("per-node pod blocks", () => {
  const seed000 = (nodes: number, extra: Partial<NodeInput> = {}) =>
    spec({
      kubernetes: { podSubnets: ["10.8.28.0/24"], podBlocks: { size: 26 } },
      networks: {
        mgmt: { cidr: "10.8.16.0/24", gateway: "10.8.16.1", carries: ["management"] },
        pods: { cidr: "10.8.28.0/24", carries: ["pods", "loadBalancers"] },
      },
      nodes: Array.from({ length: nodes }, (_, i) => ({
        ...auto(`n${i}`, "controlplane", "mgmt"),
        ...(i === 0 ? extra : {}),
      })),
      addons: {
        loadBalancer: { type: "metallb", pools: [{ name: "lb", addresses: ["10.8.28.192-10.8.28.253"] }] },
      },
    });

  it("carves seed 000's /26 blocks in node order and skips the block the pool uses", () => {
    const plan = planPodBlocks(seed000(3));
    expect(plan.blocks).toEqual(["10.8.28.0/26", "10.8.28.64/26", "10.8.28.128/26"]);
    expect(plan.carved).toEqual([true, true, true]);
    expect(plan.poolBlocks).toEqual(["10.8.28.192/26"]);
    expect(plan.findings).toEqual([]);
  });

  it("warns (not errors) that seed 000's pool sits in unassigned pod space and a 4th node would collide", () => {
    const findings = checkSpec(seed000(3));
    expect(findings.filter((f) => f.severity === "error")).toEqual([]);
    const w = findings.find((f) => f.code === "pool.in-pod-subnet")!;
    expect(w.severity).toBe("warning");
    expect(w.message).toContain("a 4th node would find none");
  });

  it("reports a 4th node that finds no block, never handing out the pool's block", () => {
    const plan = planPodBlocks(seed000(4));
    expect(plan.blocks[3]).toBeUndefined();
    expect(plan.findings[0]).toMatchObject({ code: "podblock.exhausted", path: ["nodes", 3] });
    expect(plan.findings[0]!.message).toContain("1 overlapping load-balancer pools");
  });

  it("skips blocks given explicitly to other nodes", () => {
    const plan = planPodBlocks(seed000(3, { podBlock: "10.8.28.64/26" }));
    expect(plan.blocks).toEqual(["10.8.28.64/26", "10.8.28.0/26", "10.8.28.128/26"]);
    expect(plan.carved).toEqual([false, true, true]);
  });

  it("carves nothing without kubernetes.podBlocks", () => {
    const plan = planPodBlocks(spec({ nodes: [auto("a", "controlplane")] }));
    expect(plan.blocks).toEqual([undefined]);
  });

  it("mergeSpans merges overlapping and touching spans", () => {
    expect(
      mergeSpans([
        { start: 10n, end: 12n },
        { start: 1n, end: 3n },
        { start: 4n, end: 5n },
        { start: 11n, end: 20n },
      ]),
    ).toEqual([
      { start: 1n, end: 5n },
      { start: 10n, end: 20n },
    ]);
  });
});

describe("scale", () => {
  it("checks and resolves a 1,000-node spec quickly", () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => ({
      name: `node-${i}`,
      role: i < 3 ? "controlplane" : "worker",
      interfaces: [
        {
          network: "mgmt",
          name: "eth0",
          ...(i % 10 === 0 ? { address: `10.20.${(i >> 8) & 255}.${i & 255 || 1}` } : {}),
        },
        { network: "pods", name: "eth1" },
      ],
      proxmox: { host: `pve${i % 7}`, vmid: 1000 + i },
    }));
    const text = stringify({
      apiVersion: "cairn.dev/v1alpha1",
      kind: "Cluster",
      name: "big",
      talos: { version: "v1.11.5" },
      kubernetes: { podSubnets: ["10.128.0.0/12"], podBlocks: { size: 24 } },
      controlPlane: { vip: { address: "10.20.255.250" } },
      networks: {
        mgmt: { cidr: "10.20.0.0/16", gateway: "10.20.255.254", reserved: ["10.20.0.0/28"] },
        pods: { cidr: "10.30.0.0/16", carries: ["pods", "loadBalancers"] },
      },
      provider: { type: "proxmox", endpoint: "https://pve:8006" },
      nodes,
      addons: { loadBalancer: { type: "metallb", pools: [{ name: "lb", addresses: ["10.30.0.0/22"] }] } },
    });
    const r = loadSpecText(text, "big.yaml");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.model!.nodes).toHaveLength(1000);
    const addrs = r.model!.nodes.flatMap((n) => n.interfaces.map((i) => i.address));
    expect(new Set(addrs).size).toBe(2000);
    expect(new Set(r.model!.nodes.map((n) => n.podBlock)).size).toBe(1000);
    // Checks and planning alone (YAML parsing is the loader's cost): linear, so well under a second even on a
    // loaded CI machine.
    const t0 = performance.now();
    expect(checkSpec(r.spec!).filter((f) => f.severity === "error")).toEqual([]);
    expect(resolveModel(r.spec!).findings).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
