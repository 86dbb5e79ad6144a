// Fault test (f) on the twin: snapshot a 3-control-plane cluster through the Talos API, destroy the whole twin,
// start fresh machines (maintenance mode) on the same addresses, restore: every key written before is back on
// every member. Also: a live cluster is not wiped without --wipe.
import { execFile } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, test } from "vitest";
import { runEtcdRestore } from "../../src/ops/etcd-restore/run.js";
import { snapshotEtcd } from "../../src/ops/etcd-snapshot.js";
import { twinCluster, type TwinCluster } from "./upgrade-helpers.js";

const exec = promisify(execFile);
const SUBNET = "127.0.132.0/24";
let c: TwinCluster | undefined;

afterAll(async () => {
  await c?.close();
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
  return r.stdout + r.stderr;
}

test("(f) snapshot, destroy the twin cluster, restore: every key is back", async () => {
  c = await twinCluster(3, 1, SUBNET, { rebootMs: 200 });
  const keys = Array.from({ length: 30 }, (_, i) => `/cairn/fault-f/${String(i).padStart(2, "0")}`);
  for (const k of keys) await etcdctl(c.twin.node("cp-1").address, "put", k, `v-${k}`);
  const file = join(mkdtempSync(join(tmpdir(), "cairn-snap-")), "etcd.snapshot");
  const snap = await snapshotEtcd(c.access, file);
  expect(snap.ok).toBe(true);
  expect(snap.method).toBe("etcdctl");
  expect(snap.totalKeys).toBeGreaterThanOrEqual(keys.length);
  expect(statSync(file).mode & 0o777).toBe(0o600);

  // Destroy: the whole twin goes, new machines come up in maintenance mode on the same addresses.
  await c.close();
  c = await twinCluster(3, 1, SUBNET, { rebootMs: 200, bare: true });
  expect(c.twin.nodes.every((n) => n.stage === "maintenance")).toBe(true);

  const { result } = await runEtcdRestore(c.access, { file });
  expect(result.failed).toBeUndefined();
  expect(result.ok).toBe(true);
  for (const cp of ["cp-1", "cp-2", "cp-3"]) {
    const a = c.twin.node(cp).address;
    await expect(etcdctl(a, "endpoint", "health")).resolves.toMatch(/is healthy/);
    const out = await etcdctl(a, "get", "/cairn/fault-f/", "--prefix", "--keys-only");
    expect(out.split("\n").filter(Boolean)).toEqual(keys);
  }
  await expect(etcdctl(c.twin.node("cp-2").address, "get", keys[3]!, "--print-value-only")).resolves.toBe(
    `v-${keys[3]}\n`,
  );
  // Exactly one Bootstrap, with recover_etcd, across the cluster.
  const boots = c.twin.nodes.flatMap((n) => n.log.filter((r) => r.method.endsWith("/Bootstrap")));
  expect(boots).toHaveLength(1);

  // Restoring over the live cluster again without --wipe is refused, nothing reset.
  const again = await runEtcdRestore(c.access, { file });
  expect(again.result.ok).toBe(false);
  expect(again.result.failed?.error).toMatch(/still has a live etcd member.*/);
  expect(c.twin.nodes.flatMap((n) => n.log.filter((r) => r.method.endsWith("/Reset")))).toHaveLength(0);
}, 120_000);
