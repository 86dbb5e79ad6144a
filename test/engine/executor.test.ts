import { existsSync, readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { executePlan } from "../../src/engine/executor.js";
import {
  acquireLock,
  ActionTimeoutError,
  LockedError,
  readJournal,
  runPlan,
  TransientError,
} from "../../src/engine/run.js";
import type { ActionContext, ActionHandler, RunOptions } from "../../src/engine/types.js";
import { CairnError } from "../../src/errors.js";
import { action, delay, eventLog, plan, tempDir, type TempDir } from "./helpers.js";

let t: TempDir;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

const opts = (extra: Partial<RunOptions> = {}): RunOptions => ({
  journalPath: t.journalPath,
  lockPath: t.lockPath,
  retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 4 },
  ...extra,
});

/** A handler that tracks how many run at once, overall and per group. */
function inFlightMeter(ms = 10) {
  let now = 0;
  let max = 0;
  const perGroup = new Map<string, { now: number; max: number }>();
  const handler: ActionHandler = async (a) => {
    now++;
    max = Math.max(max, now);
    const g = a.group ? (perGroup.get(a.group.name) ?? { now: 0, max: 0 }) : undefined;
    if (g && a.group) {
      g.now++;
      g.max = Math.max(g.max, g.now);
      perGroup.set(a.group.name, g);
    }
    await delay(ms);
    now--;
    if (g) g.now--;
  };
  return { handler, max: () => max, groupMax: (name: string) => perGroup.get(name)?.max ?? 0 };
}

describe("runPlan: DAG order", () => {
  it("runs dependencies first and reports every action completed", async () => {
    const order: string[] = [];
    const gate: ActionHandler = async (a) => {
      await delay(5);
      order.push(a.id);
    };
    const p = plan([action("c", ["a", "b"]), action("a"), action("b", ["a"])]);
    const r = await runPlan(p, { gate }, opts());
    expect(r.ok).toBe(true);
    expect(order).toEqual(["a", "b", "c"]);
    expect(r.completed).toEqual(["a", "b", "c"]);
    expect(r.skipped).toEqual([]);
    expect(r.resumed).toEqual([]);
  });

  it("never starts an action before all its dependencies are done (diamond, fan-in)", async () => {
    const finished = new Set<string>();
    const p = plan([
      action("root"),
      ...Array.from({ length: 6 }, (_, i) => action(`mid-${i}`, ["root"])),
      action(
        "sink",
        Array.from({ length: 6 }, (_, i) => `mid-${i}`),
      ),
    ]);
    const deps = new Map(p.actions.map((a) => [a.id, a.dependsOn]));
    const gate: ActionHandler = async (a) => {
      for (const d of deps.get(a.id) ?? []) expect(finished.has(d)).toBe(true);
      await delay(Math.random() * 10);
      finished.add(a.id);
    };
    const r = await runPlan(p, { gate }, opts({ concurrency: 3 }));
    expect(r.ok).toBe(true);
    expect(r.completed.at(-1)).toBe("sink");
  });

  it("starts ready actions in plan order", async () => {
    const started: string[] = [];
    const gate: ActionHandler = async (a) => void started.push(a.id);
    await runPlan(plan(["z", "y", "x", "w"].map((id) => action(id))), { gate }, opts({ concurrency: 1 }));
    expect(started).toEqual(["z", "y", "x", "w"]);
  });
});

