// Every bundled example validates, both through the library and through the CLI, and each seed example says
// which seed system it reproduces.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureIo } from "./helpers/cli.js";
import { loadSpecText } from "../src/clusterspec/load.js";
import { main } from "../src/cli/main.js";
import { REPO_ROOT, SHARED } from "./helpers/shared.js";

const EXAMPLES = join(REPO_ROOT, "examples");
const files = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

/** One example per seed system in ../shared/seeds, by file name. */
const SEED_EXAMPLES: Record<string, string> = {
  "homelab-proxmox-vlans.yaml": "000_896861499744ac22.txt",
  "hetzner-oxide.yaml": "001_343d5fff223a1b83.txt",
  "platform-cilium-gateway.yaml": "002_2d062b79c109ca5d.txt",
  "home-ops-ceph.yaml": "003_3c65ca0ead6b5951.txt",
  "proxmox-5node-vip-pools.yaml": "004_5c2ac6d1bce244eb.txt",
};

describe("examples", () => {
  it("include one per seed plus single-node and minimal", () => {
    for (const name of [...Object.keys(SEED_EXAMPLES), "single-node.yaml", "minimal.yaml"])
      expect(files).toContain(name);
  });

  for (const file of files) {
    const path = join(EXAMPLES, file);
    const text = readFileSync(path, "utf8");

    it(`${file} validates with no errors`, () => {
      const r = loadSpecText(text, `examples/${file}`);
      const errors = r.diagnostics.filter((d) => d.severity === "error");
      expect(errors, JSON.stringify(errors, null, 1)).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.model).toBeDefined();
    });

    it(`${file} points editors at the committed JSON Schema`, () => {
      expect(text).toMatch(/^# yaml-language-server: \$schema=\.\.\/schema\/cairn\.schema\.json$/m);
    });

    it(`cairn validate examples/${file} exits 0`, async () => {
      const { c, io } = captureIo();
      const code = await main(["node", "cairn", "validate", path], io);
      expect(code, c.err).toBe(0);
      expect(c.out).toContain("valid");
    });
  }

  for (const [file, seed] of Object.entries(SEED_EXAMPLES))
    it(`${file} starts by naming seed ${seed}`, () => {
      const text = readFileSync(join(EXAMPLES, file), "utf8");
      expect(text.split("\n")[0]).toMatch(
        new RegExp(`^# Reproduces \\.\\./shared/seeds/${seed.replace(".", "\\.")}: `),
      );
      if (existsSync(SHARED)) expect(existsSync(join(SHARED, "seeds", seed))).toBe(true);
    });

  it("homelab-proxmox-vlans.yaml keeps seed 000's plan: per-node /26 pod blocks and eth1 addresses", () => {
    const r = loadSpecText(readFileSync(join(EXAMPLES, "homelab-proxmox-vlans.yaml"), "utf8"), "x");
    const plan = r.model!.nodes.map((n) => [n.name, n.address, n.podBlock, n.interfaces[1]!.address]);
    expect(plan).toEqual([
      ["talos-k8s-01", "10.8.16.20", "10.8.28.0/26", "10.8.28.1"],
      ["talos-k8s-02", "10.8.16.21", "10.8.28.64/26", "10.8.28.65"],
      ["talos-k8s-03", "10.8.16.22", "10.8.28.128/26", "10.8.28.129"],
    ]);
    expect(r.model!.endpoint.url).toBe("https://10.8.16.20:6443");
  });

  it("home-ops-ceph.yaml puts the VIP on the management network and the GPU extensions on talos-m01 only", () => {
    const r = loadSpecText(readFileSync(join(EXAMPLES, "home-ops-ceph.yaml"), "utf8"), "x");
    expect(r.model!.endpoint.url).toBe("https://192.168.5.200:6443");
    const [m01, m02] = r.model!.nodes;
    expect(m01!.schematic.extensions).toContain("siderolabs/nonfree-kmod-nvidia-production");
    expect(m02!.schematic.extensions).toEqual(["siderolabs/qemu-guest-agent"]);
    expect(m02!.spec.sysctls["net.ipv4.tcp_congestion_control"]).toBe("bbr");
  });
});
