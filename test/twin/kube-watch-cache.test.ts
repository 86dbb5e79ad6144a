// The simulated API server's watch cache against a real etcd member: a list right after a write sees the write
// (the cache waits for etcd's current revision), deletes disappear, a write outside /registry/ still lets the cache
// catch up, and a member restarted from a different history (as after a snapshot restore) is read afresh.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdProcess, peerUrl, put, waitHealthy } from "../../src/twin/etcd.js";
import { EtcdKv } from "../../src/twin/kube/etcd-kv.js";
import { WatchCache } from "../../src/twin/kube/watch-cache.js";

const ADDRESS = "127.0.171.1";
let dir: string;
let member: EtcdProcess;
let kv: EtcdKv;

function startMember(dataDir: string): EtcdProcess {
  const m = new EtcdProcess("wc-1", ADDRESS, dataDir, join(dir, "etcd.log"));
  m.start(`wc-1=${peerUrl(ADDRESS)}`, "new");
  return m;
}

/** A cache answer once built (the first range only starts the build). */
async function cached(cache: WatchCache, prefix: string): Promise<{ keys: string[]; revision: number }> {
  for (let i = 0; i < 100; i++) {
    const r = await cache.range(prefix, await kv.revision());
    if (r) return { keys: r.kvs.map((x) => x.key), revision: r.revision };
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error("the cache never answered");
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cairn-watch-cache-"));
  member = startMember(join(dir, "a"));
  await waitHealthy(ADDRESS);
  kv = new EtcdKv(ADDRESS);
}, 30_000);

afterAll(async () => {
  await member?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("watch cache", () => {
  it("answers lists at etcd's current revision: writes and deletes are seen at once, in etcd's key order", async () => {
    const cache = new WatchCache(kv);
    try {
      expect(await cache.range("/registry/", 0)).toBeUndefined(); // not built yet: the caller reads etcd
      await kv.putIf("/registry/things/b", '{"n":"b"}', 0);
      await kv.putIf("/registry/things/a", '{"n":"a"}', 0);
      expect((await cached(cache, "/registry/things/")).keys).toEqual([
        "/registry/things/a",
        "/registry/things/b",
      ]);
      // Right after each write, with no pause: read-your-writes.
      for (let i = 0; i < 20; i++) {
        await kv.putIf(`/registry/things/c${i}`, "{}", 0);
        const r = await cache.range("/registry/things/", await kv.revision());
        expect(r?.kvs.map((x) => x.key)).toContain(`/registry/things/c${i}`);
      }
      const b = await kv.get("/registry/things/b");
      await kv.deleteIf("/registry/things/b", b!.modRevision);
      const after = await cache.range("/registry/things/", await kv.revision());
      expect(after?.kvs.map((x) => x.key)).not.toContain("/registry/things/b");
      expect(after?.revision).toBe(await kv.revision());
    } finally {
      cache.close();
    }
  });

  it("catches up after a write outside /registry/ (every key advances its revision)", async () => {
    const cache = new WatchCache(kv);
    try {
      await cached(cache, "/registry/");
      await put(ADDRESS, "/elsewhere/key", "v");
      const rev = await kv.revision();
      const r = await cache.range("/registry/", rev, 2000);
      expect(r?.revision).toBeGreaterThanOrEqual(rev);
    } finally {
      cache.close();
    }
  });

  it("drops its copy when the member goes away, and rebuilds from the member that comes back", async () => {
    const cache = new WatchCache(kv);
    try {
      expect((await cached(cache, "/registry/things/")).keys).toContain("/registry/things/a");
      await member.stop();
      // A different history on the same address (what a snapshot restore looks like to a client).
      member = startMember(join(dir, "b"));
      await waitHealthy(ADDRESS);
      await kv.putIf("/registry/things/only-in-b", "{}", 0);
      await new Promise((res) => setTimeout(res, 600)); // past the rebuild pause
      const { keys } = await cached(cache, "/registry/things/");
      expect(keys).toEqual(["/registry/things/only-in-b"]);
    } finally {
      cache.close();
    }
  }, 30_000);
});