describe("runPlan: concurrency", () => {
  it("never runs more than the global limit at once", async () => {
    const m = inFlightMeter();
    const p = plan(Array.from({ length: 12 }, (_, i) => action(`a${i}`)));
    const r = await runPlan(p, { gate: m.handler }, opts({ concurrency: 3 }));
    expect(r.ok).toBe(true);
    expect(m.max()).toBe(3);
  });

  it("defaults to 4 at once", async () => {
    const m = inFlightMeter();
    await runPlan(plan(Array.from({ length: 10 }, (_, i) => action(`a${i}`))), { gate: m.handler }, opts());
    expect(m.max()).toBe(4);
  });

  it("honours per-group limits under a larger global limit", async () => {
    const m = inFlightMeter();
    const cp = { name: "cp", limit: 1 };
    const workers = { name: "workers", limit: 2 };
    const p = plan([
      ...Array.from({ length: 3 }, (_, i) => action(`cp${i}`, [], { group: cp })),
      ...Array.from({ length: 6 }, (_, i) => action(`w${i}`, [], { group: workers })),
    ]);
    const r = await runPlan(p, { gate: m.handler }, opts({ concurrency: 10 }));
    expect(r.ok).toBe(true);
    expect(m.groupMax("cp")).toBe(1);
    expect(m.groupMax("workers")).toBe(2);
    expect(m.max()).toBe(3);
  });

  it("a full group does not block other ready actions behind it", async () => {
    const started: string[] = [];
    const gate: ActionHandler = async (a) => {
      started.push(a.id);
      await delay(20);
    };
    const cp = { name: "cp", limit: 1 };
    const p = plan([action("cp1", [], { group: cp }), action("cp2", [], { group: cp }), action("w1")]);
    await runPlan(p, { gate }, opts({ concurrency: 4 }));
    expect(started.slice(0, 2)).toEqual(["cp1", "w1"]);
  });
});

describe("runPlan: timeouts", () => {
  it("aborts the handler's signal and fails with a clear timeout error", async () => {
    let seen: AbortSignal | undefined;
    const gate: ActionHandler = (_a, ctx) =>
      new Promise((_, reject) => {
        seen = ctx.signal;
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
      });
    const log = eventLog();
    const r = await runPlan(
      plan([action("slow", [], { timeoutMs: 30, title: "wait-etcd cp-1" })]),
      { gate },
      opts(log),
    );
    expect(r.ok).toBe(false);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(ActionTimeoutError);
    expect(r.failed).toEqual({ id: "slow", error: "wait-etcd cp-1: timed out after 30ms" });
    expect(log.events.some((e) => e.type === "action-failed" && e.error.includes("timed out"))).toBe(true);
  });

  it("fails on time even when the handler ignores its signal (after a short grace)", async () => {
    const gate: ActionHandler = () => delay(2_000);
    const t0 = Date.now();
    const r = await runPlan(
      plan([action("stuck", [], { timeoutMs: 20 })]),
      { gate },
      opts({ timeoutGraceMs: 30 }),
    );
    expect(r.failed?.error).toMatch(/timed out after 20ms/);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it("does not retry a timeout even when it looks transient", async () => {
    let calls = 0;
    const gate: ActionHandler = (_a, ctx) => {
      calls++;
      return new Promise((_, reject) =>
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)),
      );
    };
    await runPlan(plan([action("slow", [], { timeoutMs: 10 })]), { gate }, opts({ isTransient: () => true }));
    expect(calls).toBe(1);
  });
});

describe("runPlan: retries", () => {
  it("retries transient errors with growing, jittered backoff, then succeeds", async () => {
    let calls = 0;
    const attempts: number[] = [];
    const gate: ActionHandler = async (_a, ctx) => {
      attempts.push(ctx.attempt);
      if (++calls < 3) throw new TransientError("connection refused");
    };
    const slept: number[] = [];
    const log = eventLog();
    const r = await runPlan(
      plan([action("a")]),
      { gate },
      opts({
        ...log,
        retry: { attempts: 5, baseDelayMs: 100, maxDelayMs: 150 },
        random: () => 1,
        sleep: async (ms) => void slept.push(ms),
      }),
    );
    expect(r.ok).toBe(true);
    expect(attempts).toEqual([1, 2, 3]);
    expect(slept).toEqual([100, 150]); // 100 × 2^0, then 100 × 2^1 capped at 150
    const retries = log.events.filter((e) => e.type === "action-retry");
    expect(retries.map((e) => e.type === "action-retry" && e.attempt)).toEqual([2, 3]);
  });

  it("jitter keeps each delay within [½, 1] of the exponential ceiling", async () => {
    const slept: number[] = [];
    const gate: ActionHandler = async () => {
      throw Object.assign(new Error("reset"), { code: "ECONNRESET" });
    };
    await runPlan(
      plan([action("a")]),
      { gate },
      opts({
        retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 10_000 },
        random: () => 0,
        sleep: async (ms) => void slept.push(ms),
      }),
    );
    expect(slept).toEqual([50, 100, 200]);
  });

  it("does not retry a permanent error", async () => {
    let calls = 0;
    const gate: ActionHandler = async () => {
      calls++;
      throw new Error("config rejected: invalid machine.network");
    };
    const r = await runPlan(plan([action("a")]), { gate }, opts());
    expect(calls).toBe(1);
    expect(r.failed).toEqual({ id: "a", error: "config rejected: invalid machine.network" });
  });

  it("gives up after the configured attempts", async () => {
    let calls = 0;
    const gate: ActionHandler = async () => {
      calls++;
      throw new TransientError("unavailable");
    };
    const r = await runPlan(plan([action("a")]), { gate }, opts());
    expect(calls).toBe(3);
    expect(r.ok).toBe(false);
    const j = readJournal(t.journalPath);
    const fails = j.records.filter((x) => x.t === "failed");
    expect(fails.map((x) => x.t === "failed" && x.final)).toEqual([false, false, true]);
  });

  it("uses the caller's isTransient", async () => {
    let calls = 0;
    const gate: ActionHandler = async () => {
      if (++calls === 1) throw new Error("UNAVAILABLE: etcd leader changed");
    };
    const r = await runPlan(
      plan([action("a")]),
      { gate },
      opts({ isTransient: (e) => String(e).includes("UNAVAILABLE") }),
    );
    expect(r.ok).toBe(true);
    expect(calls).toBe(2);
  });
});

