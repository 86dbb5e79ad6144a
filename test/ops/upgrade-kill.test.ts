// A rolling upgrade killed (SIGKILL) right after every one of its journal records — the first run dies after its
// first record, the next after two (its resume record and one more), and so on: each rerun redoes the step it was
// killed in and gets one record further, so every record is a kill point and the early resumes are killed too — still
// completes: every node ends on the target, each received exactly one upgrade that took effect, never two control
// planes were down at once, and etcd kept its keys. Both upgrade APIs: the legacy call (≤ 1.12 nodes) and the
// lifecycle install + reboot (1.13+).
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { request } from "../../src/twin/daemon.js";
import type { CallRecord } from "../../src/twin/node.js";
import type { TwinStatus } from "../../src/twin/twin.js";
import { BIN, twinDown, twinEnv } from "../helpers/twin-cli.js";
import { specText } from "./upgrade-helpers.js";

const exec = promisify(execFile);
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) {
    twinDown(join(d, ".cairn", "ops-test", "twin"));
    rmSync(d, { recursive: true, force: true });
  }
}, 60_000);

async function etcdctl(address: string, ...args: string[]): Promise<string> {
  const r = await exec(
    "etcdctl",
    ["--endpoints", `http://${address}:2379`, "--command-timeout", "5s", ...args],
    {
      env: { ...process.env, ETCDCTL_API: "3" },
      timeout: 15_000,
    },
  );
  return r.stdout;
}

async function killedChain(
  cps: number,
  workers: number,
  from: string,
  to: string,
  subnet: string,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "cairn-upgrade-kill-"));
  dirs.push(dir);
  const spec = join(dir, "cairn.yaml");
  writeFileSync(spec, specText(cps, workers, from));
  const twinDir = join(dir, ".cairn", "ops-test", "twin");
  const env = twinEnv(subnet);
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...env, ...extra },
      encoding: "utf8",
      timeout: 180_000,
    });
  const a = cli(["apply", "-f", spec, "--twin", "--yes"]);
  expect(a.status, a.stdout + a.stderr).toBe(0);

  const status = (): Promise<TwinStatus> => request<TwinStatus>(twinDir, "GET", "/status");
  const st = await status();
  const cp1 = st.nodes.find((n) => n.name === "cp-1")!.address;
  const keys = Array.from({ length: 10 }, (_, i) => `/cairn/kill/key-${i}`);
  for (const k of keys) await etcdctl(cp1, "put", k, `value of ${k}`);
  const logOf = async (slot: string): Promise<CallRecord[]> =>
    request<CallRecord[]>(twinDir, "GET", `/log/${slot}`);
  const before = new Map<string, number>();
  for (const n of st.nodes) before.set(n.name, (await logOf(n.name)).length);

  // Watch the control planes while the chain runs: at most one may be away from "running" at any moment.
  let maxDown = 0;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      try {
        const s = await status();
        const down = s.nodes.filter(
          (n) => n.plannedRole === "controlplane" && n.machineType && n.stage !== "running",
        );
        maxDown = Math.max(maxDown, down.length);
      } catch {
        // the daemon is busy; sample again
      }
      await new Promise((r) => setTimeout(r, 40));
    }
  })();

  // Run m dies right after its m-th journal record, until one finishes first.
  const up = ["upgrade", "talos", "--to", to, "-f", spec, "--twin", "--yes"];
  let runs = 0;
  let last = cli(up, { CAIRN_FAILPOINT_KILL_AFTER_RECORDS: "1" });
  while (last.signal === "SIGKILL" && runs < 200) {
    runs++;
    last = cli(up, { CAIRN_FAILPOINT_KILL_AFTER_RECORDS: String(runs + 1) });
  }
  watching = false;
  await watcher;
  expect(last.status, `after ${runs} killed reruns:\n${last.stdout}\n${last.stderr}`).toBe(0);
  expect(runs).toBeGreaterThan(cps + workers); // every node's records were kill points
  console.log(`${from} → ${to}, ${cps}+${workers}: ${runs + 1} processes, the last one completed`);

  const end = await status();
  for (const n of end.nodes.filter((x) => x.machineType)) {
    expect(n.version, n.name).toBe(to);
    // Exactly one call that reboots into the new version arrived per node: the legacy Upgrade, or the Reboot after
    // the lifecycle install (installs may repeat: they only stage the image).
    const calls = (await logOf(n.name)).slice(before.get(n.name));
    const effective = calls.filter((c) => /MachineService\/(Upgrade|Reboot)$/.test(c.method));
    expect(
      effective.map((c) => c.method),
      n.name,
    ).toHaveLength(1);
  }
  expect(maxDown).toBeLessThanOrEqual(1);
  const got = (await etcdctl(cp1, "get", "/cairn/kill/", "--prefix", "--keys-only"))
    .split("\n")
    .filter(Boolean);
  expect(got).toEqual(keys);
  const plan = cli(["upgrade", "talos", "--to", to, "-f", spec, "--twin", "--dry-run"]);
  expect(plan.stdout).toMatch(/: 0 action\(s\)/);
  // cairn.yaml still names the old release: plan refuses to move the nodes back and diff reports the drift.
  const p = cli(["plan", "-f", spec, "--twin"]);
  const d = cli(["diff", "-f", spec, "--twin"]);
  expect(p.status, p.stdout + p.stderr).toBe(1);
  expect(p.stdout).toContain(`set \`talos.version: ${to}\` in cairn.yaml`);
  expect(d.status, d.stdout + d.stderr).toBe(2);
}

describe("an upgrade killed at every journal record completes", () => {
  it("legacy upgrade call: v1.12.11 → v1.13.9 on 3 control planes + 1 worker", async () => {
    await killedChain(3, 1, "v1.12.11", "v1.13.9", "127.0.218.0/24");
  }, 600_000);

  it("lifecycle install + reboot: v1.13.0 → v1.13.9 on 1 control plane + 1 worker", async () => {
    await killedChain(1, 1, "v1.13.0", "v1.13.9", "127.0.219.0/24");
  }, 600_000);
});
