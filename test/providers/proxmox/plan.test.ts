// The Proxmox provider's pure half: the VM cairn asks for (its create parameters checked against PVE's own API
// schema, 8.4 and 9.1), drift read from configs as PVE writes them back, and the plan — blockers for what is not
// cairn's, one image per schematic+version+storage, the ISO fallback, orphans, updates and deletions.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSpecText } from "../../../src/clusterspec/load.js";
import type { Model } from "../../../src/clusterspec/model.js";
import { bootImageOf } from "../../../src/ops/open.js";
import { ownsVolume, type PveObservation } from "../../../src/providers/proxmox/observe.js";
import { planProxmox, type ProxmoxPlanInput } from "../../../src/providers/proxmox/plan.js";
import type { ProxmoxSection } from "../../../src/providers/proxmox/schema.js";
import { createParams, describeVm, desiredVm, vmDrift } from "../../../src/providers/proxmox/vm.js";
import { PveSchema } from "../../fakes/proxmox/schema.js";
import { SHARED } from "../../helpers/shared.js";

function model(
  extra = "",
  nodes = 2,
  networks = "  lan: { cidr: 10.0.0.0/24, gateway: 10.0.0.1, vlan: 16 }",
): Model {
  const list = Array.from({ length: nodes }, (_, i) =>
    [
      `  - name: n${i + 1}`,
      `    role: ${i === 0 ? "controlplane" : "worker"}`,
      `    proxmox: { host: pve${(i % 2) + 1}, vmid: ${101 + i} }`,
      `    interfaces: [{ network: lan, name: eth0, address: 10.0.0.${11 + i} }]`,
    ].join("\n"),
  );
  const r = loadSpecText(
    [
      "apiVersion: cairn.dev/v1alpha1",
      "kind: Cluster",
      "name: lab",
      "talos: { version: v1.11.5 }",
      "networks:",
      networks,
      "provider:",
      "  type: proxmox",
      "  endpoint: https://pve1:8006",
      extra,
      "nodes:",
      ...list,
      "",
    ].join("\n"),
    "cairn.yaml",
  );
  if (!r.model) throw new Error(JSON.stringify(r.diagnostics));
  return r.model;
}

const storages = (importContent = true) => [
  {
    storage: "local",
    type: "dir",
    content: ["iso", "vztmpl", ...(importContent ? ["import"] : [])],
    active: true,
    enabled: true,
    shared: false,
    avail: 1e12,
  },
  {
    storage: "local-lvm",
    type: "lvmthin",
    content: ["images", "rootdir"],
    active: true,
    enabled: true,
    shared: false,
    avail: 1e12,
  },
];

function observation(over: Partial<PveObservation> = {}): PveObservation {
  return {
    version: { version: "8.4.1", major: 8, minor: 4 },
    nodes: { pve1: "online", pve2: "online" },
    storages: { pve1: storages(), pve2: storages() },
    vms: [],
    foreign: [],
    others: [],
    volumes: {},
    otherVolumes: {},
    ha: { resources: [], groups: [], rules: [] },
    ...over,
  };
}

function input(m: Model, over: Partial<ProxmoxPlanInput> = {}): ProxmoxPlanInput {
  return {
    cluster: m.name,
    section: m.spec.provider as ProxmoxSection,
    nodes: m.nodes,
    joining: m.nodes.map((n) => n.name),
    leaving: [],
    known: [],
    observed: observation(),
    images: Object.fromEntries(m.nodes.map((n) => [n.name, bootImageOf(m, n.name)])),
    seeds: Object.fromEntries(m.nodes.map((n) => [n.name, `cairn-lab-${n.name}-cidata-0123456789ab.iso`])),
    networkMeta: false,
    timeouts: { provision: 1000, deprovision: 1000 },
    ...over,
  };
}

const desired = (m: Model, name = "n1", mode: "import" | "iso" = "import") => {
  const n = m.nodes.find((x) => x.name === name)!;
  return desiredVm({
    cluster: m.name,
    node: n,
    section: m.spec.provider as ProxmoxSection,
    placement: n.spec.proxmox!,
    image: bootImageOf(m, name)!,
    mode,
    cidataFilename: `cairn-lab-${name}-cidata-0123456789ab.iso`,
    networkMeta: false,
  });
};