describe("runPlan: halt on failure", () => {
  it("starts nothing after the first failure, lets running actions finish, leaves the rest untouched", async () => {
    const started: string[] = [];
    const gate: ActionHandler = async (a) => {
      started.push(a.id);
      if (a.id === "w1") throw new Error("node w1 rolled back");
      await delay(40);
    };
    const log = eventLog();
    const p = plan(["w1", "w2", "w3", "w4", "w5"].map((id) => action(id)));
    const r = await runPlan(p, { gate }, opts({ concurrency: 2, ...log }));
    expect(started).toEqual(["w1", "w2"]);
    expect(r.ok).toBe(false);
    expect(r.failed).toEqual({ id: "w1", error: "node w1 rolled back" });
    expect(r.completed).toEqual(["w2"]); // was running: allowed to finish
    expect(r.skipped).toEqual(["w3", "w4", "w5"]);
    const halt = log.events.find((e) => e.type === "halt");
    expect(halt).toEqual({
      type: "halt",
      reason: "gate w1 failed; 3 actions not started, waiting for 1 running",
    });
    const haltAt = log.events.indexOf(halt!);
    const w2done = log.events.findIndex((e) => e.type === "action-done" && e.id === "w2");
    expect(w2done).toBeGreaterThan(haltAt);
    expect(log.events.at(-1)).toMatchObject({ type: "done", ok: false });
  });

  it("carries a typed error's hint to the result, so the user learns what to do", async () => {
    const gate: ActionHandler = async () => {
      throw new CairnError("etcd", "cannot reset w1: unreachable", {
        hint: "pass --force to remove it anyway",
      });
    };
    const r = await runPlan(plan([action("w1")]), { gate }, opts());
    expect(r.failed).toEqual({
      id: "w1",
      error: "cannot reset w1: unreachable",
      hint: "pass --force to remove it anyway",
    });
  });

  it("stops a retrying action at its next backoff instead of trying again", async () => {
    let retried = 0;
    const gate: ActionHandler = async (a) => {
      if (a.id === "bad") {
        await delay(5);
        throw new Error("permanent");
      }
      retried++;
      throw new TransientError("flaky");
    };
    const r = await runPlan(
      plan([action("flaky"), action("bad")]),
      { gate },
      opts({ retry: { attempts: 10, baseDelayMs: 1_000, maxDelayMs: 1_000 } }),
    );
    expect(retried).toBe(1);
    expect(r.failed?.id).toBe("bad");
    expect(r.skipped).toEqual(["flaky"]);
  });
});

