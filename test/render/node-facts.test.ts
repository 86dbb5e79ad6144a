// What the rendered machine configs say about each node's networking, read back from the YAML a node would get
// (issue 10 §1, §2, §4): where VLAN tags are applied, which subnet kubelet and etcd use on multi-homed nodes, and
// the API server's certificate SANs. Every config is also checked against the contract's official JSON Schema.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadSpecText } from "../../src/clusterspec/load.js";
import { planRows } from "../../src/clusterspec/plan-table.js";
import { renderNodeConfig } from "../../src/render/machine-configs.js";
import { parseSecretsBundle } from "../../src/talos/secrets/format.js";
import { validateTalosDocuments } from "../../src/talos/config/validate.js";
import { REPO_ROOT, TALOS_GOLDEN } from "../helpers/shared.js";

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const secrets = parseSecretsBundle(readFileSync(`${TALOS_GOLDEN}secrets.yaml`, "utf8"));
const example = (name: string) => readFileSync(join(REPO_ROOT, "examples", name), "utf8");

/** Loads spec text and renders every node: name → its documents, schema-checked. */
function render(text: string): Map<string, Doc[]> {
  const r = loadSpecText(text, "spec.yaml");
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const out = new Map<string, Doc[]>();
  for (const node of r.model!.nodes) {
    const cfg = renderNodeConfig(r.model!, secrets, node, () => "");
    expect(validateTalosDocuments(cfg.text, r.model!.contract)).toEqual([]);
    out.set(
      node.name,
      parseAllDocuments(cfg.text).map((d) => (d as { toJS(): Doc }).toJS()),
    );
  }
  return out;
}

describe("VLAN tagging is one explicit choice (issue 10 §1)", () => {
  it("seed 000 tags in Talos: VLAN sub-interfaces 16 and 28 carry the addresses, the links none", () => {
    const cp1 = render(example("homelab-proxmox-vlans.yaml")).get("talos-k8s-01")![0]!;
    const ifaces = cp1.machine.network.interfaces as Doc[];
    expect(
      ifaces.map((i) => [i.interface, i.addresses, i.vlans.map((v: Doc) => [v.vlanId, v.addresses])]),
    ).toEqual([
      ["eth0", undefined, [[16, ["10.8.16.20/24"]]]],
      ["eth1", undefined, [[28, ["10.8.28.1/24"]]]],
    ]);
    expect(ifaces[0]!.vlans[0].routes).toEqual([{ network: "0.0.0.0/0", gateway: "10.8.16.1" }]);
  });

  it("seed 002 tags on the Proxmox NIC: Talos sees an untagged eth0", () => {
    const docs = render(example("platform-cilium-gateway.yaml")).get("talos-neo")!;
    const [eth0] = docs[0]!.machine.network.interfaces as Doc[];
    expect(eth0).toMatchObject({ interface: "eth0", addresses: ["10.0.3.17/24"] });
    expect(eth0!.vlans).toBeUndefined();
  });

  it("the plan says where each tag is applied, from the same field the renderer reads", () => {
    const plan = (name: string) => planRows(loadSpecText(example(name), name).model!).map((r) => r.vlan);
    expect(new Set(plan("homelab-proxmox-vlans.yaml"))).toEqual(
      new Set(["16 (tagged by Talos)", "28 (tagged by Talos)"]),
    );
    expect(new Set(plan("platform-cilium-gateway.yaml"))).toEqual(new Set(["3 (tagged by hypervisor)"]));
  });

  it("defaults per provider, overridable per network and per interface; vlan 0 is untagged everywhere", () => {
    const base = example("platform-cilium-gateway.yaml").replace("    tagging: hypervisor\n", "");
    const model = (text: string) => loadSpecText(text, "x").model!;
    expect(model(base).nodes[0]!.interfaces[0]).toMatchObject({ vlan: 3, tagging: "hypervisor" });
    const node = model(base.replace("    vlan: 3\n", "    vlan: 3\n    tagging: node\n"));
    expect(node.nodes[0]!.interfaces[0]).toMatchObject({ vlan: 3, tagging: "node" });
    const perIface = model(base.replace("address: 10.0.3.16 }", "address: 10.0.3.16, tagging: node }"));
    expect(perIface.nodes.map((n) => n.interfaces[0]!.tagging)).toEqual(["node", "hypervisor", "hypervisor"]);
    const untagged = model(base.replace("address: 10.0.3.16 }", "address: 10.0.3.16, vlan: 0 }"));
    expect(untagged.nodes[0]!.interfaces[0]!.vlan).toBeUndefined();
    const staticSpec = example("home-ops-ceph.yaml").replace(
      "    carries: [storage]\n",
      "    vlan: 48\n    carries: [storage]\n",
    );
    expect(model(staticSpec).nodes[0]!.interfaces[1]).toMatchObject({ vlan: 48, tagging: "node" });
  });
});

