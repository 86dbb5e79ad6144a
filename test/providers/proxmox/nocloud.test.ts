// The NoCloud cidata volume, checked by independent readers from Debian: isoinfo (genisoimage) and xorriso read the
// label, the Rock Ridge and Joliet names and the file contents, blkid sees LABEL=cidata TYPE=iso9660 (what Talos'
// volume discovery matches). The fake's own ISO reader is checked the other way round, on images xorriso made.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildIso } from "../../../src/providers/proxmox/iso9660.js";
import {
  buildCidata,
  cidataFiles,
  cidataFilename,
  deterministicMac,
  type CidataInput,
} from "../../../src/providers/proxmox/nocloud.js";
import { readIso } from "../../fakes/proxmox/iso-reader.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cairn-cidata-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (cmd: string, args: string[]): string =>
  execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

// Seed 000's first node: management on VLAN 16 (gateway), pod/LB network on VLAN 28, two resolvers.
const machineConfig =
  "version: v1alpha1\ndebug: false\nmachine:\n  type: controlplane\n  token: abc.def\ncluster:\n  clusterName: homelab-k8s\n";
const input: CidataInput = {
  userData: machineConfig,
  hostname: "talos-k8s-01",
  instanceId: "homelab-k8s-talos-k8s-01",
  interfaces: [
    {
      mac: deterministicMac("homelab-k8s/talos-k8s-01/eth0"),
      addresses: ["10.8.16.20/24"],
      gateway4: "10.8.16.1",
    },
    { mac: deterministicMac("homelab-k8s/talos-k8s-01/eth1"), addresses: ["10.8.28.1/24"], mtu: 1500 },
  ],
  nameservers: ["10.0.1.1", "1.1.1.1"],
};