describe("runPlan: Ctrl-C", () => {
  it("finishes the actions in flight, starts no new one, records, and resumes later", async () => {
    const ctl = new AbortController();
    const ran: string[] = [];
    let signalSeen: AbortSignal | undefined;
    const gate: ActionHandler = async (a, ctx) => {
      signalSeen = ctx.signal;
      if (a.id === "a2") ctl.abort();
      await delay(20);
      ran.push(a.id);
    };
    const p = plan(["a1", "a2", "a3", "a4"].map((id) => action(id)));
    const log = eventLog();
    const r = await runPlan(p, { gate }, opts({ concurrency: 2, signal: ctl.signal, ...log }));
    expect(r.interrupted).toBe(true);
    expect(r.ok).toBe(false);
    expect(ran.sort()).toEqual(["a1", "a2"]);
    expect(signalSeen?.aborted).toBe(false); // Ctrl-C never aborts a running handler
    expect(r.skipped).toEqual(["a3", "a4"]);
    expect(log.events.find((e) => e.type === "halt")).toMatchObject({
      reason: expect.stringMatching(/^interrupted/),
    });
    const j = readJournal(t.journalPath);
    expect(j.records.at(-1)).toMatchObject({ t: "end", ok: false, interrupted: true });

    ran.length = 0;
    const log2 = eventLog();
    const r2 = await runPlan(p, { gate }, opts({ concurrency: 2, ...log2 }));
    expect(r2.ok).toBe(true);
    expect(ran.sort()).toEqual(["a3", "a4"]);
    expect(r2.resumed.sort()).toEqual(["a1", "a2"]);
    expect(log2.events[0]).toEqual({ type: "plan", operation: "apply", actions: 4, resumed: 2 });
  });

  it("an already-aborted signal starts nothing", async () => {
    const ctl = new AbortController();
    ctl.abort();
    let calls = 0;
    const r = await runPlan(
      plan([action("a")]),
      { gate: async () => void calls++ },
      opts({ signal: ctl.signal }),
    );
    expect(calls).toBe(0);
    expect(r).toMatchObject({ ok: false, interrupted: true, skipped: ["a"] });
  });
});

describe("runPlan: refusals before anything runs", () => {
  const never: ActionHandler = async () => {
    throw new Error("must not run");
  };

  it("refuses a plan with blockers", async () => {
    const p = { ...plan([action("a")]), blockers: ["etcd member cp-2 is unhealthy"] };
    await expect(runPlan(p, { gate: never }, opts())).rejects.toThrow(/etcd member cp-2 is unhealthy/);
  });

  it.each([
    ["a dependency cycle", [action("a", ["b"]), action("b", ["a"])], /dependency cycle: a → b → a/],
    ["an unknown dependency", [action("a", ["ghost"])], /depends on unknown action "ghost"/],
    ["a duplicate id", [action("a"), action("a")], /duplicate action id "a"/],
    ["a zero group limit", [action("a", [], { group: { name: "g", limit: 0 } })], /limit must be a positive/],
  ])("refuses %s", async (_name, actions, message) => {
    const err = await runPlan(plan(actions), { gate: never }, opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CairnError);
    expect((err as Error).message).toMatch(message);
  });

  it("refuses a kind without a handler, and releases the lock", async () => {
    const err = await runPlan(plan([action("u", [], { kind: "upgrade" })]), { gate: never }, opts()).catch(
      (e) => e,
    );
    expect((err as Error).message).toMatch(/no handler for "upgrade"/);
    const r = await runPlan(plan([action("a")]), { gate: async () => undefined }, opts());
    expect(r.ok).toBe(true);
  });
});