describe("the VM cairn creates", () => {
  for (const [version, file] of [
    ["8.4", "apidoc.json"],
    ["9.1", "apidoc-pve9.json"],
  ] as const)
    it(`its create parameters pass PVE ${version}'s own schema (import and ISO boot)`, () => {
      const schema = new PveSchema(join(SHARED, "reference/proxmox", file));
      const match = schema.match("POST", "/nodes/pve1/qemu")!;
      for (const mode of ["import", "iso"] as const) {
        const p = Object.fromEntries(
          Object.entries(createParams(desired(model(), "n1", mode))).map(([k, v]) => [k, String(v)]),
        );
        expect(schema.validate(match.info, { ...p, node: "pve1" })).toEqual({});
      }
    });

  it("is q35/OVMF with an EFI disk, cpu host, the imported boot disk, a tagged virtio NIC, a serial console, the seed", () => {
    const p = createParams(desired(model()));
    expect(p).toMatchObject({
      vmid: 101,
      name: "n1",
      machine: "q35",
      bios: "ovmf",
      cpu: "host",
      cores: "4",
      memory: "8192",
      balloon: "0",
      scsihw: "virtio-scsi-pci",
      serial0: "socket",
      efidisk0: "local-lvm:1,efitype=4m,pre-enrolled-keys=0",
      scsi0:
        "local-lvm:0,import-from=local:import/cairn-lab-talos-v1.11.5-376567988ad3-nocloud-amd64.qcow2,discard=on,ssd=1",
      ide2: "local:iso/cairn-lab-n1-cidata-0123456789ab.iso,media=cdrom",
      boot: "order=scsi0",
      tags: "cairn-lab;controlplane;talos",
    });
    // Proxmox tags VLAN 16 on the NIC (tagging: hypervisor, the Proxmox default); the MAC is cairn's, stable.
    expect(p.net0).toMatch(/^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0,tag=16$/);
    expect(describeVm(desired(model()))).toBe(
      "VM 101 on pve1: n1, 4 cores, 8 GiB, 64 GiB disk on local-lvm, NIC vmbr0 tag 16",
    );
    // Without import content: an empty disk and the Talos ISO behind it in the boot order.
    const iso = createParams(desired(model(), "n1", "iso"));
    expect(iso).toMatchObject({ scsi0: "local-lvm:64,discard=on,ssd=1", boot: "order=scsi0;ide0" });
    expect(String(iso.ide0)).toMatch(
      /^local:iso\/cairn-lab-talos-v1\.11\.5-.*-nocloud-amd64\.iso,media=cdrom$/,
    );
  });

  it("a config as PVE writes it back has no drift; real changes do, in PVE's terms", () => {
    const d = desired(model());
    const mac = /=([0-9A-F:]{17})/.exec(createParams(d).net0 as string)![1]!;
    // How PVE stores it: strings, model=MAC first, keys re-ordered, size added to the disk, tags sorted.
    const readBack: Record<string, string> = {
      name: "n1", machine: "q35", bios: "ovmf", ostype: "l26", cpu: "host", sockets: "1", cores: "4",
      memory: "8192", balloon: "0", scsihw: "virtio-scsi-pci", serial0: "socket", onboot: "1",
      agent: "enabled=0", net0: `virtio=${mac.toLowerCase()},tag=16,bridge=vmbr0`,
      scsi0: "local-lvm:vm-101-disk-1,discard=on,size=64G,ssd=1",
      tags: "backup;cairn-lab;controlplane;talos", digest: "x", vmgenid: "y",
    }; // prettier-ignore
    expect(vmDrift(d, readBack)).toEqual({
      changes: [],
      set: {},
      remove: [],
      resize: undefined,
      tags: undefined,
    });
    const drifted = vmDrift(d, {
      ...readBack,
      cores: "2",
      net0: `virtio=${mac},bridge=vmbr1,tag=16`,
      net1: "virtio=BC:24:11:00:00:01,bridge=vmbr0",
      scsi0: "local-lvm:vm-101-disk-1,size=32G",
      tags: "talos",
    });
    expect(drifted.changes).toEqual([
      "cores: VM has 2, spec 4",
      `net0: VM has vmbr1 tag 16 ${mac}, spec vmbr0 tag 16 ${mac}`,
      "net1: VM has vmbr0 untagged BC:24:11:00:00:01, not in the spec",
      "scsi0: disk is 32 GiB, spec 64 GiB (grown)",
      "tags: missing cairn-lab, controlplane",
    ]);
    expect(drifted).toMatchObject({
      set: { cores: "4" },
      remove: ["net1"],
      resize: "64G",
      tags: "cairn-lab;controlplane;talos",
    });
  });
});