describe("multi-homed nodes pin kubelet's and etcd's address to the management network (issue 10 §2)", () => {
  // Up to 1.13 both live in the v1alpha1 document; 1.14 moves kubelet's into KubeNodeConfig.nodeIP.
  const pinned = (docs: Doc[]) => ({
    kubelet:
      docs[0]!.machine.kubelet?.nodeIP?.validSubnets ??
      docs.find((d) => d.kind === "KubeNodeConfig")?.nodeIP?.validSubnets,
    etcd: docs[0]!.cluster.etcd?.advertisedSubnets,
  });

  it("seed 000 (management + pod VLAN) and seed 003 (management + Ceph)", () => {
    for (const docs of render(example("homelab-proxmox-vlans.yaml")).values())
      expect(pinned(docs)).toEqual({ kubelet: ["10.8.16.0/24"], etcd: ["10.8.16.0/24"] });
    for (const docs of render(example("home-ops-ceph.yaml")).values())
      expect(pinned(docs)).toEqual({ kubelet: ["192.168.5.0/24"], etcd: ["192.168.5.0/24"] });
  });

  it.each(["v1.8.3", "v1.9.6", "v1.10.9", "v1.11.6", "v1.12.11", "v1.13.9", "v1.14.0"])(
    "for contract %s, workers get the kubelet pin only",
    (v) => {
      const text = example("home-ops-ceph.yaml")
        .replace("  version: v1.11.5 # machineconfig.yaml.j2:54", `  version: ${v}`)
        .replace("  version: 1.34.1\n", `  version: ${v === "v1.8.3" ? "1.31.4" : "1.32.1"}\n`)
        .replace(/ {2}- name: talos-m03\n {4}role: controlplane/, "  - name: talos-m03\n    role: worker")
        // Spegel needs Talos 1.9 or newer (the v1.8.3 case); these facts do not depend on it.
        .replace("  spegel: {}\n", "");
      const rendered = render(text);
      expect(pinned(rendered.get("talos-m01")!)).toEqual({
        kubelet: ["192.168.5.0/24"],
        etcd: ["192.168.5.0/24"],
      });
      expect(pinned(rendered.get("talos-m03")!)).toEqual({ kubelet: ["192.168.5.0/24"], etcd: undefined });
    },
  );

  it("a single-homed node is left to Talos' defaults", () => {
    for (const docs of render(example("platform-cilium-gateway.yaml")).values())
      expect(pinned(docs)).toEqual({ kubelet: undefined, etcd: undefined });
  });
});

describe("API server certificate SANs (issue 10 §4)", () => {
  it("seed 000 lists 10.8.16.20 once, in talosctl's order (endpoint host first, then extraSANs)", () => {
    const docs = render(example("homelab-proxmox-vlans.yaml")).get("talos-k8s-01")!;
    expect(docs[0]!.cluster.apiServer.certSANs).toEqual([
      "10.8.16.20",
      "10.8.16.21",
      "10.8.16.22",
      "k8s-api.lab.local",
    ]);
    expect(docs[0]!.machine.certSANs).toEqual([
      "10.8.16.20",
      "10.8.16.21",
      "10.8.16.22",
      "k8s-api.lab.local",
    ]);
  });
});
