// Flags that mean one thing everywhere (issue 10 §14, §15): --output is a format, -o/--out a path; the old
// spellings keep working with a deprecation warning; credentials find the secrets where render put them.
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCairn } from "./helpers/cli.js";
import { loadSpecText } from "../src/clusterspec/load.js";
import { describeFault } from "../src/cli/commands/twin.js";
import { runRender } from "../src/ops/render/run.js";
import type { TwinStatus } from "../src/twin/twin.js";
import { REPO_ROOT } from "./helpers/shared.js";

const example = (f: string) => join(REPO_ROOT, "examples", f);

describe("--output is a format, -o/--out a path", () => {
  it("validate: --output json; -o json still works, with a deprecation warning", async () => {
    const plain = await runCairn("validate", "--output", "json", example("minimal.yaml"));
    expect([plain.code, JSON.parse(plain.out), plain.err]).toEqual([0, [], ""]);
    const old = await runCairn("validate", "-o", "json", example("minimal.yaml"));
    expect([old.code, JSON.parse(old.out)]).toEqual([0, []]);
    expect(old.err).toBe("warning: -o is deprecated here; use --output\n");
  });

  it("validate --show-plan --output json carries the plan with the diagnostics", async () => {
    const r = await runCairn(
      "validate",
      "--show-plan",
      "--output",
      "json",
      example("homelab-proxmox-vlans.yaml"),
    );
    expect(r.code, r.err).toBe(0);
    const body = JSON.parse(r.out) as { diagnostics: { code: string }[]; plans: Record<string, any>[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(body.diagnostics.map((d) => d.code)).toContain("pool.in-pod-subnet");
    const [plan] = body.plans;
    expect(plan!.cluster).toBe("homelab-k8s");
    expect(
      plan!.nodes.map((n: { name: string; address: string; podBlock: string }) => [
        n.name,
        n.address,
        n.podBlock,
      ]),
    ).toEqual([
      ["talos-k8s-01", "10.8.16.20", "10.8.28.0/26"],
      ["talos-k8s-02", "10.8.16.21", "10.8.28.64/26"],
      ["talos-k8s-03", "10.8.16.22", "10.8.28.128/26"],
    ]);
    expect(plan!.nodes[0].interfaces[0]).toMatchObject({ network: "mgmt", vlan: 16, tagging: "node" });
  });

  it.each([["validate"], ["plan"], ["status"], ["twin", "status"], ["upgrade", "talos"]])(
    "%s --help offers --output <format> and no -o for a format",
    async (...cmd) => {
      const r = await runCairn(...cmd, "--help");
      expect(r.out).toMatch(/--output <format>/);
      expect(r.out).not.toMatch(/-o, --output/);
    },
  );

  it.each([["init"], ["kubeconfig"], ["talosconfig"], ["secrets", "gen"]])(
    "%s --help offers -o, --out <file>",
    async (...cmd) => {
      const r = await runCairn(...cmd, "--help");
      expect(r.out).toMatch(/-o, --out <file>/);
      expect(r.out).not.toMatch(/--output/);
    },
  );

  it("init writes to -o, --out and the deprecated --output alike", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cairn-flags-"));
    for (const [flag, name] of [
      ["-o", "a.yaml"],
      ["--out", "b.yaml"],
      ["--output", "c.yaml"],
    ] as const) {
      const r = await runCairn("init", flag, join(dir, name));
      expect(r.code, r.err).toBe(0);
      expect(existsSync(join(dir, name))).toBe(true);
      expect(r.err.includes("deprecated")).toBe(flag === "--output");
    }
  });

  it("sysctl values may be numbers; the config carries Talos' strings", () => {
    const text = readFileSync(example("home-ops-ceph.yaml"), "utf8").replace(
      'vm.nr_hugepages: "1024"',
      "vm.nr_hugepages: 1024",
    );
    expect(text).toContain("vm.nr_hugepages: 1024 ");
    const r = loadSpecText(text, "x");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.model!.nodes[0]!.spec.sysctls["vm.nr_hugepages"]).toBe("1024");
  });
});

describe("credentials default to the secrets render and apply keep (issue 10 §14)", () => {
  it("kubeconfig and talosconfig -f SPEC read .cairn/<cluster>/secrets.yaml beside the spec", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cairn-cred-default-"));
    const spec = join(dir, "cairn.yaml");
    copyFileSync(example("minimal.yaml"), spec);
    await runRender({ file: spec });
    const name = loadSpecText(readFileSync(spec, "utf8"), spec).model!.name;
    expect(existsSync(join(dir, ".cairn", name, "secrets.yaml"))).toBe(true);
    const k = await runCairn("kubeconfig", "-f", spec, "-o", "-");
    expect(k.code, k.err).toBe(0);
    expect(k.out).toContain("client-certificate-data:");
    const t = await runCairn("talosconfig", "-f", spec, "-o", join(dir, "tc"));
    expect(t.code, t.err).toBe(0);
  }, 60_000);
});

describe("twin fault reports the fault it set (issue 10 §15)", () => {
  const status = (hostname: string, faults: string[]): TwinStatus =>
    ({ nodes: [{ name: "cp-1", address: "127.0.100.1", hostname, faults }] }) as unknown as TwinStatus;

  it("finds the node by the hostname a spec's twin gives it, as the twin itself does", () => {
    expect(describeFault(status("talos-k8s-01", ["crash"]), "talos-k8s-01", "crash")).toBe(
      "twin (simulated): set crash on talos-k8s-01, cp-1, 127.0.100.1; its faults now: crash\n",
    );
    expect(describeFault(status("cp-1", []), "127.0.100.1", "heal")).toBe(
      "twin (simulated): healed cp-1, 127.0.100.1; its faults now: none\n",
    );
  });
});