describe("the Proxmox plan", () => {
  it("downloads one image per schematic+version+storage, creates each VM, removes each seed after its node runs", () => {
    const m = model("", 3);
    const p = planProxmox(input(m));
    expect(p.blockers).toEqual([]);
    // n1 and n3 share pve1's local storage: one download there, one on pve2.
    expect(p.before.map((a) => a.id).sort()).toEqual([
      "proxmox-image:pve1/local:import/cairn-lab-talos-v1.11.5-376567988ad3-nocloud-amd64.qcow2",
      "proxmox-image:pve2/local:import/cairn-lab-talos-v1.11.5-376567988ad3-nocloud-amd64.qcow2",
    ]);
    expect(Object.keys(p.provision)).toEqual(["n1", "n2", "n3"]);
    expect(p.provision.n3!.dependsOn).toEqual([p.before.find((a) => a.id.includes("pve1/"))!.id]);
    expect(Object.keys(p.settle!)).toEqual(["n1", "n2", "n3"]);
    // An image already on the storage is not downloaded again.
    const have = planProxmox(
      input(m, {
        observed: observation({
          volumes: {
            "pve1/local": [
              {
                volid: "local:import/cairn-lab-talos-v1.11.5-376567988ad3-nocloud-amd64.qcow2",
                content: "import",
                format: "qcow2",
                size: 1,
                ctime: 1,
                vmid: undefined,
              },
            ],
          },
        }),
      }),
    );
    expect(have.before.map((a) => a.id)).toEqual([
      "proxmox-image:pve2/local:import/cairn-lab-talos-v1.11.5-376567988ad3-nocloud-amd64.qcow2",
    ]);
  });

  it("refuses a VM id that something else holds, never touching it", () => {
    const m = model();
    const p = planProxmox(
      input(m, {
        observed: observation({ foreign: [{ vmid: 101, host: "pve1", name: "n1", tags: "talos" }] }),
      }),
    );
    expect(p.blockers).toEqual([
      "VM 101 on pve1 (n1) exists but is not cairn's (no tag cairn-lab): cairn never touches it. Give the spec's node another vmid, or remove that VM yourself",
    ]);
  });

  it("boots the Talos ISO where PVE cannot import (older than 8.4, or no import content)", () => {
    const m = model();
    for (const observed of [
      observation({ version: { version: "8.3.2", major: 8, minor: 3 } }),
      observation({ storages: { pve1: storages(false), pve2: storages(false) } }),
    ]) {
      const p = planProxmox(input(m, { observed }));
      expect(p.warnings[0]).toMatch(/cairn boots the Talos ISO and lets Talos install itself/);
      expect((p.provision.n1!.params.create as Record<string, string>).ide0).toMatch(/\.iso,media=cdrom$/);
      expect(p.before[0]!.params).toMatchObject({ content: "iso", storage: "local" });
    }
  });

  it("updates a drifted VM, deletes a leaving node's VM and an orphan that never joined", () => {
    const m = model();
    const d = desired(m);
    const vm = (vmid: number, name: string, config: Record<string, string> = {}) => ({
      vmid, host: "pve1", name, status: "running", lock: undefined, tags: "cairn-lab;talos",
      config: { ...(createParams(d) as Record<string, string>), cores: "2", name, ...config },
    }); // prettier-ignore
    const observed = observation({ vms: [vm(101, "n1"), vm(150, "old"), vm(151, "ghost")] });
    const p = planProxmox(
      input(m, {
        joining: ["n2"],
        known: ["n1", "old"],
        leaving: [{ name: "old", role: "worker" }],
        observed,
      }),
    );
    expect(p.before.filter((a) => a.kind !== "proxmox-image").map((a) => [a.kind, a.title])).toEqual([
      [
        "proxmox-vm-delete",
        "delete VM 151 (ghost) on pve1: cairn made it for a node that is no longer in the spec and never joined",
      ],
      ["proxmox-vm-update", "update VM 101 on pve1 (n1): cores: VM has 2, spec 4"],
    ]);
    expect(p.deprovision.old).toMatchObject({
      kind: "deprovision",
      params: { vmid: 150, host: "pve1", tag: "cairn-lab" },
    });
  });

  it("owns only the file names it makes for this cluster", () => {
    expect(ownsVolume("lab", ["n1"], "cairn-lab-talos-v1.11.5-376567988ad3-nocloud-amd64.qcow2")).toBe(true);
    expect(ownsVolume("lab", ["n1"], "cairn-lab-n1-cidata-0123456789ab.iso")).toBe(true);
    expect(ownsVolume("lab", ["n1"], "cairn-lab-2-talos-v1.11.5-376567988ad3-nocloud-amd64.qcow2")).toBe(
      false,
    );
    expect(ownsVolume("lab", ["n1"], "cairn-lab-n1-cidata.iso")).toBe(false);
    expect(ownsVolume("lab", ["n1"], "cairn-lab-n2-cidata-0123456789ab.iso")).toBe(false);
    expect(ownsVolume("lab", ["n1"], "talos-nocloud-amd64.iso")).toBe(false);
  });
});
