// Issue 9 item 5 on the twin: `etcd restore` never wipes a member for a file that is not a whole etcd database —
// random bytes with --skip-hash-check and --wipe, a truncated real snapshot, a bit-flipped one are refused before
// anything is touched (3 members, every key still there); the refusal says what to do without offering
// --skip-hash-check; with the control plane that would bootstrap down, nothing is reset; a good snapshot restores
// after the refusals, and the data the live members held was saved first; a node whose etcd holds leftovers of a
// failed recovery (0 members, Bootstrap answers ALREADY_EXISTS) is cleaned and the restore completes.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, test } from "vitest";
import { runEtcdRestoreCommand } from "../../src/cli/commands/etcd-run.js";
import { UserError } from "../../src/errors.js";
import { safetySnapshotDir } from "../../src/ops/etcd-restore/handlers.js";
import { runEtcdRestore } from "../../src/ops/etcd-restore/run.js";
import { checkSnapshotStructure } from "../../src/ops/etcd-restore/snapshot-check.js";
import { snapshotEtcd } from "../../src/ops/etcd-snapshot.js";
import { captureIo } from "../helpers/cli.js";
import { twinCluster, type TwinCluster } from "./upgrade-helpers.js";

const exec = promisify(execFile);
const SUBNET = "127.0.241.0/24";
const CPS = ["cp-1", "cp-2", "cp-3"];
const dir = mkdtempSync(join(tmpdir(), "cairn-restore-safety-"));
let c: TwinCluster | undefined;

afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

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
const cluster = (): TwinCluster => c!;
const addr = (cp: string): string => cluster().twin.node(cp).address;
const calls = (method: string): number =>
  cluster().twin.nodes.flatMap((n) => n.log.filter((r) => r.method.endsWith(`/${method}`))).length;
const keysOn = async (cp: string, prefix: string): Promise<string[]> =>
  (await etcdctl(addr(cp), "get", prefix, "--prefix", "--keys-only")).split("\n").filter(Boolean);
async function expectIntact(keys: string[]): Promise<void> {
  for (const cp of CPS) {
    const members = (await etcdctl(addr(cp), "member", "list")).split("\n").filter(Boolean);
    expect(members, cp).toHaveLength(3);
    expect(await keysOn(cp, "/cairn/safety/"), cp).toEqual(keys);
  }
}
function write(name: string, data: Buffer): string {
  const f = join(dir, name);
  writeFileSync(f, data, { mode: 0o600 });
  return f;
}

const keys = Array.from({ length: 20 }, (_, i) => `/cairn/safety/${String(i).padStart(2, "0")}`);
let good = "";

