// The Hetzner provider's pure half: the load balancer's fixed private address as the default endpoint, placement
// groups of at most 10, the live catalogue checks, the Talos snapshot, the user_data limit, names taken by resources
// cairn does not own, firewall rules kept in line, the optional floating IP, and the throwaway SSH key OpenSSH reads
// back.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSpecText } from "../../../src/clusterspec/load.js";
import type { Model } from "../../../src/clusterspec/model.js";
import { bootImageOf } from "../../../src/ops/open.js";
import type { FloatingIp, Image, Server, ServerType } from "../../../src/providers/hetzner/client.js";
import { imageLabels } from "../../../src/providers/hetzner/image-recipe.js";
import { privateNetwork } from "../../../src/providers/hetzner/network.js";
import type { HetznerObservation } from "../../../src/providers/hetzner/observe.js";
import { planHetzner, type HetznerPlanInput } from "../../../src/providers/hetzner/plan.js";
import { firewallRules, placementGroups } from "../../../src/providers/hetzner/resources.js";
import type { HetznerSection } from "../../../src/providers/hetzner/schema.js";
import { ed25519KeyPair } from "../../../src/providers/hetzner/sshkey.js";

function model(workers = 1, extra = "", type = "cx23"): Model {
  const nodes = Array.from({ length: 1 + workers }, (_, i) =>
    [
      `  - name: ${i === 0 ? "cp-1" : `w-${i}`}`,
      `    role: ${i === 0 ? "controlplane" : "worker"}`,
      `    hetzner: { serverType: ${type} }`,
      `    interfaces: [{ network: private, name: eth1, address: 10.0.1.${i + 1} }]`,
    ].join("\n"),
  );
  const r = loadSpecText(
    [
      "apiVersion: cairn.dev/v1alpha1",
      "kind: Cluster",
      "name: lab",
      "talos: { version: v1.11.5 }",
      "networks:",
      "  private: { cidr: 10.0.0.0/16, carries: [management] }",
      "provider:",
      "  type: hetzner",
      "  location: fsn1",
      "  subnet: 10.0.1.0/24",
      "  firewall: { talosApiFrom: [198.51.100.0/24] }",
      extra,
      "nodes:",
      ...nodes,
      "",
    ].join("\n"),
    "cairn.yaml",
  );
  if (!r.model) throw new Error(JSON.stringify(r.diagnostics));
  return r.model;
}

const types: ServerType[] = [
  {
    id: 1,
    name: "cx23",
    architecture: "x86",
    cores: 2,
    memory: 4,
    disk: 40,
    locations: [{ id: 1, name: "fsn1" }],
  },
  {
    id: 2,
    name: "cax11",
    architecture: "arm",
    cores: 2,
    memory: 4,
    disk: 40,
    locations: [{ id: 1, name: "fsn1" }],
  },
  {
    id: 3,
    name: "ccx13",
    architecture: "x86",
    cores: 2,
    memory: 8,
    disk: 80,
    locations: [{ id: 5, name: "ash" }],
  },
];
const snapshot = (m: Model): Image => ({
  id: 77,
  type: "snapshot",
  status: "available",
  name: null,
  description: "talos",
  architecture: "x86",
  labels: imageLabels(bootImageOf(m, "cp-1")!.schematicId, "v1.11.5", "x86"),
  created_from: null,
  image_size: 1,
});

function observation(m: Model, over: Partial<HetznerObservation> = {}): HetznerObservation {
  return {
    serverTypes: types,
    locations: [
      { id: 1, name: "fsn1", network_zone: "eu-central", city: "", country: "" },
      { id: 5, name: "ash", network_zone: "us-east", city: "", country: "" },
    ],
    snapshots: [snapshot(m)],
    servers: [],
    networks: [],
    firewalls: [],
    placementGroups: [],
    loadBalancers: [],
    floatingIps: [],
    operator: { cidrs: ["198.51.100.0/24"] },
    ...over,
  };
}

function input(m: Model, over: Partial<HetznerPlanInput> = {}): HetznerPlanInput {
  const section = m.spec.provider as HetznerSection;
  return {
    cluster: m.name,
    section,
    nodes: m.nodes,
    joining: m.nodes.map((n) => n.name),
    leaving: [],
    known: [],
    observed: observation(m),
    network: privateNetwork({ provider: section, networks: m.spec.networks }),
    images: Object.fromEntries(m.nodes.map((n) => [n.name, bootImageOf(m, n.name)])),
    userData: Object.fromEntries(
      m.nodes.map((n) => [n.name, { bytes: 9000, configBytes: 40000, configHash: "h" }]),
    ),
    timeouts: { provision: 1, deprovision: 1 },
    ...over,
  };
}

