// The platform image a spec boots (issue 10 §5): platform and disk format chosen in the spec (defaults per
// provider), and META key 10 derived from each node's planned addresses, as seed 004 wrote it by hand.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadSpecText } from "../../src/clusterspec/load.js";
import { nodeInstallerImage } from "../../src/render/machine-configs.js";
import { factoryUrls } from "../../src/talos/schematic/urls.js";
import { runCairn } from "../helpers/cli.js";
import { REPO_ROOT } from "../helpers/shared.js";

const SEED_004 = join(REPO_ROOT, "examples", "proxmox-5node-vip-pools.yaml");
const text = readFileSync(SEED_004, "utf8");

describe("boot image and META key 10", () => {
  it("seed 004: every node's schematic carries its own platform network config as META key 10", () => {
    const model = loadSpecText(text, "x").model!;
    expect(model.image).toEqual({ platform: "metal", format: "qcow2", networkMeta: true });
    const ids = new Set<string>();
    for (const n of model.nodes) {
      const meta = n.schematic.meta!.find((m) => m.key === 10)!;
      expect(parse(meta.value)).toEqual({
        addresses: [
          {
            address: `${n.address}/16`,
            linkName: "eth0",
            family: "inet4",
            scope: "global",
            flags: "permanent",
            layer: "platform",
          },
        ],
        links: [{ name: "eth0", up: true, layer: "platform" }],
        routes: [
          {
            family: "inet4",
            gateway: "10.0.0.1",
            outLinkName: "eth0",
            table: "main",
            priority: 1024,
            scope: "global",
            type: "unicast",
            protocol: "static",
            layer: "platform",
          },
        ],
        hostnames: [{ hostname: n.name, layer: "platform" }],
      });
      const { id, image } = nodeInstallerImage(model, n);
      expect(image).toBe(`factory.talos.dev/metal-installer/${id}:v1.11.5`);
      ids.add(id);
    }
    expect(ids.size).toBe(model.nodes.length);
  });

  it("cairn schematic urls -f shows each node's boot image in the spec's format", async () => {
    const r = await runCairn("schematic", "urls", "-f", SEED_004);
    expect(r.code, r.err).toBe(0);
    const boots = [...r.out.matchAll(/^boot:\s+(\S+)$/gm)].map((m) => m[1]);
    expect(boots).toHaveLength(5);
    for (const b of boots)
      expect(b).toMatch(
        /^https:\/\/factory\.talos\.dev\/image\/[0-9a-f]{64}\/v1\.11\.5\/metal-amd64\.qcow2$/,
      );
  });

  it("the platform defaults per provider and may be chosen; the installer follows it", () => {
    const gateway = readFileSync(join(REPO_ROOT, "examples", "platform-cilium-gateway.yaml"), "utf8");
    const dflt = loadSpecText(gateway, "x").model!;
    expect(dflt.image).toEqual({ platform: "nocloud", format: "raw.xz", networkMeta: false });
    expect(nodeInstallerImage(dflt, dflt.nodes[0]!).image).toMatch(/\/nocloud-installer\//);
    const iso = loadSpecText(
      gateway.replace(
        "  installDisk: /dev/vda",
        "  installDisk: /dev/vda\n  image: { platform: metal, format: iso }",
      ),
      "x",
    ).model!;
    expect(iso.image).toEqual({ platform: "metal", format: "iso", networkMeta: false });
    expect(nodeInstallerImage(iso, iso.nodes[0]!).image).toMatch(/\/metal-installer\//);
  });

  it("offers the disk formats Image Factory serves", () => {
    const id = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";
    const url = (diskFormat: string) =>
      factoryUrls({ schematicId: id, talosVersion: "v1.11.5", platform: "nocloud", diskFormat }).diskImage;
    expect(url("qcow2")).toBe(`https://factory.talos.dev/image/${id}/v1.11.5/nocloud-amd64.qcow2`);
    expect(url("raw")).toBe(`https://factory.talos.dev/image/${id}/v1.11.5/nocloud-amd64.raw`);
    expect(() => url("vmdk")).toThrow(/no "vmdk" disk images/);
  });

  it("networkMeta is refused where Talos would not read it or cairn cannot express the node", () => {
    const codes = (t: string) =>
      loadSpecText(t, "x")
        .diagnostics.filter((d) => d.severity === "error")
        .map((d) => `${d.code}@${d.path}`);
    expect(codes(text.replace("platform: metal, ", ""))).toEqual([
      "image.meta-platform@talos.image.networkMeta",
    ]);
    expect(
      codes(
        text.replace(
          "name: eth0, address: 10.0.2.2",
          "mac: 'bc:24:11:00:00:01', address: 10.0.2.2 }, { network: lan, name: eth1, address: 10.0.2.3",
        ),
      ),
    ).toContain("image.meta-link-name@nodes[4].interfaces[0]");
    expect(
      codes(
        text.replace(
          "    carries: [management, loadBalancers]",
          "    vlan: 5\n    tagging: node\n    carries: [management, loadBalancers]",
        ),
      ),
    ).toContain("image.meta-vlan@nodes[0].interfaces[0]");
    const hetzner = readFileSync(join(REPO_ROOT, "examples", "hetzner-oxide.yaml"), "utf8").replace(
      /^talos:\n/m,
      "talos:\n  image: { format: iso }\n",
    );
    expect(codes(hetzner)).toEqual(["image.format@talos.image.format"]);
  });
});