describe("etcd restore on the twin (SIMULATED): proof before any wipe, resumable", () => {
  test("random bytes with --skip-hash-check --wipe, a cut or bit-flipped snapshot: refused, nothing reset", async () => {
    c = await twinCluster(3, 0, SUBNET, { rebootMs: 200 });
    for (const k of keys) await etcdctl(addr("cp-1"), "put", k, `v-${k}`);
    const bootstraps = calls("Bootstrap"); // the cluster's own
    good = join(dir, "good.snapshot");
    expect((await snapshotEtcd(cluster().access, good)).ok).toBe(true);
    const snap = readFileSync(good);

    let seed = 5;
    const random = Buffer.alloc(snap.length);
    for (let i = 0; i < random.length; i++) random[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const flipped = Buffer.from(snap);
    flipped[4096 + 40]! ^= 0x10; // the second meta page
    flipped[40]! ^= 0x10; // and the first
    const bad = {
      random: write("random.snapshot", random),
      truncated: write("truncated.snapshot", snap.subarray(0, Math.floor(snap.length / 2))),
      flipped: write("flipped.snapshot", flipped),
    };
    for (const [what, file] of Object.entries(bad))
      for (const skipHashCheck of [true, false])
        await expect(
          runEtcdRestore(cluster().access, { file, wipe: true, skipHashCheck, timeoutMs: 30_000 }),
          `${what}, skipHashCheck ${skipHashCheck}`,
        ).rejects.toThrow(/cannot be restored: not a usable etcd database/);
    expect(calls("Reset")).toBe(0);
    expect(calls("EtcdRecover")).toBe(0);
    expect(calls("Bootstrap")).toBe(bootstraps);
    await expectIntact(keys);
  }, 180_000);

  test("the refusal names the problem and what to do, and does not offer --skip-hash-check", async () => {
    const snap = readFileSync(good);
    const mismatch = Buffer.from(snap);
    mismatch[mismatch.length - 1]! ^= 0xff;
    const cases: [string, Buffer, RegExp][] = [
      ["random", readFileSync(join(dir, "random.snapshot")), /not a usable etcd database/],
      ["truncated", readFileSync(join(dir, "truncated.snapshot")), /truncated|cut off|past the end/],
      ["hash mismatch", mismatch, /SHA-256 .* does not match/],
      ["no hash trailer", snap.subarray(0, snap.length - 32), /no SHA-256 trailer/],
    ];
    for (const [what, data, problem] of cases) {
      const file = write(`cli-${what.replace(/ /g, "-")}.snapshot`, data);
      const { io } = captureIo();
      let err: unknown;
      try {
        await runEtcdRestoreCommand(file, { file: join(dir, "cairn.yaml"), output: "text", wipe: true }, io);
      } catch (e) {
        err = e;
      }
      expect(err, what).toBeInstanceOf(UserError);
      const text = `${(err as UserError).message}\n${(err as UserError).hint ?? ""}`;
      expect(text, what).toMatch(problem);
      expect(text, what).toMatch(/nothing was changed/);
      expect(text, what).not.toMatch(/skip-hash-check/);
    }
    // The structure is proven even with the flag: random bytes stay refused.
    const { io } = captureIo();
    await expect(
      runEtcdRestoreCommand(
        join(dir, "random.snapshot"),
        { file: "x", output: "text", skipHashCheck: true },
        io,
      ),
    ).rejects.toThrow(/not a usable etcd database/);
  });

  test("the control plane that would bootstrap does not answer: refused before any reset", async () => {
    await cluster().twin.fault("cp-1", { kind: "crash" });
    const before = calls("Reset");
    const { result } = await runEtcdRestore(cluster().access, { file: good, wipe: true, timeoutMs: 60_000 });
    expect(result.ok).toBe(false);
    expect(result.failed?.id).toBe("etcd-restore:verify");
    expect(result.failed?.error).toMatch(
      /cp-1, the control plane that would bootstrap from the snapshot, does not answer/,
    );
    expect(calls("Reset")).toBe(before);
    await cluster().twin.fault("cp-1", { kind: "heal" });
    await cluster().twin.waitFor("cp-1's etcd member", () => cluster().twin.node("cp-1").etcdHealthy, 30_000);
    await expectIntact(keys);
  }, 120_000);

  test("a good snapshot after the refused ones restores; the live data was saved first", async () => {
    await etcdctl(addr("cp-2"), "put", "/cairn/after/written-after-the-snapshot", "x");
    const before = { reset: calls("Reset"), bootstrap: calls("Bootstrap"), leave: calls("EtcdLeaveCluster") };
    // Watched all along: some member of the old cluster keeps running until the snapshot's member is healthy.
    const nodes = CPS.map((cp) => cluster().twin.node(cp));
    const oldIds = new Set(nodes.map((n) => n.etcdMemberId));
    let watching = true;
    let unsafe = 0;
    let samples = 0;
    const watcher = (async () => {
      while (watching) {
        const oldLive = nodes.filter((n) => n.etcd.running && oldIds.has(n.etcdMemberId)).length;
        const restoredUp = nodes.some((n) => n.etcdHealthy && n.etcd.running && !oldIds.has(n.etcdMemberId));
        if (oldLive === 0 && !restoredUp) unsafe++;
        samples++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const { result } = await runEtcdRestore(cluster().access, { file: good, wipe: true, timeoutMs: 120_000 });
    watching = false;
    await watcher;
    expect(result.failed, JSON.stringify(result.failed)).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(samples).toBeGreaterThan(50);
    expect(unsafe, "samples with every old member gone and no restored member healthy").toBe(0);
    await expectIntact(keys);
    for (const cp of CPS) expect(await keysOn(cp, "/cairn/after/"), cp).toEqual([]);
    // cp-1 left the old cluster (the others kept it), bootstrapped from the snapshot; then the others were reset.
    expect(calls("EtcdLeaveCluster") - before.leave).toBe(1);
    expect(calls("Reset") - before.reset).toBe(2);
    expect(calls("Bootstrap") - before.bootstrap).toBe(1);
    // The data etcd held before the wipe (with the key written after the snapshot) is in a snapshot of its own.
    const saved = readdirSync(safetySnapshotDir(cluster().access)).filter((f) => f.endsWith(".snapshot"));
    expect(saved).toHaveLength(1);
    const f = join(safetySnapshotDir(cluster().access), saved[0]!);
    expect(statSync(f).mode & 0o777).toBe(0o600);
    const data = readFileSync(f);
    expect(checkSnapshotStructure(data)).toMatchObject({ ok: true, hashMatches: true });
    expect(data.includes(Buffer.from("/cairn/after/written-after-the-snapshot"))).toBe(true);
  }, 180_000);

  test("0 members and leftovers of a failed recovery (ALREADY_EXISTS): the restore cleans them and completes", async () => {
    // The state a destroyed restore left: etcd stopped and empty on every control plane, cp-1's data directory
    // holding a half-restored database, so Talos refuses Bootstrap with ALREADY_EXISTS.
    for (const cp of CPS) {
      const n = cluster().twin.node(cp);
      await n.etcd.kill();
      n.etcd.wipe();
      n.etcdHealthy = false;
    }
    const cp1 = cluster().twin.node("cp-1");
    mkdirSync(join(cp1.etcd.dataDir, "member", "snap"), { recursive: true });
    writeFileSync(join(cp1.etcd.dataDir, "member", "snap", "db"), "half a database");
    const cp1Resets = (): number => cp1.log.filter((r) => r.method.endsWith("/Reset")).length;
    const before = { reset: calls("Reset"), bootstrap: calls("Bootstrap"), cp1: cp1Resets() };
    const { result } = await runEtcdRestore(cluster().access, {
      file: good,
      timeoutMs: 120_000,
      handlers: { settleMs: 2000 },
    });
    expect(result.failed, JSON.stringify(result.failed)).toBeUndefined();
    await expectIntact(keys);
    // cp-1 alone was reset (its leftovers); Bootstrap was refused once, then started the restore.
    expect(calls("Reset") - before.reset).toBe(1);
    expect(cp1Resets() - before.cp1).toBe(1);
    expect(calls("Bootstrap") - before.bootstrap).toBe(2);
  }, 180_000);
});