describe("runPlan: events and context", () => {
  it("forwards progress and survives a throwing event consumer", async () => {
    const seen: string[] = [];
    const gate: ActionHandler = async (_a, ctx: ActionContext) => ctx.progress("waiting for quorum 2/3");
    const r = await runPlan(
      plan([action("a")]),
      { gate },
      opts({
        onEvent: (e) => {
          seen.push(e.type === "action-progress" ? e.message : e.type);
          throw new Error("display bug");
        },
      }),
    );
    expect(r.ok).toBe(true);
    expect(seen).toEqual(["plan", "action-start", "waiting for quorum 2/3", "action-done", "done"]);
  });

  it("carries a handler's outcome on its action-done event and in the result; a retry starts without one", async () => {
    const events: { type: string; outcome?: string; partial?: boolean }[] = [];
    let tries = 0;
    const handlers: Record<string, ActionHandler> = {
      gate: async (a, ctx) => {
        if (a.id === "skip") ctx.outcome("not reset: the node is unreachable", { partial: true });
        if (a.id === "flaky") {
          tries++;
          if (tries === 1) {
            ctx.outcome("half way");
            throw new TransientError("unavailable");
          }
        }
      },
    };
    const r = await runPlan(
      plan([action("skip"), action("flaky"), action("plain")]),
      handlers,
      opts({ onEvent: (e) => void events.push(e as (typeof events)[number]) }),
    );
    expect(r.ok).toBe(true);
    expect(r.outcomes).toEqual({ skip: { message: "not reset: the node is unreachable", partial: true } });
    const done = events.filter((e) => e.type === "action-done") as { id?: string; outcome?: string }[];
    expect(done.find((e) => e.id === "skip")).toMatchObject({
      outcome: "not reset: the node is unreachable",
      partial: true,
    });
    expect(done.find((e) => e.id === "flaky")).not.toHaveProperty("outcome");
    expect(done.find((e) => e.id === "plain")).not.toHaveProperty("outcome");
  });

  it("journals every step, fsynced line by line", async () => {
    await runPlan(plan([action("a"), action("b", ["a"])]), { gate: async () => undefined }, opts());
    const lines = readFileSync(t.journalPath, "utf8").trimEnd().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { t: string }).t)).toEqual([
      "run",
      "start",
      "done",
      "start",
      "done",
      "end",
    ]);
  });
});

describe("executePlan: an unwritable journal", () => {
  const base = {
    concurrency: 2,
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    isTransient: () => false,
    emit: () => undefined,
    now: Date.now,
    sleep: async () => undefined,
    random: () => 0.5,
    alreadyDone: new Set<string>(),
    notes: {},
  };
  const okRecorder = {
    start: () => undefined,
    done: () => undefined,
    failed: () => undefined,
    note: () => undefined,
  };
  const enospc = (): never => {
    throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  };

  it("does not run an action whose start cannot be recorded, and halts", async () => {
    let calls = 0;
    const r = await executePlan(
      plan([action("a"), action("b")]),
      { gate: async () => void calls++ },
      {
        ...base,
        recorder: { ...okRecorder, start: enospc },
      },
    );
    expect(calls).toBe(0);
    expect(r.ok).toBe(false);
    expect(String(r.journalError)).toMatch(/ENOSPC/);
    expect(r.skipped.sort()).toEqual(["a", "b"]);
  });

  it("a note that cannot be written throws into the handler before its side effect", async () => {
    let sideEffects = 0;
    const r = await executePlan(
      plan([action("boot", [], { kind: "bootstrap" })]),
      {
        bootstrap: async (_a, ctx) => {
          ctx.journal.note("sent", true);
          sideEffects++;
        },
      },
      { ...base, recorder: { ...okRecorder, note: enospc } },
    );
    expect(sideEffects).toBe(0);
    expect(r.ok).toBe(false);
    expect(r.failed?.error).toMatch(/ENOSPC/);
  });

  it("runPlan turns it into a CairnError naming the journal", async () => {
    // A directory where the journal should be: opening it for append fails.
    const { mkdirSync } = await import("node:fs");
    mkdirSync(t.journalPath);
    const err = await runPlan(plan([action("a")]), { gate: async () => undefined }, opts()).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CairnError);
    expect((err as Error).message).toContain(t.journalPath);
  });
});

describe("runPlan: a lock held by the caller", () => {
  it("is used as is and left held", async () => {
    const lock = acquireLock(t.lockPath, { operation: "apply" });
    try {
      const r = await runPlan(plan([action("a")]), { gate: async () => undefined }, opts({ heldLock: lock }));
      expect(r.ok).toBe(true);
      expect(existsSync(t.lockPath)).toBe(true);
      await expect(runPlan(plan([action("a")]), { gate: async () => undefined }, opts())).rejects.toThrow(
        LockedError,
      );
    } finally {
      lock.release();
    }
    expect(existsSync(t.lockPath)).toBe(false);
  });
});
