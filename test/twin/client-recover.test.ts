// Disaster recovery through the project's client on a 3-control-plane twin: snapshot the real etcd, lose every
// control plane (Reset without leaving etcd: data and config wiped, back to maintenance), configure them again,
// upload the snapshot with EtcdRecover and Bootstrap{recover_etcd} on one node; the others rejoin and the data is back.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { TalosconfigContext } from "../../src/talos/talosconfig.js";
import * as etcd from "../../src/twin/etcd.js";
import { startTwin, type Twin } from "../../src/twin/twin.js";
import { applyAll, mtls, talosconfig, until, waitNormal } from "./client-fixtures.js";

const SUBNET = "127.0.123.0/24";
let twin: Twin;
let dir: string;
let all: string[];
let admin: TalosconfigContext;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cairn-client-recover-"));
  twin = await startTwin({ controlplanes: 3, subnet: SUBNET, rebootMs: 300, stateDir: join(dir, "twin") });
  all = twin.nodes.map((n) => n.address);
  admin = await talosconfig(["os:admin"], all);
});

afterAll(async () => {
  await twin?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function threeMembers(c: ReturnType<typeof mtls>, node: string): Promise<boolean> {
  const [r] = await c.etcdMemberList(false, [node]);
  return r?.ok === true && r.value.members.filter((m) => !m.is_learner).length === 3;
}

test("snapshot, lose every control plane, recover from the snapshot", async () => {
  const [cp1] = all as [string];
  await applyAll(twin);
  await waitNormal(admin, all);
  let c = mtls(admin);
  let snapshot: Buffer;
  try {
    expect((await c.bootstrap({}, [cp1]))[0]?.ok).toBe(true);
    await until("three etcd members", () => threeMembers(c, cp1), 45_000);
    await etcd.put(cp1, "/cairn/keep", "me");
    const parts: Buffer[] = [];
    for await (const chunk of c.etcdSnapshot(cp1)) parts.push(chunk);
    snapshot = Buffer.concat(parts);
    expect(snapshot.length).toBeGreaterThan(1024);

    // Every control plane is reset without leaving etcd: the cluster's data is gone.
    const resets = await c.reset({ graceful: false, reboot: true }, all);
    expect(resets.every((r) => r.ok)).toBe(true);
  } finally {
    c.close();
  }
  await twin.waitFor(
    "every node back in maintenance",
    () => twin.nodes.every((n) => n.stage === "maintenance" && n.server !== undefined && !n.hasEtcdData),
    30_000,
  );

  await applyAll(twin);
  await waitNormal(admin, all);
  c = mtls(admin);
  try {
    // Upload in several chunks, as a file stream would arrive.
    const chunks = [snapshot.subarray(0, 4096), snapshot.subarray(4096)];
    const rec = await c.etcdRecover(chunks, cp1);
    expect(rec.every((r) => r.ok)).toBe(true);
    expect((await c.bootstrap({ recoverEtcd: true }, [cp1]))[0]?.ok).toBe(true);
    await until("three etcd members after the recovery", () => threeMembers(c, cp1), 45_000);
  } finally {
    c.close();
  }
  await expect(etcd.get(cp1, "/cairn/keep")).resolves.toBe("me");
  await until(
    "the data on every member",
    async () => (await etcd.get(all[2]!, "/cairn/keep")) === "me",
    20_000,
  );
}, 120_000);
