// cairn apply/plan end to end on the twin, through the built CLI: a 3+2 example bootstraps, `plan` then has nothing
// to do; a Talos version change plans one upgrade per node, control planes first; concurrent applies are refused;
// removing one of three control planes without a replacement is refused.
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/shared.js";
import { BIN, planAndDiff, twinCli, twinDown, twinEnv } from "../helpers/twin-cli.js";

const SUBNET = "127.0.211.0/24";
const dir = mkdtempSync(join(tmpdir(), "cairn-apply-"));
const spec = join(dir, "cairn.yaml");
const clusterDir = join(dir, ".cairn", "test-cluster");
const twinDir = join(clusterDir, "twin");
const cairn = twinCli(dir, SUBNET);

beforeAll(() => {
  copyFileSync(join(REPO_ROOT, "examples/proxmox-5node-vip-pools.yaml"), spec);
}, 180_000);

afterAll(() => {
  twinDown(twinDir);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("cairn apply --twin (3 control planes + 2 workers)", () => {
  it("bootstraps the example, then plan has nothing pending (exit 0)", () => {
    const t0 = Date.now();
    const a = cairn(["apply", "-f", spec, "--twin", "--yes"]);
    expect(a.code, a.err + a.out).toBe(0);
    expect(a.out).toMatch(/matches the spec \(SIMULATED on the twin\)/);
    console.log(`3+2 apply on the twin (reboot 200 ms), CLI wall time: ${Date.now() - t0} ms`);
    const state = JSON.parse(readFileSync(join(twinDir, "state.json"), "utf8"));
    expect(state.bootstrap.node).toBe("controlplane0");
    expect(Object.values(state.nodes).every((n) => (n as { stage: string }).stage === "running")).toBe(true);
    // Secrets never reach the output.
    expect(a.out + a.err).not.toMatch(/BEGIN|PRIVATE KEY/);
    const { plan: p, diff, agree } = planAndDiff(cairn, ["-f", spec, "--twin"]);
    expect(p.code, p.out + p.err).toBe(0);
    expect(p.out).toMatch(/nothing to do/);
    expect(agree, diff.out + diff.err).toBe(true);
  }, 120_000);

  it("a Talos version change plans one upgrade per node, control planes first (exit 2)", () => {
    const changed = join(dir, "upgraded.yaml");
    writeFileSync(changed, readFileSync(spec, "utf8").replace("version: v1.11.5", "version: v1.12.4"));
    const p = cairn(["plan", "-f", changed, "--twin", "--dir", clusterDir, "--output", "json"]);
    expect(p.code, p.err).toBe(2);
    const plan = JSON.parse(p.out) as { actions: { kind: string; node?: string; detail: string[] }[] };
    const upgrades = plan.actions.filter((a) => a.kind === "upgrade").map((a) => a.node);
    // Control planes first (the etcd leader last among them), then workers.
    expect(new Set(upgrades).size).toBe(5);
    expect(upgrades.slice(0, 3).every((n) => n!.startsWith("controlplane"))).toBe(true);
    expect(upgrades.slice(3)).toEqual(["worker0", "worker1"]);
    // Redacted diffs: keys and certificates never appear.
    expect(p.out).not.toMatch(/BEGIN|LS0tLS1/);
  }, 60_000);

  it("plan diffs are redacted and carry the expected apply mode for a live change", () => {
    const changed = join(dir, "labels.yaml");
    const text = readFileSync(spec, "utf8").replace(
      "  - name: worker0\n    role: worker\n",
      "  - name: worker0\n    role: worker\n    patches:\n      - machine: { nodeLabels: { zone: a } }\n",
    );
    expect(text).toMatch(/nodeLabels/);
    writeFileSync(changed, text);
    const p = cairn(["plan", "-f", changed, "--twin", "--dir", clusterDir]);
    expect(p.out).toMatch(/worker0 \(worker\)/);
    expect(p.out).not.toMatch(/controlplane0 \(controlplane\)/);
    expect(p.code, p.err + p.out).toBe(2);
    expect(p.out).toMatch(/nodeLabels/);
    expect(p.out).toMatch(/no-reboot/);
  }, 60_000);

  it("a second concurrent apply is refused with a clear message", async () => {
    const changed = join(dir, "upgraded.yaml");
    const first = spawn(
      process.execPath,
      [BIN, "apply", "-f", changed, "--twin", "--dir", clusterDir, "--yes"],
      {
        cwd: dir,
        env: twinEnv(SUBNET),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    first.stdout.on("data", (d: Buffer) => (out += d.toString()));
    first.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!out.includes("→") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const second = cairn(["apply", "-f", changed, "--twin", "--dir", clusterDir, "--yes"]);
    expect(second.code).toBe(1);
    expect(second.err).toMatch(/another cairn apply \(pid \d+ on host .*\) is running on this cluster/);
    const code = await new Promise<number>((r) => first.on("exit", (c) => r(c ?? -1)));
    expect(code, out).toBe(0);
    const { plan: p, diff, agree } = planAndDiff(cairn, ["-f", changed, "--twin", "--dir", clusterDir]);
    expect(p.code, p.out).toBe(0);
    expect(agree, diff.out + diff.err).toBe(true);
  }, 120_000);

  it("removing one of three control planes without a replacement is refused, nothing changes", () => {
    const changed = join(dir, "upgraded.yaml");
    const text = readFileSync(changed, "utf8");
    const cut = text.replace(/\n {2}- name: controlplane2\n[\s\S]*?(?=\n {2}- name: )/, "");
    expect(cut).not.toMatch(/name: controlplane2/);
    const smaller = join(dir, "smaller.yaml");
    writeFileSync(smaller, cut);
    const before = readFileSync(join(twinDir, "state.json"), "utf8");
    const a = cairn(["apply", "-f", smaller, "--twin", "--dir", clusterDir, "--yes"]);
    expect(a.code).toBe(1);
    expect(a.err + a.out).toMatch(
      /refusing to remove control plane controlplane2: it would leave 2 control planes of 3/,
    );
    expect(a.err + a.out).toMatch(/replacement|--force/);
    expect(readFileSync(join(twinDir, "state.json"), "utf8")).toBe(before);
    const p = cairn(["plan", "-f", smaller, "--twin", "--dir", clusterDir]);
    expect(p.code).toBe(1);
  }, 60_000);
});
