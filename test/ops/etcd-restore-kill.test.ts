// `cairn etcd restore --wipe` killed (SIGKILL) right after every one of its journal records — the first process dies
// after its first record, the next after two, and so on — still completes on the next run: every key of the
// snapshot on all three members, the keys written after it gone, the data etcd held before the wipe saved exactly
// once. The real CLI against a twin daemon (SIMULATED), as a user would run it.
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, test } from "vitest";
import { request } from "../../src/twin/daemon.js";
import type { TwinStatus } from "../../src/twin/twin.js";
import { BIN, twinDown, twinEnv } from "../helpers/twin-cli.js";
import { specText } from "./upgrade-helpers.js";

const exec = promisify(execFile);
const SUBNET = "127.0.242.0/24";
const dir = mkdtempSync(join(tmpdir(), "cairn-restore-kill-"));
const twinDir = join(dir, ".cairn", "ops-test", "twin");

afterAll(() => {
  twinDown(twinDir);
  rmSync(dir, { recursive: true, force: true });
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

test("a restore killed at every journal record completes on the next run", async () => {
  const spec = join(dir, "cairn.yaml");
  writeFileSync(spec, specText(3, 0));
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...twinEnv(SUBNET), ...extra },
      encoding: "utf8",
      timeout: 180_000,
    });
  const a = cli(["apply", "-f", spec, "--twin", "--yes"]);
  expect(a.status, a.stdout + a.stderr).toBe(0);
  const st = await request<TwinStatus>(twinDir, "GET", "/status");
  const address = (cp: string): string => st.nodes.find((n) => n.name === cp)!.address;
  const keys = Array.from({ length: 10 }, (_, i) => `/cairn/restore-kill/${i}`);
  for (const k of keys) await etcdctl(address("cp-1"), "put", k, `v-${k}`);
  const snap = join(dir, "etcd.snapshot");
  const s = cli(["etcd", "snapshot", "-f", spec, "--twin", "--out", snap]);
  expect(s.status, s.stdout + s.stderr).toBe(0);
  await etcdctl(address("cp-2"), "put", "/cairn/restore-kill/after", "gone after the restore");

  const restore = ["etcd", "restore", snap, "-f", spec, "--twin", "--wipe", "--yes"];
  let runs = 0;
  let last = cli(restore, { CAIRN_FAILPOINT_KILL_AFTER_RECORDS: "1" });
  while (last.signal === "SIGKILL" && runs < 100) {
    runs++;
    last = cli(restore, { CAIRN_FAILPOINT_KILL_AFTER_RECORDS: String(runs + 1) });
  }
  expect(last.status, `after ${runs} killed runs:\n${last.stdout}\n${last.stderr}`).toBe(0);
  // verify, 3 prepares, recover, gate: six actions, each starting and ending (and noting what it sent).
  expect(runs).toBeGreaterThan(6);
  console.log(`etcd restore --wipe, 3 control planes: ${runs + 1} processes, the last one completed`);

  for (const cp of ["cp-1", "cp-2", "cp-3"]) {
    expect((await etcdctl(address(cp), "member", "list")).split("\n").filter(Boolean), cp).toHaveLength(3);
    const got = (await etcdctl(address(cp), "get", "/cairn/restore-kill/", "--prefix", "--keys-only"))
      .split("\n")
      .filter(Boolean);
    expect(got, cp).toEqual([...keys].sort());
  }
  const saved = readdirSync(join(twinDir, "backups")).filter((f) => f.endsWith(".snapshot"));
  expect(saved).toHaveLength(1);
}, 900_000);
