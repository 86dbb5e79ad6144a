import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireLock, LockedError, runPlan } from "../../src/engine/run.js";
import { CairnError } from "../../src/errors.js";
import { action, delay, eventLog, plan, tempDir, type TempDir } from "./helpers.js";

let t: TempDir;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

/** A pid that existed on this host and is now dead: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(child.stdout);
}

const lockFile = (holder: object): void => writeFileSync(t.lockPath, JSON.stringify(holder));

describe("lock", () => {
  it("writes its holder and removes the file on release", () => {
    const lock = acquireLock(t.lockPath, { operation: "apply" });
    const holder = JSON.parse(readFileSync(t.lockPath, "utf8")) as Record<string, unknown>;
    expect(holder).toMatchObject({ pid: process.pid, host: hostname(), operation: "apply" });
    expect(typeof holder.startedAt).toBe("string");
    lock.release();
    lock.release(); // idempotent
    expect(existsSync(t.lockPath)).toBe(false);
  });

  it("refuses a second acquirer with a message naming the holder", () => {
    const today = new Date();
    const at = new Date(today.getFullYear(), today.getMonth(), today.getDate(), 14, 2, 11).getTime();
    const lock = acquireLock(t.lockPath, { operation: "apply", now: () => at });
    try {
      const err = (() => {
        try {
          acquireLock(t.lockPath, { operation: "upgrade talos", isAlive: () => true });
        } catch (e) {
          return e;
        }
        throw new Error("acquired twice");
      })();
      expect(err).toBeInstanceOf(LockedError);
      expect(err).toBeInstanceOf(CairnError);
      expect((err as LockedError).message).toBe(
        `another cairn apply (pid ${process.pid} on host ${hostname()}, started 14:02:11) is running on this cluster`,
      );
      expect((err as LockedError).hint).toContain(t.lockPath);
    } finally {
      lock.release();
    }
  });

  it("two concurrent runPlan calls: the second is refused and runs nothing", async () => {
    let secondRan = false;
    const first = runPlan(
      plan([action("slow")]),
      { gate: () => delay(100) },
      { journalPath: t.journalPath, lockPath: t.lockPath },
    );
    await delay(10);
    const second = runPlan(
      plan([action("x")]),
      { gate: async () => void (secondRan = true) },
      { journalPath: t.journalPath, lockPath: t.lockPath },
    );
    await expect(second).rejects.toThrow(
      /another cairn apply \(pid \d+ on host .+, started \d\d:\d\d:\d\d\) is running/,
    );
    expect((await first).ok).toBe(true);
    expect(secondRan).toBe(false);
    expect(existsSync(t.lockPath)).toBe(false);
  });

  it("takes over a stale lock (dead pid on this host) with a warning event", async () => {
    const pid = deadPid();
    lockFile({
      pid,
      host: hostname(),
      operation: "apply",
      startedAt: new Date().toISOString(),
      token: "old",
    });
    const log = eventLog();
    const r = await runPlan(
      plan([action("a")]),
      { gate: async () => undefined },
      { journalPath: t.journalPath, lockPath: t.lockPath, ...log },
    );
    expect(r.ok).toBe(true);
    const warning = log.events.find((e) => e.type === "warning");
    expect(warning).toMatchObject({
      type: "warning",
      message: expect.stringContaining(`took over a stale lock: cairn apply (pid ${pid} on host`),
    });
    expect(existsSync(t.lockPath)).toBe(false);
  });

  it("respects a lock from another host, even if that pid is dead here", () => {
    lockFile({
      pid: deadPid(),
      host: "elsewhere.example",
      operation: "apply",
      startedAt: new Date().toISOString(),
      token: "x",
    });
    expect(() => acquireLock(t.lockPath, { operation: "apply" })).toThrow(/on host elsewhere\.example/);
  });

  it("names the day of a lock taken on another day", () => {
    lockFile({
      pid: 4242,
      host: "elsewhere",
      operation: "apply",
      startedAt: new Date(2025, 0, 2, 9, 5, 7).toISOString(),
      token: "x",
    });
    expect(() => acquireLock(t.lockPath, { operation: "apply" })).toThrow(
      "another cairn apply (pid 4242 on host elsewhere, started 2025-01-02 09:05:07) is running on this cluster",
    );
  });

  it.runIf(existsSync("/proc/self/stat"))(
    "a reused pid (process started after the lock was taken) is stale",
    () => {
      lockFile({
        pid: process.pid,
        host: hostname(),
        operation: "apply",
        startedAt: "2000-01-01T00:00:00.000Z",
        token: "old",
      });
      const lock = acquireLock(t.lockPath, { operation: "apply" });
      expect(lock.warning).toMatch(/took over a stale lock/);
      lock.release();
    },
  );

  it("respects a live holder on this host", () => {
    lockFile({
      pid: process.pid,
      host: hostname(),
      operation: "apply",
      startedAt: new Date().toISOString(),
      token: "x",
    });
    expect(() => acquireLock(t.lockPath, { operation: "apply" })).toThrow(LockedError);
  });

  it("an unreadable lock is respected while fresh and taken over once old", () => {
    writeFileSync(t.lockPath, "");
    expect(() => acquireLock(t.lockPath, { operation: "apply" })).toThrow(/another cairn process is running/);
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(t.lockPath, old, old);
    const lock = acquireLock(t.lockPath, { operation: "apply" });
    expect(JSON.parse(readFileSync(t.lockPath, "utf8"))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it("release never removes a lock that is no longer ours", () => {
    const lock = acquireLock(t.lockPath, { operation: "apply" });
    lockFile({ pid: 1, host: "other", operation: "apply", startedAt: "", token: "theirs" });
    lock.release();
    expect(existsSync(t.lockPath)).toBe(true);
  });

  it("is released when a handler throws and when the run is interrupted", async () => {
    const o = { journalPath: t.journalPath, lockPath: t.lockPath };
    await runPlan(
      plan([action("a")]),
      {
        gate: async () => {
          throw new Error("boom");
        },
      },
      o,
    );
    expect(existsSync(t.lockPath)).toBe(false);
    const ctl = new AbortController();
    await runPlan(
      plan([action("b"), action("c", ["b"])]),
      { gate: async () => ctl.abort() },
      { ...o, signal: ctl.signal },
    );
    expect(existsSync(t.lockPath)).toBe(false);
  });
});
