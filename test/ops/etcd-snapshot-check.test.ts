// The structural proof of an etcd snapshot, against REAL snapshots: a real etcd (3.4, the Debian package) fills a
// database with keys (branch pages, an overflow value), `etcdctl snapshot save` takes the snapshot, and the member's
// own db file is the "copied from a data dir" case. etcdctl is the independent oracle: what the reader accepts,
// `etcdctl snapshot status` (which walks every bucket and key) and `etcdctl snapshot restore` accept too; and cut,
// bit-flipped, random and non-etcd bbolt files are refused.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { checkSnapshotStructure } from "../../src/ops/etcd-restore/snapshot-check.js";
import { checkSnapshotBytes } from "../../src/ops/etcd-snapshot.js";
import * as etcd from "../../src/twin/etcd.js";

const exec = promisify(execFile);
const ADDRESS = "127.0.240.1";
const dir = mkdtempSync(join(tmpdir(), "cairn-snapcheck-"));
const member = new etcd.EtcdProcess("check", ADDRESS, join(dir, "data"), join(dir, "etcd.log"));
let snapshot: Buffer; // etcdctl snapshot save: database + SHA-256 trailer
let dbCopy: Buffer; // member/snap/db copied from the data dir: no trailer
let small: Buffer; // a nearly empty cluster's snapshot (single leaf pages)

async function etcdctl(...args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await exec("etcdctl", args, { env: { ...process.env, ETCDCTL_API: "3" }, timeout: 30_000 });
    return { ok: true, out: r.stdout };
  } catch (e) {
    return { ok: false, out: String((e as { stderr?: string }).stderr ?? e) };
  }
}

let n = 0;
function file(data: Buffer): string {
  const f = join(dir, `f-${n++}.db`);
  writeFileSync(f, data);
  return f;
}
/** `etcdctl snapshot status`: walks every bucket and key of the database. */
async function statusOk(data: Buffer): Promise<boolean> {
  return (await etcdctl("snapshot", "status", file(data), "-w", "json")).ok;
}
async function restoreOk(data: Buffer): Promise<boolean> {
  const out = join(dir, `restore-${n++}`);
  const r = await etcdctl("snapshot", "restore", file(data), "--data-dir", out, "--skip-hash-check");
  rmSync(out, { recursive: true, force: true });
  return r.ok;
}

beforeAll(async () => {
  member.start(`check=${etcd.peerUrl(ADDRESS)}`, "new");
  await etcd.waitHealthy(ADDRESS, 30_000);
  const endpoint = ["--endpoints", etcd.clientUrl(ADDRESS)];
  expect((await etcdctl(...endpoint, "snapshot", "save", join(dir, "small.snapshot"))).ok).toBe(true);
  small = readFileSync(join(dir, "small.snapshot"));
  // Enough keys for branch pages in the "key" bucket, and one value larger than a page (overflow pages).
  for (let i = 0; i < 600; i++)
    await etcd.put(ADDRESS, `/cairn/check/${String(i).padStart(4, "0")}`, "v".repeat(400));
  await etcd.put(ADDRESS, "/cairn/check/big", "b".repeat(20_000));
  expect((await etcdctl(...endpoint, "snapshot", "save", join(dir, "big.snapshot"))).ok).toBe(true);
  snapshot = readFileSync(join(dir, "big.snapshot"));
  await member.stop();
  dbCopy = readFileSync(join(dir, "data", "member", "snap", "db"));
}, 120_000);