describe("the Hetzner plan", () => {
  it("makes the load balancer's fixed private address the endpoint every machine config names", () => {
    const m = model();
    expect(m.endpoint.url).toBe("https://10.0.1.254:6443");
    expect(model(1, "  loadBalancer: { privateIp: 10.0.1.200 }").endpoint.url).toBe(
      "https://10.0.1.200:6443",
    );
    // Without the load balancer, the first control plane, as on every other provider.
    expect(model(1, "  loadBalancer: { enabled: false }").endpoint.url).toBe("https://10.0.1.1:6443");
  });

  it("creates network, firewall, groups, load balancer, then each server stopped → attached → on", () => {
    const m = model(2);
    const p = planHetzner(input(m));
    expect(p.blockers).toEqual([]);
    expect(p.before.map((a) => a.id)).toEqual([
      "hetzner-network",
      "hetzner-firewall",
      "hetzner-placement-group:lab-controlplane",
      "hetzner-placement-group:lab-worker-1",
      "hetzner-load-balancer",
    ]);
    expect(p.before[1]!.params.rules).toEqual(firewallRules(["198.51.100.0/24"], ["198.51.100.0/24"]));
    expect(p.before[4]!.params).toMatchObject({
      ip: "10.0.1.254",
      selector: "cairn.dev/cluster=lab,cairn.dev/role=controlplane",
    });
    expect(p.provision["w-2"]).toMatchObject({
      kind: "provision",
      dependsOn: ["hetzner-network", "hetzner-firewall", "hetzner-placement-group:lab-worker-1"],
      params: {
        serverType: "cx23",
        location: "fsn1",
        image: 77,
        ip: "10.0.1.3",
        network: "lab",
        placementGroup: "lab-worker-1",
      },
    });
  });

  it("puts at most 10 servers in a spread group, and refuses a named group of 11", () => {
    const nodes = Array.from({ length: 25 }, (_, i) => ({
      name: `w${i}`,
      role: "worker" as const,
      placement: { serverType: "cx23" },
    }));
    const g = placementGroups("lab", nodes, []);
    expect(Object.fromEntries(Object.entries(g.members).map(([k, v]) => [k, v.length]))).toEqual({
      "lab-worker-1": 10,
      "lab-worker-2": 10,
      "lab-worker-3": 5,
    });
    // A running server stays in its group.
    const kept = placementGroups("lab", nodes.slice(0, 1), [
      { name: "w0", placement_group: { name: "old" } } as Server,
    ]);
    expect(kept.of.w0).toBe("old");
    const m = model(11, "", "cx23");
    const named = {
      ...m,
      nodes: m.nodes.map((n) => ({
        ...n,
        spec: { ...n.spec, hetzner: { serverType: "cx23", placementGroup: "big" } },
      })),
    };
    expect(planHetzner(input(named as Model)).blockers).toContain(
      "placement group big would hold 12 servers; Hetzner's spread groups hold at most 10 (split them with hetzner.placementGroup)",
    );
  });

  it("checks server types and locations against the live catalogue, and needs the Talos snapshot", () => {
    const m = model(1, "", "cpx31");
    expect(planHetzner(input(m)).blockers[0]).toMatch(
      /^cp-1: server type cpx31 does not exist(; did you mean .*)? \(Hetzner's live catalogue\)$/,
    );
    expect(planHetzner(input(model(1, "", "ccx13"))).blockers).toContain(
      "cp-1: server type ccx13 is not offered in fsn1 (it is in ash)",
    );
    const arm = model(1, "", "cax11");
    expect(planHetzner(input(arm)).blockers[0]).toMatch(
      /^no Talos v1\.11\.5 snapshot for schematic 376567988ad3… in the project for cp-1: run `cairn image hetzner --yes`/,
    );
  });

  it("refuses user_data above 32,768 bytes with both sizes", () => {
    const m = model(0);
    const p = planHetzner(
      input(m, { userData: { "cp-1": { bytes: 40_120, configBytes: 150_000, configHash: "h" } } }),
    );
    expect(p.blockers).toEqual([
      "the machine config of cp-1 is 40,120 bytes as gzip+base64 user_data (150,000 bytes plain), over Hetzner's 32,768-byte limit: move large inline manifests or files out of the config",
    ]);
  });

  it("never takes over a name something else holds; keeps its own firewall's rules in line", () => {
    const m = model(0);
    const foreign = { id: 9, name: "lab", labels: {}, ip_range: "10.0.0.0/16", subnets: [], servers: [] };
    const p = planHetzner(input(m, { observed: observation(m, { networks: [foreign] }) }));
    expect(p.blockers).toContain(
      "a network named lab exists in the project but is not cairn's (no label cairn.dev/cluster=lab): cairn never touches it; rename or delete it, or rename the cluster",
    );
    expect(p.before.some((a) => a.id === "hetzner-network")).toBe(false);
    const ours = {
      id: 3,
      name: "lab",
      labels: { "cairn.dev/cluster": "lab" },
      rules: firewallRules(["203.0.113.0/24"], ["203.0.113.0/24"]),
      applied_to: [{ type: "label_selector", label_selector: { selector: "cairn.dev/cluster=lab" } }],
    };
    const q = planHetzner(input(m, { observed: observation(m, { firewalls: [ours] }) }));
    expect(q.before.find((a) => a.id === "hetzner-firewall")?.title).toMatch(
      /^update the firewall lab: in tcp 50000 from 198\.51\.100\.0\/24/,
    );
    const same = planHetzner(
      input(m, {
        observed: observation(m, {
          firewalls: [{ ...ours, rules: firewallRules(["198.51.100.0/24"], ["198.51.100.0/24"]) }],
        }),
      }),
    );
    expect(same.before.some((a) => a.id === "hetzner-firewall")).toBe(false);
  });

  it("a detected public address goes into the firewall; none detected is a blocker naming the field", () => {
    const m = model(0, "", "cx23");
    const p = planHetzner(
      input(m, { observed: observation(m, { operator: { error: "offline", via: "https://x" } }) }),
    );
    expect(p.blockers[0]).toBe(
      "cannot detect your public address for the firewall (offline); set provider.firewall.talosApiFrom (and kubernetesApiFrom) to your CIDRs",
    );
  });
});

describe("the optional floating IP", () => {
  const withFip = () => model(1, "  floatingIp: true");
  const fip = (over: Partial<FloatingIp>): FloatingIp => ({
    id: 4,
    name: "lab-api",
    ip: "203.0.113.77",
    type: "ipv4",
    server: null,
    labels: { "cairn.dev/cluster": "lab" },
    home_location: { id: 1, name: "fsn1", network_zone: "eu-central", city: "", country: "" },
    ...over,
  });
  // The first control plane as the API shows it once made (only the fields the plan reads matter here).
  const cp = {
    id: 42,
    name: "cp-1",
    status: "running",
    labels: { "cairn.dev/cluster": "lab", "cairn.dev/node": "cp-1", "cairn.dev/role": "controlplane" },
    server_type: { name: "cx23", architecture: "x86" },
    image: { id: 77 },
    private_net: [{ network: 1, ip: "10.0.1.1" }],
    public_net: { ipv4: { ip: "198.51.100.9" }, floating_ips: [] },
    placement_group: { name: "lab-controlplane" },
    datacenter: { location: { name: "fsn1" } },
  } as unknown as Server;
  const fipAction = (p: ReturnType<typeof planHetzner>) =>
    p.before.find((a) => a.id === "hetzner-floating-ip");

  it("is off unless asked", () => {
    expect(fipAction(planHetzner(input(model(1))))).toBeUndefined();
    expect(planHetzner(input(model(1))).provision["cp-1"]!.params.floatingIp).toBeNull();
  });

  it("is reserved in the location and assigned to the first control plane once it exists", () => {
    const m = withFip();
    const p = planHetzner(input(m));
    expect(p.blockers).toEqual([]);
    expect(fipAction(p)).toMatchObject({
      title: "reserve an IPv4 floating IP lab-api in fsn1, assigned to cp-1",
      params: { name: "lab-api", location: "fsn1", server: null, cluster: "lab" },
    });
    // The server is not there yet: its provisioning assigns the address once it is made.
    expect(p.provision["cp-1"]!.params.floatingIp).toBe("lab-api");
    expect(p.provision["w-1"]!.params.floatingIp).toBeNull();
  });

  it("one of cairn's on the first control plane needs nothing; elsewhere it is assigned back", () => {
    const m = withFip();
    const at = (server: number | null) =>
      planHetzner(input(m, { observed: observation(m, { servers: [cp], floatingIps: [fip({ server })] }) }));
    expect(fipAction(at(42))).toBeUndefined();
    expect(fipAction(at(null))).toMatchObject({
      title: "assign the floating IP 203.0.113.77 (lab-api) to cp-1",
      params: { server: "cp-1" },
    });
  });

  it("one of the same name that is not cairn's stops the plan and is never touched", () => {
    const m = withFip();
    const p = planHetzner(input(m, { observed: observation(m, { floatingIps: [fip({ labels: {} })] }) }));
    expect(p.blockers).toContain(
      "a floating IP named lab-api exists in the project but is not cairn's (no label cairn.dev/cluster=lab): cairn never touches it; rename or delete it, or rename the cluster",
    );
    expect(fipAction(p)).toBeUndefined();
  });
});

describe("the throwaway SSH key", () => {
  it("is an OpenSSH private key ssh-keygen reads back to the same public key", () => {
    const k = ed25519KeyPair("cairn-test");
    const dir = mkdtempSync(join(tmpdir(), "cairn-sshkey-"));
    writeFileSync(join(dir, "key"), k.privateKey, { mode: 0o600 });
    let pub: string;
    try {
      pub = execFileSync("ssh-keygen", ["-y", "-f", join(dir, "key")], { encoding: "utf8" }).trim();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(pub.split(" ").slice(0, 2).join(" ")).toBe(k.publicKey.split(" ").slice(0, 2).join(" "));
    expect(k.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43} cairn-test$/);
  });
});
