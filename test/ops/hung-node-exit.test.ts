// A hung node must not keep cairn running once a command has its verdict (issue 9 §6), and a node that refuses the
// client certificate is reported as such, not as unreachable (§7). The built CLI against a twin (3 control planes +
// 2 workers) as a user runs it: `cairn twin fault worker1 hang`, then `health`, `upgrade talos` refused by its
// pre-flight, and an upgrade halted by a node that hangs mid-way each exit right after printing their verdict —
// before the fix they waited for the hung call's 60 s deadline. This is a behaviour check with a generous bound,
// not a timing benchmark.
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/shared.js";
import { BIN, twinCli, twinDown, twinEnv } from "../helpers/twin-cli.js";

const SUBNET = "127.0.191.0/24";
const dir = mkdtempSync(join(tmpdir(), "cairn-hung-"));
const spec = join(dir, "cairn.yaml");
const clusterDir = join(dir, ".cairn", "test-cluster");
const twinDir = join(clusterDir, "twin");
const cairn = twinCli(dir, SUBNET);
/** Exit this long after the verdict at most: "within a second" with room for a loaded 2-core machine. */
const EXIT_AFTER_VERDICT_MS = 3000;

interface Timed {
  code: number | null;
  out: string;
  /** When `verdict` first appeared in the output, ms after the start; undefined if it never did. */
  verdictAt: number | undefined;
  exitAt: number;
}

/** Runs `cairn ARGS…`, noting when `verdict` shows in stdout+stderr and when the process exits. */
function timed(
  args: string[],
  verdict: RegExp,
  onLine?: (text: string) => void,
  limitMs = 90_000,
): Promise<Timed> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: twinEnv(SUBNET) });
    let out = "";
    let verdictAt: number | undefined;
    const take = (d: Buffer): void => {
      out += d.toString();
      if (verdictAt === undefined && verdict.test(out)) verdictAt = Date.now() - t0;
      onLine?.(out);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const kill = setTimeout(() => child.kill("SIGKILL"), limitMs);
    child.on("close", (code) => {
      clearTimeout(kill);
      resolve({ code, out, verdictAt, exitAt: Date.now() - t0 });
    });
  });
}

function expectPromptExit(r: Timed): void {
  expect(r.verdictAt, r.out).toBeDefined();
  expect(
    r.exitAt - r.verdictAt!,
    `exited ${r.exitAt - r.verdictAt!} ms after the verdict:\n${r.out}`,
  ).toBeLessThan(EXIT_AFTER_VERDICT_MS);
}

beforeAll(() => {
  copyFileSync(join(REPO_ROOT, "examples/proxmox-5node-vip-pools.yaml"), spec);
  const a = cairn(["apply", "-f", spec, "--twin", "--yes"]);
  expect(a.code, a.err + a.out).toBe(0);
}, 180_000);

afterAll(() => {
  twinDown(twinDir);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe.sequential("a hung node (twin fault hang)", () => {
  it("health prints UNHEALTHY and exits right after", async () => {
    const f = cairn(["twin", "fault", "worker1", "hang", "--state-dir", twinDir]);
    expect(f.code, f.err).toBe(0);
    const r = await timed(["health", "-f", spec, "--twin"], /UNHEALTHY/);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL\s+reachable\s+worker1: .*no answer/);
    expectPromptExit(r);
  }, 120_000);

  it("upgrade talos: the pre-flight refusal exits right after", async () => {
    const r = await timed(
      ["upgrade", "talos", "--to", "v1.12.4", "-f", spec, "--twin", "--yes"],
      /error: cannot upgrade to v1\.12\.4; pre-flight found/,
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/node worker1 is unreachable/);
    expectPromptExit(r);
  }, 120_000);

  it("an upgrade halted by a node that hangs mid-way exits right after the halt", async () => {
    expect(cairn(["twin", "fault", "worker1", "heal", "--state-dir", twinDir]).code).toBe(0);
    // Slow control-plane reboots leave time to hang worker1 after the pre-flight passed, before its turn.
    for (const cp of ["controlplane0", "controlplane1", "controlplane2"])
      expect(cairn(["twin", "fault", cp, "slow-reboot=2s", "--state-dir", twinDir]).code).toBe(0);
    let hung: Promise<void> | undefined;
    const r = await timed(
      ["upgrade", "talos", "--to", "v1.12.4", "-f", spec, "--twin", "--yes", "--node-timeout", "5s"],
      /error: upgrade halted/,
      (out) => {
        if (hung || !/→ upgrade controlplane/.test(out)) return;
        hung = new Promise((resolve) => {
          const p = spawn(
            process.execPath,
            [BIN, "twin", "fault", "worker1", "hang", "--state-dir", twinDir],
            {
              stdio: "ignore",
            },
          );
          p.on("close", () => resolve());
        });
      },
    );
    await hung;
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/worker1\s+failed/);
    expectPromptExit(r);
  }, 120_000);
});

describe("a refused client certificate", () => {
  it("an expired talosconfig is reported as refused by the node, not as unreachable", async () => {
    expect(cairn(["twin", "fault", "worker1", "heal", "--state-dir", twinDir]).code).toBe(0);
    const expired = join(dir, "expired.talosconfig");
    const t = cairn([
      "talosconfig",
      "-f",
      spec,
      "--secrets",
      join(clusterDir, "secrets.yaml"),
      "--ttl",
      "1s",
      "-o",
      expired,
    ]);
    expect(t.code, t.err).toBe(0);
    await new Promise((r) => setTimeout(r, 2000));
    const cp = "127.0.191.1";
    const v = cairn(["talos", "version", "-n", cp, "-e", cp, "--talosconfig", expired]);
    expect(v.code).toBe(1);
    expect(v.err).toMatch(/127\.0\.191\.1:50000 refused cairn's client certificate/);
    expect(v.err).toMatch(/hint: check that the talosconfig belongs to this cluster/);
    expect(v.err).not.toMatch(/no Talos endpoint reachable/);
    // The cluster's own talosconfig still gets through.
    const ok = cairn([
      "talos",
      "version",
      "-n",
      cp,
      "-e",
      cp,
      "--talosconfig",
      join(clusterDir, "talosconfig"),
    ]);
    expect(ok.code, ok.err).toBe(0);
  }, 60_000);
});
