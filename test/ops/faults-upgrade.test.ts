// Fault tests for rolling upgrades on the twin (3 control planes + 2 workers, 300 ms reboots):
// (b) refuse-upgrade: the node comes back on its old version; the rollback is reported as a failure and nothing
//     else is touched; (a) a control plane crashes mid-upgrade and never returns: the upgrade halts, no other node
//     gets an Upgrade call, etcd keeps quorum and every key written before the upgrade is still readable.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { AnyEngineEvent } from "../../src/engine/types.js";
import { runTalosUpgrade } from "../../src/ops/upgrade-talos/run.js";
import { twinCluster, type TwinCluster } from "./upgrade-helpers.js";

const exec = promisify(execFile);
let c: TwinCluster;

beforeAll(async () => {
  c = await twinCluster(3, 2, "127.0.131.0/24", { rebootMs: 300 });
}, 90_000);

afterAll(async () => {
  await c?.close();
});

const upgradeCalls = (since: number): Record<string, number> =>
  Object.fromEntries(
    c.twin.nodes.map((n) => [
      n.name,
      n.log.filter((r) => Date.parse(r.at) >= since && /Upgrade|Reboot$/.test(r.method)).length,
    ]),
  );

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

test("(b) refuse-upgrade: the A/B rollback is detected, reported, and halts the upgrade", async () => {
  for (const cp of ["cp-1", "cp-2", "cp-3"]) await c.twin.fault(cp, { kind: "refuse-upgrade" });
  const since = Date.now();
  const events: AnyEngineEvent[] = [];
  const report = await runTalosUpgrade(c.access, {
    to: "v1.13.9",
    maxUnavailable: "2",
    nodeTimeoutMs: 20_000,
    onEvent: (e) => events.push(e),
  });
  expect(report.result?.ok).toBe(false);
  const failed = report.nodes.filter((n) => n.outcome === "failed");
  expect(failed).toHaveLength(1);
  const victim = failed[0]!.node;
  expect(failed[0]!.error).toMatch(
    new RegExp(`${victim} came back on v1\\.12\\.11 instead of v1\\.13\\.9: .*rolled back`),
  );
  expect(report.nodes.filter((n) => n.outcome === "not-started")).toHaveLength(4);
  expect(events.some((e) => e.type === "halt")).toBe(true);
  // Only the victim got an Upgrade call; every node still runs the old version.
  const calls = upgradeCalls(since);
  for (const [node, n] of Object.entries(calls)) expect(n, node).toBe(node === victim ? 1 : 0);
  expect(c.twin.nodes.map((n) => n.version)).toEqual(Array(5).fill("v1.12.11"));
  for (const cp of ["cp-1", "cp-2", "cp-3"]) await c.twin.fault(cp, { kind: "heal" });
  await c.twin.waitFor("every node ready again", () => c.twin.nodes.every((n) => n.ready), 30_000);
}, 60_000);

test("(a) a control plane crashes mid-upgrade and never returns: halt, nothing else touched, etcd keeps quorum and data", async () => {
  const cp1 = c.twin.node("cp-1").address;
  const keys = Array.from({ length: 20 }, (_, i) => `/cairn/fault-a/key-${String(i).padStart(2, "0")}`);
  for (const k of keys) await etcdctl(cp1, "put", k, `value of ${k}`);

  const since = Date.now();
  let upgradeStarts = 0;
  let victim: string | undefined;
  let crashed: Promise<void> | undefined;
  const report = await runTalosUpgrade(c.access, {
    to: "v1.13.9",
    maxUnavailable: "2",
    nodeTimeoutMs: 6_000,
    onEvent: (e) => {
      // The second control plane of the plan crashes once its upgrade has begun.
      if (e.type !== "action-start" || !e.id.startsWith("upgrade:cp-")) return;
      if (++upgradeStarts !== 2) return;
      victim = e.id.slice("upgrade:".length);
      const node = c.twin.node(victim);
      crashed = c.twin
        .waitFor(
          "the upgrade to begin",
          () => node.stage === "upgrading" || node.stage === "rebooting",
          10_000,
        )
        .then(() => c.twin.fault(victim!, { kind: "crash" }));
    },
  });
  await crashed;
  expect(victim).toBeDefined();
  expect(report.result?.ok).toBe(false);
  expect(report.result?.failed?.id).toBe(`upgrade:${victim}`);
  expect(report.result?.failed?.error).toMatch(/timed out/);
  const first = report.nodes.find((n) => n.outcome === "upgraded");
  expect(first?.node).toMatch(/^cp-/);
  const untouched = report.nodes.filter((n) => n.outcome === "not-started").map((n) => n.node);
  expect(untouched).toHaveLength(3);

  // No Upgrade or Reboot reached any node but the first control plane and the victim.
  const calls = upgradeCalls(since);
  for (const n of untouched) expect(calls[n], n).toBe(0);
  expect(c.twin.node(victim!).crashed).toBe(true);
  for (const n of untouched) expect(c.twin.node(n).version).toBe("v1.12.11");
  expect(c.twin.node(first!.node).version).toBe("v1.13.9");

  // etcd: two of three members healthy (quorum), and every key written before is readable from both.
  const alive = ["cp-1", "cp-2", "cp-3"].filter((n) => n !== victim).map((n) => c.twin.node(n).address);
  for (const a of alive) {
    await expect(etcdctl(a, "endpoint", "health")).resolves.toMatch(/is healthy/);
    const out = await etcdctl(a, "get", "/cairn/fault-a/", "--prefix", "--keys-only");
    expect(out.split("\n").filter(Boolean)).toEqual(keys);
    await expect(etcdctl(a, "get", keys[7]!, "--print-value-only")).resolves.toBe(`value of ${keys[7]}\n`);
  }
}, 90_000);
