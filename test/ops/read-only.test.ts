// The commands that only look — plan, diff, status, health, validate — write no byte and start no process: the
// whole `.cairn/` tree (paths, bytes, modes) and the set of processes are the same before and after each, on a
// bootstrapped twin and with no twin at all. With no twin running, plan shows a fresh twin's bootstrap instead of
// starting one, and status/health/diff say that no twin runs.
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/shared.js";
import { twinCli, twinDown } from "../helpers/twin-cli.js";

const SUBNET = "127.0.215.0/24";
const dir = mkdtempSync(join(tmpdir(), "cairn-read-only-"));
const spec = join(dir, "cairn.yaml");
const cairnDir = join(dir, ".cairn");
const twinDir = join(cairnDir, "test-cluster", "twin");
const cairn = twinCli(dir, SUBNET);

/** Every file and directory under `root`: path, mode, and the bytes' hash. */
function treeHash(root: string): string {
  if (!existsSync(root)) return "(absent)";
  const lines: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      const rel = p.slice(root.length);
      if (st.isDirectory()) {
        lines.push(`${rel}/ ${st.mode.toString(8)}`);
        walk(p);
      } else if (/\/twin\/logs\/[^/]+\.log$/.test(rel))
        // The simulated machines' own process logs (etcd's): etcd notes slow requests when the machine is loaded.
        lines.push(`${rel} ${st.mode.toString(8)}`);
      else
        lines.push(
          `${rel} ${st.mode.toString(8)} ${createHash("sha256").update(readFileSync(p)).digest("hex")}`,
        );
    }
  };
  walk(root);
  return lines.join("\n");
}

/**
 * The tree once the twin is quiet: after apply, the simulated kubelets still start the add-ons' pods for a moment
 * (writing to the twin's etcd), which is the simulation's own work, not a command's.
 */
function settledTreeHash(root: string): string {
  let last = treeHash(root);
  for (let i = 0; i < 60; i++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    const now = treeHash(root);
    if (now === last) return now;
    last = now;
  }
  throw new Error("the twin never went quiet: its etcd kept changing for a minute after apply");
}

/** The processes that belong to this test's cluster: run in its directory or naming it (pid and command line). */
function processes(): string[] {
  const out: string[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      const cwd = readlinkSync(`/proc/${e}/cwd`);
      if (cwd.startsWith(dir) || cmd.includes(dir)) out.push(`${e} ${cmd}`);
    } catch {
      // gone while scanning, or not ours to read
    }
  }
  return out.sort();
}

const LOOKING = [
  ["plan", "-f", spec, "--twin"],
  ["plan", "-f", spec, "--twin", "--output", "json"],
  ["diff", "-f", spec, "--twin"],
  ["status", "-f", spec, "--twin"],
  ["health", "-f", spec, "--twin"],
  ["validate", spec],
];

beforeAll(() => {
  copyFileSync(join(REPO_ROOT, "examples/proxmox-5node-vip-pools.yaml"), spec);
});

afterAll(() => {
  twinDown(twinDir);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("commands that only look change nothing", () => {
  it("with no twin and no secrets: plan shows a fresh twin's bootstrap, writes nothing, starts nothing", () => {
    const before = processes();
    const p = cairn(["plan", "-f", spec, "--twin"]);
    expect(p.code, p.err).toBe(2);
    expect(p.out).toMatch(/start the twin: SIMULATED Talos/);
    expect(p.out).toMatch(/no twin is running: apply starts one/);
    expect(p.out).toMatch(/secrets: none yet/);
    expect(p.out).toMatch(/apply-config +apply controlplane config to controlplane0 \(maintenance mode/);
    for (const cmd of ["status", "health", "diff"]) {
      const r = cairn([cmd, "-f", spec, "--twin"]);
      expect(r.code, `${cmd}: ${r.out}${r.err}`).toBe(1);
      expect(r.err).toMatch(/no twin is running for test-cluster/);
    }
    expect(existsSync(cairnDir)).toBe(false);
    expect(processes()).toEqual(before);
  }, 120_000);

  it("on a bootstrapped twin: the .cairn tree and the processes are identical before and after each", () => {
    const a = cairn(["apply", "-f", spec, "--twin", "--yes"]);
    expect(a.code, a.out + a.err).toBe(0);
    const tree = settledTreeHash(cairnDir);
    const procs = processes();
    expect(procs.some((p) => /twin serve/.test(p))).toBe(true);
    for (const args of LOOKING) {
      const r = cairn(args);
      expect([0, 1, 2], `${args.join(" ")}: ${r.out}${r.err}`).toContain(r.code);
      expect(treeHash(cairnDir), args.join(" ")).toBe(tree);
      expect(processes(), args.join(" ")).toEqual(procs);
    }
  }, 240_000);
});