describe("cidata seed files", () => {
  test("network-config v2 matches the NICs by MAC and carries the static addresses", () => {
    const files = cidataFiles(input);
    expect(files["user-data"]).toBe(machineConfig);
    expect(parse(files["meta-data"])).toEqual({
      "instance-id": "homelab-k8s-talos-k8s-01",
      "local-hostname": "talos-k8s-01",
    });
    const net = parse(files["network-config"]) as Record<string, unknown>;
    expect(net).toEqual({
      version: 2,
      ethernets: {
        nic0: {
          match: { macaddress: input.interfaces[0]!.mac.toLowerCase() },
          dhcp4: false,
          dhcp6: false,
          addresses: ["10.8.16.20/24"],
          gateway4: "10.8.16.1",
          nameservers: { addresses: ["10.0.1.1", "1.1.1.1"] },
        },
        nic1: {
          match: { macaddress: input.interfaces[1]!.mac.toLowerCase() },
          dhcp4: false,
          dhcp6: false,
          addresses: ["10.8.28.1/24"],
          mtu: 1500,
        },
      },
    });
  });

  test("inputs Talos would not read are refused", () => {
    expect(() => cidataFiles({ ...input, userData: "#cloud-config\nusers: []\n" })).toThrow(/#cloud-config/);
    expect(() => cidataFiles({ ...input, interfaces: [{ mac: "not-a-mac", addresses: [] }] })).toThrow(/MAC/);
  });

  test("MACs are stable, in Proxmox's OUI, and unicast", () => {
    const mac = deterministicMac("c/n/eth0");
    expect(mac).toBe(deterministicMac("c/n/eth0"));
    expect(mac).not.toBe(deterministicMac("c/n/eth1"));
    expect(mac).toMatch(/^BC:24:11(:[0-9A-F]{2}){3}$/);
  });

  test("the volume name is owned, per node, and content-addressed", () => {
    const a = buildCidata(input);
    const b = buildCidata({ ...input, userData: `${machineConfig}# changed\n` });
    expect(cidataFilename("homelab-k8s", "talos-k8s-01", a.sha256)).toMatch(
      /^cairn-homelab-k8s-talos-k8s-01-cidata-[0-9a-f]{12}\.iso$/,
    );
    expect(a.sha256).not.toBe(b.sha256);
    expect(buildCidata(input).iso.equals(a.iso)).toBe(true); // deterministic bytes
  });
});

describe("the ISO, read by Debian's tools", () => {
  let iso: string;
  beforeAll(() => {
    iso = join(dir, "cidata.iso");
    writeFileSync(iso, buildCidata(input).iso);
  });

  test("isoinfo: label cidata, Rock Ridge and Joliet present, names and contents intact", () => {
    const info = run("isoinfo", ["-d", "-i", iso]);
    expect(info).toMatch(/^Volume id: cidata$/m);
    expect(info).toMatch(/Joliet with UCS level 3 found/);
    expect(info).toMatch(/Rock Ridge signatures version 1 found/);
    const rr = run("isoinfo", ["-R", "-l", "-i", iso]);
    for (const f of ["user-data", "meta-data", "network-config"])
      expect(rr).toMatch(new RegExp(`-r--r--r-- .* ${f} *$`, "m"));
    const joliet = run("isoinfo", ["-J", "-f", "-i", iso]).trim().split("\n").sort();
    expect(joliet).toEqual(["/meta-data", "/network-config", "/user-data"]);
    const files = cidataFiles(input);
    for (const f of ["user-data", "meta-data", "network-config"] as const)
      expect(run("isoinfo", ["-R", "-i", iso, "-x", `/${f}`])).toBe(files[f]);
  });

  test("xorriso lists and extracts the same files; blkid sees the label Talos looks for", () => {
    const out = join(dir, "extract");
    mkdirSync(out);
    run("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", "/", out]);
    expect(readFileSync(join(out, "network-config"), "utf8")).toBe(cidataFiles(input)["network-config"]);
    expect(run("xorriso", ["-indev", iso, "-pvd_info"]) + "").toMatch(/Volume Id\s*:\s*cidata/);
    expect(run("blkid", ["-o", "export", iso])).toMatch(/LABEL=cidata[\s\S]*TYPE=iso9660/);
  });

  test("many and long names pack across directory sectors", () => {
    const files = Array.from({ length: 60 }, (_, i) => ({
      name: `file-${i}-${"x".repeat(40)}`,
      data: Buffer.from(`n${i}`),
    }));
    const path = join(dir, "many.iso");
    writeFileSync(path, buildIso({ volumeId: "cidata", files }));
    const names = run("isoinfo", ["-R", "-f", "-i", path]).trim().split("\n");
    expect(names.length).toBe(60);
    expect(run("isoinfo", ["-R", "-i", path, "-x", `/file-59-${"x".repeat(40)}`])).toBe("n59");
  });
});

describe("the fake's reader, on ISOs xorriso and genisoimage made", () => {
  // xorriso always adds Rock Ridge; the plain case comes from genisoimage (ISO level 1 names, as Linux maps them).
  const cases: [string, string, string[]][] = [
    ["Rock Ridge + Joliet (as PVE's genisoimage -J -R)", "xorriso", ["-R", "-J"]],
    ["Joliet only", "genisoimage", ["-J"]],
    ["plain ISO 9660", "genisoimage", []],
  ];
  for (const [name, tool, flags] of cases)
    test(name, () => {
      const src = join(dir, `src-${flags.join("")}`);
      mkdirSync(src, { recursive: true });
      const files = cidataFiles(input);
      for (const [f, text] of Object.entries(files)) writeFileSync(join(src, f), text);
      const path = join(dir, `x${flags.join("")}.iso`);
      run(tool, [
        ...(tool === "xorriso" ? ["-as", "mkisofs"] : []),
        "-quiet",
        ...flags,
        "-V",
        "cidata",
        "-o",
        path,
        src,
      ]);
      const read = readIso(readFileSync(path));
      expect(read.volumeId).toBe("cidata");
      if (flags.length)
        expect(read.files.get("network-config")?.toString("utf8")).toBe(files["network-config"]);
      else expect([...read.files.keys()].sort()).toEqual(["meta_dat", "network_", "user_dat"]);
    });
});