afterAll(async () => {
  await member.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe("real etcd snapshots", () => {
  test("a snapshot from etcdctl snapshot save: a whole etcd database with a matching SHA-256", async () => {
    for (const s of [small, snapshot]) {
      const r = checkSnapshotStructure(s);
      expect(r, r.problem).toMatchObject({ ok: true, hashTrailer: true, hashMatches: true, pageSize: 4096 });
      expect(r.buckets).toEqual(
        expect.arrayContaining(["key", "meta", "members", "lease", "auth", "cluster"]),
      );
      expect(r.dbBytes).toBe(s.length - 32);
      expect(checkSnapshotBytes(s)).toMatchObject({ ok: true, hash: "matches" });
      // The oracle agrees it is a snapshot.
      const st = await etcdctl("snapshot", "status", file(s), "-w", "json");
      expect(st.ok, st.out).toBe(true);
      expect((JSON.parse(st.out) as { totalSize: number }).totalSize).toBe(r.dbBytes);
    }
    expect(snapshot.length).toBeGreaterThan(300_000);
  });

  test("the member's db file copied from the data dir: the structure is proven, the hash is absent", async () => {
    const r = checkSnapshotStructure(dbCopy);
    expect(r, r.problem).toMatchObject({ ok: true, hashTrailer: false });
    expect(r.hashMatches).toBeUndefined();
    expect(checkSnapshotBytes(dbCopy)).toMatchObject({ ok: false, hash: "absent" });
    expect(checkSnapshotBytes(dbCopy).problem).toMatch(/no SHA-256 trailer/);
    expect(checkSnapshotBytes(dbCopy, { skipHashCheck: true })).toMatchObject({ ok: true, hash: "absent" });
    expect(await restoreOk(dbCopy)).toBe(true);
  });
});

describe("what is not a whole etcd database is refused, whatever the flags", () => {
  test("cut at every page boundary and inside pages: refused, hash check skipped or not", () => {
    const db = snapshot.subarray(0, snapshot.length - 32);
    const cuts = new Set<number>();
    for (let off = 0; off < db.length; off += 4096) cuts.add(off).add(off + 1000);
    cuts
      .add(snapshot.length - 1)
      .add(snapshot.length - 33)
      .add(db.length - 4096 + 32);
    for (const cut of cuts) {
      if (cut >= snapshot.length || cut === db.length) continue;
      const part = snapshot.subarray(0, cut);
      const r = checkSnapshotBytes(part, { skipHashCheck: true });
      expect(r.ok, `cut at ${cut}`).toBe(false);
    }
    expect(cuts.size).toBeGreaterThan(150);
  });

  test("random bytes, zeros, the bbolt magic alone: refused", () => {
    let seed = 9;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (const size of [24_608, 4096, 65_568, 1 << 20]) {
      const junk = Buffer.alloc(size);
      for (let i = 0; i < size; i++) junk[i] = rnd();
      expect(checkSnapshotBytes(junk, { skipHashCheck: true }).ok).toBe(false);
    }
    expect(checkSnapshotBytes(Buffer.alloc(8192), { skipHashCheck: true }).problem).toMatch(
      /not a usable etcd/,
    );
    // The real first meta page followed by garbage: the second meta page and the page tree give it away.
    const forged = Buffer.concat([small.subarray(0, 4096), Buffer.alloc(small.length - 4096, 0x5a)]);
    expect(checkSnapshotStructure(forged).ok).toBe(false);
  });

  test("a bit flipped in either meta page: refused (its checksum)", () => {
    for (const page of [0, 1])
      for (const at of [16, 20, 24, 32, 48, 56, 64, 72]) {
        const b = Buffer.from(snapshot);
        b[page * 4096 + at]! ^= 0x04;
        const r = checkSnapshotStructure(b);
        expect(r.ok, `meta ${page} byte ${at}`).toBe(false);
        expect(r.problem).toMatch(/meta page/);
      }
  });

  test("a page id flipped anywhere in the tree: refused", () => {
    const r = checkSnapshotStructure(snapshot);
    let refused = 0;
    for (let pg = 2; pg * 4096 < r.dbBytes!; pg++) {
      const b = Buffer.from(snapshot);
      if (b.readBigUInt64LE(pg * 4096) !== BigInt(pg)) continue; // overflow or free page: not part of the tree
      b[pg * 4096]! ^= 0x01;
      if (!checkSnapshotStructure(b).ok) refused++;
      else expect(checkSnapshotStructure(b).ok, `page ${pg}`).toBe(true);
    }
    expect(refused).toBeGreaterThan(20);
  });

  test("random bit flips: refused with the hash check; without it, never accepted where etcd itself fails", async () => {
    const db = snapshot.subarray(0, snapshot.length - 32);
    let seed = 42;
    const rnd = (m: number): number => (seed = (seed * 1103515245 + 12345) >>> 0) % m;
    let accepted = 0;
    for (let i = 0; i < 40; i++) {
      const b = Buffer.from(db);
      const at = rnd(b.length);
      b[at]! ^= 1 << rnd(8);
      const withHash = Buffer.concat([b, snapshot.subarray(snapshot.length - 32)]);
      expect(checkSnapshotBytes(withHash).ok, `flip at ${at}`).toBe(false);
      if (checkSnapshotStructure(b).ok) {
        accepted++;
        expect(await statusOk(b), `flip at ${at}: accepted but etcdctl snapshot status fails`).toBe(true);
      }
    }
    expect(accepted).toBeGreaterThan(0);
  }, 60_000);

  test("a bbolt database without etcd's buckets: refused as not etcd's", async () => {
    // Rename the root bucket's "key" entry: still a valid bbolt file (etcdctl can read it), not an etcd database.
    const b = Buffer.from(small);
    const meta = b.readBigUInt64LE(4096 + 64) > b.readBigUInt64LE(64) ? 4096 : 0;
    const root = Number(b.readBigUInt64LE(meta + 32)) * 4096;
    let at = -1;
    for (let i = 0; i < b.readUInt16LE(root + 10); i++) {
      const el = root + 16 + i * 16;
      const k = el + b.readUInt32LE(el + 4);
      if (b.readUInt32LE(el + 8) === 3 && b.toString("latin1", k, k + 3) === "key") at = k;
    }
    expect(at).toBeGreaterThan(0);
    b.write("kex", at, "latin1");
    expect(await statusOk(b.subarray(0, b.length - 32))).toBe(true);
    const body = b.subarray(0, b.length - 32);
    const r = checkSnapshotStructure(body);
    expect(r.ok).toBe(false);
    expect(r.problem).toMatch(/not etcd's: no "key" bucket/);
  });
});
