// The page's view of a run, read from journals the real engine writes (runPlan with small handlers): the fold
// agrees with the engine's own result and with readJournal; the tail follows appends, torn lines, rotation and a
// deleted journal.
import { appendFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { readJournal } from "../../src/engine/journal.js";
import { runPlan, TransientError } from "../../src/engine/run.js";
import type { ActionHandlers } from "../../src/engine/types.js";
import { foldProgress, JournalTail, stepTitle } from "../../src/ui/journal-tail.js";
import { action, plan, tempDir, type TempDir } from "../engine/helpers.js";

const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
let t: TempDir;
afterEach(() => t?.cleanup());

describe("foldProgress over journals the engine wrote", () => {
  it("a finished run: every step done, in start order, titled from the plan", async () => {
    t = tempDir();
    const p = plan(
      [
        action("upgrade:cp-1"),
        action("gate:etcd-after:cp-1", ["upgrade:cp-1"]),
        action("health-gate", ["gate:etcd-after:cp-1"]),
      ],
      "upgrade talos",
    );
    const result = await runPlan(
      p,
      { gate: async () => undefined },
      { journalPath: t.journalPath, lockPath: t.lockPath },
    );
    expect(result.ok).toBe(true);
    const { records, runs } = readJournal(t.journalPath);
    const titles = new Map(p.actions.map((a) => [a.id, a.title]));
    const progress = foldProgress(records, { titles, nodes: new Set(["cp-1"]), alive: () => true })!;
    expect(progress.operation).toBe("upgrade talos");
    expect(progress.state).toBe("succeeded");
    expect(progress.actions).toBe(3);
    expect(progress.done).toBe(runs[0]!.done.length);
    expect(progress.steps.map((s) => s.id)).toEqual(runs[0]!.started);
    expect(progress.steps.every((s) => s.state === "done" && typeof s.ms === "number")).toBe(true);
    expect(progress.steps.map((s) => s.title)).toEqual([
      "gate upgrade:cp-1",
      "gate gate:etcd-after:cp-1",
      "gate health-gate",
    ]);
    expect(progress.steps.map((s) => s.node)).toEqual(["cp-1", "cp-1", undefined]);
  });

  it("a failed run after retries: retrying, then failed with the engine's error; later steps never start", async () => {
    t = tempDir();
    let tries = 0;
    const handlers: ActionHandlers = {
      gate: async (a) => {
        if (a.id !== "b") return;
        tries++;
        throw new TransientError(`still down (${tries})`);
      },
    };
    const r = await runPlan(plan([action("a"), action("b", ["a"]), action("c", ["b"])]), handlers, {
      journalPath: t.journalPath,
      lockPath: t.lockPath,
      retry: fast,
    });
    expect(r.ok).toBe(false);
    const progress = foldProgress(readJournal(t.journalPath).records)!;
    expect(progress.state).toBe("failed");
    expect(progress.failed).toEqual({ id: "b", error: r.failed!.error });
    const b = progress.steps.find((s) => s.id === "b")!;
    expect(b.state).toBe("failed");
    expect(b.attempt).toBe(3);
    expect(progress.steps.map((s) => s.id)).toEqual(["a", "b"]);
    expect(stepTitle("gate:etcd-after:cp-2")).toBe("gate etcd-after cp-2");
  });

  it("only the last run counts; an open run whose process is gone is abandoned", async () => {
    t = tempDir();
    await runPlan(
      plan([action("x")]),
      { gate: async () => undefined },
      { journalPath: t.journalPath, lockPath: t.lockPath },
    );
    // A second run killed mid-way: its header and a start, never an end.
    appendFileSync(
      t.journalPath,
      [
        {
          t: "run",
          run: "r2",
          operation: "apply",
          fingerprint: "f",
          actions: 2,
          pid: 999_999_999,
          at: "2026-01-01T00:00:00Z",
        },
        { t: "start", run: "r2", id: "y", attempt: 1, at: "2026-01-01T00:00:01Z" },
      ]
        .map((r) => JSON.stringify(r) + "\n")
        .join(""),
    );
    const records = readJournal(t.journalPath).records;
    const alive = foldProgress(records, { alive: () => true })!;
    expect(alive.run).toBe("r2");
    expect(alive.state).toBe("running");
    expect(alive.steps.map((s) => [s.id, s.state])).toEqual([["y", "running"]]);
    expect(foldProgress(records, { alive: () => false })!.state).toBe("abandoned");
    expect(foldProgress([])).toBeUndefined();
  });
});

describe("JournalTail", () => {
  it("follows appends, waits for a torn line's newline, restarts on rotation and on deletion", () => {
    t = tempDir();
    let changes = 0;
    const tail = new JournalTail(t.journalPath, () => changes++);
    expect(tail.poll()).toBe(false); // no journal yet
    const rec = (o: object): string => JSON.stringify(o) + "\n";
    const head = { t: "run", run: "r1", operation: "apply", fingerprint: "f", actions: 1, pid: 1, at: "x" };
    writeFileSync(t.journalPath, rec(head));
    expect(tail.poll()).toBe(true);
    expect(tail.records).toHaveLength(1);
    // Half a record: nothing yet; the rest: one record.
    const start = rec({ t: "start", run: "r1", id: "a", attempt: 1, at: "y" });
    appendFileSync(t.journalPath, start.slice(0, 10));
    expect(tail.poll()).toBe(false);
    appendFileSync(t.journalPath, start.slice(10));
    expect(tail.poll()).toBe(true);
    expect(tail.records.map((r) => r.t)).toEqual(["run", "start"]);
    // A garbage line is skipped, not fatal.
    appendFileSync(t.journalPath, "{torn\n");
    tail.poll();
    expect(tail.records).toHaveLength(2);
    // A new run drops the old section.
    appendFileSync(t.journalPath, rec({ ...head, run: "r2" }));
    tail.poll();
    expect(tail.records.map((r) => r.run)).toEqual(["r2"]);
    // Rotation: the file is replaced by a shorter one.
    renameSync(t.journalPath, `${t.journalPath}.1`);
    writeFileSync(t.journalPath, rec({ ...head, run: "r3" }));
    expect(tail.poll()).toBe(true);
    expect(tail.records.map((r) => r.run)).toEqual(["r3"]);
    rmSync(t.journalPath);
    expect(tail.poll()).toBe(true);
    expect(tail.records).toEqual([]);
    expect(changes).toBe(5);
  });
});
