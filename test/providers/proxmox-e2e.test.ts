// Issue 11's acceptance on Proxmox VE, against the simulated PVE (8.4 and 9.1) booting twin nodes, for the examples of
// seeds 000 (VLAN homelab), 002 (PVE HA + Ceph) and 004 (per-node META images, 3 + 2): plan lists the VMs in PVE's
// terms, apply killed at 10 random points then rerun ends healthy with no duplicate VM or volume, plan exits 0,
// removing a worker deletes exactly its VM, destroy leaves nothing of cairn's and every decoy untouched.
// Seed 000 once more where the storage has no import content: the ISO fallback's VMs, downloads and life (3 kills).
import { describe, expect, it } from "vitest";
import { expectCommonLife, runScenario, type Report } from "./e2e-run.js";

const KILLS = Number(process.env.CAIRN_E2E_KILLS ?? 10);

interface Vm {
  vmid: number;
  node: string;
  config: Record<string, string>;
  status: string;
}
const vms = (s: Report): Vm[] => s.vms as Vm[];
const owned = (s: Report, tag: string): Vm[] =>
  vms(s).filter((v) => (v.config.tags ?? "").split(";").includes(tag));
const volids = (s: Report): string[] => (s.volumes as { volid: string }[]).map((v) => v.volid);
/** Volumes where they live: a node's own storage, or a shared one (one copy for every node). */
const placed = (s: Report): string[] =>
  (s.volumes as { volid: string; node: string; storage: string }[]).map((v) => `${v.node}/${v.volid}`);

function expectPveLife(
  r: Report,
  expected: { tag: string; vms: Record<number, string>; images: number; seeds: boolean },
) {
  expectCommonLife(r, KILLS);
  const mine = owned(r.afterApply, expected.tag);
  // One VM per node at its spec id, running, nothing duplicated.
  expect(Object.fromEntries(mine.map((v) => [v.vmid, v.config.name]))).toEqual(expected.vms);
  expect(mine.every((v) => v.status === "running")).toBe(true);
  const where = placed(r.afterApply);
  expect(new Set(where).size).toBe(where.length);
  const all = volids(r.afterApply);
  const cluster = expected.tag.replace(/^cairn-/, "");
  const images = all.filter((v) => new RegExp(`/cairn-${cluster}-talos-v\\d`).test(v));
  expect(new Set(images.map((v) => v.split("/").pop())).size).toBe(expected.images);
  // Seeds are gone once the nodes run their configs (they held the machine configs).
  expect(all.filter((v) => new RegExp(`cairn-${cluster}-.*-cidata-[0-9a-f]{12}`).test(v))).toEqual([]);
  expect(mine.some((v) => Object.values(v.config).some((x) => /cidata/.test(x)))).toBe(false);
  // destroy: nothing of cairn's left; the decoys untouched.
  expect(owned(r.afterDestroy, expected.tag)).toEqual([]);
  expect(
    volids(r.afterDestroy).filter((v) =>
      new RegExp(`/cairn-${cluster}-(talos-v\\d|.*-cidata-[0-9a-f]{12})`).test(v),
    ),
  ).toEqual([]);
  for (const d of r.decoys as { kind: string; key: string | number }[]) {
    if (d.kind === "vm") {
      const before = vms(r.afterApply).find((v) => v.vmid === d.key);
      expect(vms(r.afterDestroy).find((v) => v.vmid === d.key)).toEqual(before);
    } else expect(volids(r.afterDestroy)).toContain(d.key);
  }
  expect(r.afterDestroy.ha).toEqual([]);
  expect(r.afterDestroy.haRules).toEqual([]);
  expect(r.afterDestroy.haGroups).toEqual([]);
}

