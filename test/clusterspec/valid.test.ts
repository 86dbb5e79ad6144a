// Valid fixtures load without errors, exit 0 through the CLI, and carry exactly the warnings they are meant to.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { captureIo } from "../helpers/cli.js";
import { loadSpecFile } from "../../src/clusterspec/load.js";
import { main } from "../../src/cli/main.js";

const DIR = fileURLToPath(new URL("../fixtures/spec/valid/", import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith(".yaml"));

// Warnings each valid fixture is expected to produce (code@path); all others produce none.
const WARNINGS: Record<string, string[]> = {
  "homelab-vlans.yaml": [
    "pool.in-pod-subnet@addons.loadBalancer.pools[0].addresses[0]",
    "addons.no-gitops@addons",
  ],
  "auto-addresses.yaml": ["addons.no-gitops@addons"],
  "dual-stack.yaml": ["addons.no-gitops@addons", "addons.cilium-kubernetes-untested@addons.cni.type"],
  "hetzner.yaml": [
    "addons.no-gitops@addons",
    "addons.not-rendered@addons.loadBalancer.type",
    "addons.not-rendered@addons.storage",
  ],
  "static-even.yaml": ["topology.even-controlplanes@nodes", "node.no-management@nodes[1].interfaces"],
};

afterEach(() => {
  process.exitCode = undefined;
});

describe("valid fixtures", () => {
  it("has a handful", () => expect(FILES.length).toBeGreaterThanOrEqual(5));

  it.each(FILES)("%s is valid with the expected warnings", (f) => {
    const r = loadSpecFile(`${DIR}${f}`);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.model).toBeDefined();
    expect(r.diagnostics.map((d) => `${d.code}@${d.path}`).sort()).toEqual([...(WARNINGS[f] ?? [])].sort());
  });

  it.each(FILES)("cairn validate --show-plan %s exits 0 and prints the plan", async (f) => {
    const { c, io } = captureIo();
    expect(await main(["node", "cairn", "validate", "--show-plan", `${DIR}${f}`], io)).toBe(0);
    expect(c.out).toContain("valid");
    expect(c.out).toMatch(/NODE\s+ROLE\s+LINK\s+NETWORK\s+ADDRESS\s+VLAN\s+POD BLOCK/);
  });

  it("the plan table shows seed 000's carved pod blocks and the planned addresses", async () => {
    const { c, io } = captureIo();
    await main(["node", "cairn", "validate", "--show-plan", `${DIR}homelab-vlans.yaml`], io);
    expect(c.out).toMatch(
      /talos-k8s-02\s+controlplane\s+eth0\s+mgmt\s+10\.8\.16\.21\/24\s+16 \(tagged by hypervisor\)\s+10\.8\.28\.64\/26 \(auto\)/,
    );
    const { c: c2, io: io2 } = captureIo();
    await main(["node", "cairn", "validate", "--show-plan", `${DIR}auto-addresses.yaml`], io2);
    expect(c2.out).toMatch(/cp1\s+controlplane\s+\(only link\)\s+lan\s+192\.168\.10\.6\/24 \(auto\)/);
    expect(c2.out).toMatch(/w1\s+worker\s+\(only link\)\s+lan\s+dhcp/);
  });

  it("--output json prints an empty array for a clean spec", async () => {
    const { c, io } = captureIo();
    expect(await main(["node", "cairn", "validate", "-o", "json", `${DIR}single-node.yaml`], io)).toBe(0);
    expect(JSON.parse(c.out)).toEqual([]);
  });
});