describe("Proxmox VE end to end on the simulated PVE (unshare --net)", () => {
  it("seed 000: three VLAN-homelab VMs across three hosts, cidata seeds, killed and resumed", () => {
    const r = runScenario("homelab-proxmox-vlans.yaml", KILLS);
    expect(r.plan1.out).toContain(
      "create VM 101 on pve-ms01-01: talos-k8s-01, 4 cores, 8 GiB, 64 GiB disk on local-lvm, NIC vmbr0, NIC vmbr0; start it",
    );
    expect(r.plan1.out).toContain("create VM 103 on pve-aimax-01: talos-k8s-03");
    expect(r.plan1.out).toMatch(
      /download the Talos v1\.8\.3 nocloud disk image .* to local:import\/cairn-homelab-k8s-talos-v1\.8\.3-/,
    );
    expect(r.plan1.out).toContain(
      "first boot: cidata CD-ROM local:iso/cairn-homelab-k8s-talos-k8s-01-cidata-",
    );
    // HA on PVE 8: a group per VM preferring its own host.
    expect(r.afterApply.haGroups.map((g: Report) => [g.group, g.nodes]).sort()).toEqual([
      ["cairn_homelab_k8s_talos_k8s_01", "pve-ms01-01:2,pve-ms01-02:1,pve-aimax-01:1"],
      ["cairn_homelab_k8s_talos_k8s_02", "pve-ms01-02:2,pve-ms01-01:1,pve-aimax-01:1"],
      ["cairn_homelab_k8s_talos_k8s_03", "pve-aimax-01:2,pve-ms01-01:1,pve-ms01-02:1"],
    ]);
    expect(r.afterApply.ha.map((x: Report) => [x.sid, x.group]).sort()).toEqual([
      ["vm:101", "cairn_homelab_k8s_talos_k8s_01"],
      ["vm:102", "cairn_homelab_k8s_talos_k8s_02"],
      ["vm:103", "cairn_homelab_k8s_talos_k8s_03"],
    ]);
    // A VM changed behind cairn's back: diff shows it in PVE's terms, plan updates it, apply puts it back.
    expect(r.driftDiff.code).toBe(2);
    expect(r.driftDiff.out).toContain(
      "talos-k8s-01 (VM 101): the machine drifted\n  cores: VM has 2, spec 4",
    );
    expect(r.driftPlan.code).toBe(2);
    expect(r.driftPlan.out).toContain("update VM 101 on pve-ms01-01 (talos-k8s-01): cores: VM has 2, spec 4");
    expect(r.driftApply.code, r.driftApply.tail).toBe(0);
    expect(r.driftPlanAfter.code).toBe(0);
    expect(r.driftDiffAfter.code).toBe(0);
    expectPveLife(r, {
      tag: "cairn-homelab-k8s",
      vms: { 101: "talos-k8s-01", 102: "talos-k8s-02", 103: "talos-k8s-03" },
      // local is per node: one download on each of the three hosts, of the one schematic+version.
      images: 1,
      seeds: true,
    });
  }, 900_000);

  it("seed 002: PVE 9.1 HA rules, Ceph storages shared by the hosts, one image download", () => {
    const r = runScenario("platform-cilium-gateway.yaml", KILLS);
    expect(r.plan1.out).toContain(
      "create VM 1030 on trinity: talos-trinity, 8 cores, 16 GiB, 100 GiB disk on ceph-vm-disks, NIC vmbr0 tag 3; start it",
    );
    expect(r.plan1.out).toContain("HA resource vm:1030 (rule cairn_k8s_talos_trinity: trinity:2,");
    expect(r.plan1.out.match(/proxmox-image/g)).toHaveLength(1);
    expect(r.afterApply.haRules.map((x: Report) => [x.rule, x.type, x.resources]).sort()).toEqual([
      ["cairn_k8s_talos_neo", "node-affinity", "vm:1031"],
      ["cairn_k8s_talos_niobe", "node-affinity", "vm:1032"],
      ["cairn_k8s_talos_trinity", "node-affinity", "vm:1030"],
    ]);
    expect(r.afterApply.ha.map((x: Report) => x.sid).sort()).toEqual(["vm:1030", "vm:1031", "vm:1032"]);
    expect(owned(r.afterApply, "cairn-k8s").every((v) => /tag=3/.test(v.config.net0 ?? ""))).toBe(true);
    expectPveLife(r, {
      tag: "cairn-k8s",
      vms: { 1030: "talos-trinity", 1031: "talos-neo", 1032: "talos-niobe" },
      images: 1,
      seeds: true,
    });
  }, 900_000);

  it("seed 000 where PVE cannot import: the Talos ISO and an empty disk Talos installs itself to", () => {
    // Fewer kills than the seeds' own runs: this variant proves the boot path, the seeds prove the resumption.
    const kills = Math.min(KILLS, 3);
    const r = runScenario("iso-boot:homelab-proxmox-vlans.yaml", kills);
    expect(r.plan1.out).toContain(
      "talos-k8s-01: storage local on pve-ms01-01 has no import content enabled; cairn boots the Talos ISO and lets Talos install itself",
    );
    expect(r.plan1.out).toMatch(
      /download the Talos v1\.8\.3 nocloud ISO .* to local:iso\/cairn-homelab-k8s-talos-v1\.8\.3-[0-9a-f]{12}-nocloud-amd64\.iso on pve-ms01-01/,
    );
    expect(r.plan1.out).toContain("boot disk: empty 64 GiB; Talos installs itself from local:iso/");
    const mine = owned(r.afterApply, "cairn-homelab-k8s");
    for (const v of mine) {
      expect(v.config.ide0, v.config.name).toMatch(
        /^local:iso\/cairn-homelab-k8s-talos-v1\.8\.3-[0-9a-f]{12}-nocloud-amd64\.iso,media=cdrom/,
      );
      expect(v.config.boot).toBe("order=scsi0;ide0");
      expect(v.config.scsi0).toMatch(/^local-lvm:vm-\d+-disk-\d+,.*size=64G/);
    }
    // No disk image was imported: the ISO only, one copy per host (local is per node).
    const isos = placed(r.afterApply).filter((v) => /\/cairn-homelab-k8s-talos-v/.test(v));
    const iso = /local:iso\/cairn-homelab-k8s-talos-v1\.8\.3-[0-9a-f]{12}-nocloud-amd64\.iso$/.exec(
      isos[0] ?? "",
    )?.[0];
    expect(iso, isos.join(", ")).toBeDefined();
    expect(isos.sort()).toEqual(["pve-aimax-01", "pve-ms01-01", "pve-ms01-02"].map((h) => `${h}/${iso}`));
    expectCommonLife(r, kills);
    expect(owned(r.afterDestroy, "cairn-homelab-k8s")).toEqual([]);
    // Nothing of cairn's (the decoy named like a seed, without its content hash, is not cairn's and stays).
    expect(
      volids(r.afterDestroy).filter((v) => /\/cairn-homelab-k8s-(talos-v\d|.*-cidata-[0-9a-f]{12})/.test(v)),
    ).toEqual([]);
    expect(volids(r.afterDestroy)).toContain("local:iso/cairn-homelab-k8s-talos-k8s-01-cidata.iso");
  }, 900_000);

  it("seed 004: per-node META images on one host, 3 + 2; removing worker1 deletes exactly its VM", () => {
    const r = runScenario("proxmox-5node-vip-pools.yaml", KILLS);
    expect(r.plan1.out).toContain(
      "create VM 8200 on atlas: worker0, 4 cores, 16 GiB, 64 GiB disk on local-lvm, NIC vmbr0",
    );
    expect(r.plan1.out).toContain("first boot: the image's META key 10 holds the static addresses");
    // One image per node: each bakes the node's own addresses.
    expect(r.plan1.out.match(/ proxmox-image /g)).toHaveLength(5);
    expectPveLife(r, {
      tag: "cairn-test-cluster",
      vms: {
        8100: "controlplane0",
        8101: "controlplane1",
        8102: "controlplane2",
        8200: "worker0",
        8201: "worker1",
      },
      images: 5,
      seeds: false,
    });
    expect(r.removalPlan.out).toContain("delete VM 8201 on atlas (worker1): stop, destroy with purge");
    expect(r.removal.code).toBe(0);
    const before = owned(r.afterApply, "cairn-test-cluster");
    const after = owned(r.afterRemoval, "cairn-test-cluster");
    expect(after.map((v) => v.vmid).sort()).toEqual([8100, 8101, 8102, 8200]);
    for (const v of after) expect(v.config).toEqual(before.find((b) => b.vmid === v.vmid)!.config);
    expect(volids(r.afterRemoval).filter((v) => /vm-8201-/.test(v))).toEqual([]);
    expect(r.plan3.code).toBe(0);
  }, 900_000);
});
