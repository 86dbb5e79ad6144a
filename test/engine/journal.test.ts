import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rotateJournalIfLarge } from "../../src/engine/journal.js";
import { planFingerprint, readJournal, resumableRun, runPlan } from "../../src/engine/run.js";
import type { ActionHandler, RunOptions } from "../../src/engine/types.js";
import { action, eventLog, plan, tempDir, type TempDir } from "./helpers.js";

let t: TempDir;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

const opts = (extra: Partial<RunOptions> = {}): RunOptions => ({
  journalPath: t.journalPath,
  lockPath: t.lockPath,
  ...extra,
});

const fivePlan = () =>
  plan(["a", "b", "c", "d", "e"].map((id, i, all) => action(id, i === 0 ? [] : [all[i - 1]!])));

describe("journal: resume", () => {
  it("after a crash mid-run, done actions are not run again", async () => {
    const runs: string[] = [];
    const crashing: ActionHandler = async (a) => {
      if (a.id === "c") throw new Error("process killed"); // the crash, as seen from the journal
      runs.push(a.id);
    };
    const r1 = await runPlan(fivePlan(), { gate: crashing }, opts());
    expect(r1.ok).toBe(false);
    expect(runs).toEqual(["a", "b"]);

    runs.length = 0;
    const log = eventLog();
    const r2 = await runPlan(fivePlan(), { gate: async (a) => void runs.push(a.id) }, opts(log));
    expect(r2.ok).toBe(true);
    expect(runs).toEqual(["c", "d", "e"]);
    expect(r2.resumed).toEqual(["a", "b"]);
    expect(log.events[0]).toEqual({ type: "plan", operation: "apply", actions: 5, resumed: 2 });
    expect(
      log.events
        .filter((e) => e.type === "action-skipped")
        .map((e) => e.type === "action-skipped" && e.reason),
    ).toEqual(["done in an interrupted earlier run", "done in an interrupted earlier run"]);
  });

  it("resumes a run whose process died without an end record (and its resumption, too)", async () => {
    const p = fivePlan();
    const fp = planFingerprint(p);
    const at = new Date().toISOString();
    const lines = [
      { t: "run", run: "r1", operation: "apply", fingerprint: fp, actions: 5, pid: 1, at },
      { t: "start", run: "r1", id: "a", attempt: 1, at },
      { t: "done", run: "r1", id: "a", ms: 1, at },
      { t: "start", run: "r1", id: "b", attempt: 1, at },
      { t: "done", run: "r1", id: "b", ms: 1, at },
      { t: "resume", run: "r1", pid: 2, at },
      { t: "start", run: "r1", id: "c", attempt: 1, at },
      { t: "done", run: "r1", id: "c", ms: 1, at },
      { t: "start", run: "r1", id: "d", attempt: 1, at },
    ];
    writeFileSync(t.journalPath, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const runs: string[] = [];
    const r = await runPlan(p, { gate: async (a) => void runs.push(a.id) }, opts());
    expect(runs).toEqual(["d", "e"]);
    expect(r.resumed).toEqual(["a", "b", "c"]);
    const j = readJournal(t.journalPath);
    expect(j.runs).toHaveLength(1);
    expect(j.runs[0]).toMatchObject({
      run: "r1",
      finished: true,
      open: false,
      done: ["a", "b", "c", "d", "e"],
    });
  });

  it("a finished run is not resumed: the same plan again starts a fresh section", async () => {
    const runs: string[] = [];
    const gate: ActionHandler = async (a) => void runs.push(a.id);
    await runPlan(fivePlan(), { gate }, opts());
    await runPlan(fivePlan(), { gate }, opts());
    expect(runs).toEqual(["a", "b", "c", "d", "e", "a", "b", "c", "d", "e"]);
    expect(readJournal(t.journalPath).runs.map((r) => r.finished)).toEqual([true, true]);
  });

  it("a different plan starts fresh even when the last run did not finish", async () => {
    await runPlan(
      fivePlan(),
      {
        gate: async (a) => {
          if (a.id === "c") throw new Error("x");
        },
      },
      opts(),
    );
    const changed = fivePlan();
    changed.actions[0]!.params = { talosVersion: "v1.12.1" };
    expect(planFingerprint(changed)).not.toBe(planFingerprint(fivePlan()));
    const runs: string[] = [];
    const r = await runPlan(changed, { gate: async (a) => void runs.push(a.id) }, opts());
    expect(runs).toEqual(["a", "b", "c", "d", "e"]);
    expect(r.resumed).toEqual([]);
  });

  it("only the most recent section can be resumed", async () => {
    const fail =
      (id: string): ActionHandler =>
      async (a) => {
        if (a.id === id) throw new Error("x");
      };
    await runPlan(fivePlan(), { gate: fail("c") }, opts()); // unfinished, fingerprint F
    await runPlan(plan([action("other")]), { gate: async () => undefined }, opts()); // something else ran since
    const runs: string[] = [];
    await runPlan(fivePlan(), { gate: async (a) => void runs.push(a.id) }, opts());
    expect(runs).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("the fingerprint ignores action order and key order, not parameters", () => {
    const p1 = plan([action("a", [], { params: { x: 1, y: [1, 2] } }), action("b")]);
    const p2 = plan([action("b"), action("a", [], { params: { y: [1, 2], x: 1 } })]);
    const p3 = plan([action("b"), action("a", [], { params: { y: [2, 1], x: 1 } })]);
    expect(planFingerprint(p1)).toBe(planFingerprint(p2));
    expect(planFingerprint(p1)).not.toBe(planFingerprint(p3));
    expect(planFingerprint({ ...p1, operation: "upgrade talos" })).not.toBe(planFingerprint(p1));
  });
});

describe("journal: notes", () => {
  it("a note made before a crash is visible to the resumed attempt", async () => {
    let sends = 0;
    const boot =
      (crash: boolean): ActionHandler =>
      async (_a, ctx) => {
        if (ctx.journal.get("bootstrap-sent") === true) return; // a resumed run checks instead of sending again
        ctx.journal.note("bootstrap-sent", true);
        sends++;
        if (crash) throw new Error("killed after sending");
      };
    const p = plan([action("bootstrap", [], { kind: "bootstrap" })]);
    expect((await runPlan(p, { bootstrap: boot(true) }, opts())).ok).toBe(false);
    expect((await runPlan(p, { bootstrap: boot(false) }, opts())).ok).toBe(true);
    expect(sends).toBe(1);
    const note = readJournal(t.journalPath).records.find((r) => r.t === "note");
    expect(note).toMatchObject({ t: "note", id: "bootstrap", key: "bootstrap-sent", value: true });
  });

  it("notes are per action and visible to later attempts of the same run", async () => {
    const seen: unknown[] = [];
    let calls = 0;
    const gate: ActionHandler = async (a, ctx) => {
      seen.push(`${a.id}:${String(ctx.journal.get("k"))}`);
      ctx.journal.note("k", a.id);
      if (a.id === "a" && ++calls === 1) throw Object.assign(new Error("flaky"), { transient: true });
    };
    await runPlan(
      plan([action("a"), action("b", ["a"])]),
      { gate },
      opts({ retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }),
    );
    expect(seen).toEqual(["a:undefined", "a:a", "b:undefined"]);
  });
});

describe("journal: torn lines", () => {
  it("tolerates a torn last line and keeps later records parseable", async () => {
    const runs: string[] = [];
    await runPlan(
      fivePlan(),
      {
        gate: async (a) => {
          if (a.id === "d") throw new Error("x");
          runs.push(a.id);
        },
      },
      opts(),
    );
    // Drop the end record and leave half a record: the process was killed mid-write.
    const text = readFileSync(t.journalPath, "utf8").trimEnd().split("\n");
    writeFileSync(t.journalPath, text.slice(0, -1).join("\n") + "\n" + '{"t":"done","run":"x","id":"d","m');
    const j = readJournal(t.journalPath);
    expect(j.torn).toBe(1);
    expect(j.runs[0]?.open).toBe(true);

    runs.length = 0;
    const r = await runPlan(fivePlan(), { gate: async (a) => void runs.push(a.id) }, opts());
    expect(r.ok).toBe(true);
    expect(runs).toEqual(["d", "e"]);
    const after = readJournal(t.journalPath);
    expect(after.torn).toBe(1); // the torn fragment stays on its own line; nothing glued to it
    expect(after.runs[0]?.finished).toBe(true);
  });

  it("a missing journal is empty; blank lines and non-records are ignored", () => {
    expect(readJournal(`${t.dir}/none.ndjson`)).toEqual({ records: [], runs: [], torn: 0 });
    appendFileSync(t.journalPath, '\n\n[1,2]\n{"t":"start"}\n');
    expect(readJournal(t.journalPath)).toMatchObject({ records: [], torn: 2 });
  });
});

describe("resumableRun (for `cairn plan`)", () => {
  it("names the interrupted run the same plan would resume, and nothing otherwise", async () => {
    expect(resumableRun(readJournal(t.journalPath), fivePlan())).toBeUndefined();
    await runPlan(
      fivePlan(),
      {
        gate: async (a) => {
          if (a.id === "c") throw new Error("x");
        },
      },
      opts(),
    );
    const j = readJournal(t.journalPath);
    expect(resumableRun(j, fivePlan())).toMatchObject({
      operation: "apply",
      done: ["a", "b"],
      failed: { id: "c", error: "x" },
    });
    expect(resumableRun(j, plan([action("a")]))).toBeUndefined();
    await runPlan(fivePlan(), { gate: async () => undefined }, opts());
    expect(resumableRun(readJournal(t.journalPath), fivePlan())).toBeUndefined();
  });
});

describe("journal: startedBefore and rotation", () => {
  it("tells a handler its action was started by an interrupted process and never recorded done", async () => {
    const p = plan([action("a"), action("b", ["a"])]);
    const at = new Date().toISOString();
    const lines = [
      { t: "run", run: "r1", operation: "apply", fingerprint: planFingerprint(p), actions: 2, pid: 1, at },
      { t: "start", run: "r1", id: "a", attempt: 1, at },
      { t: "note", run: "r1", id: "a", key: "config-sent", value: "sha256:abc", at },
    ];
    writeFileSync(t.journalPath, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const seen: string[] = [];
    await runPlan(
      p,
      {
        gate: async (a, ctx) =>
          void seen.push(`${a.id}:${ctx.startedBefore}:${String(ctx.journal.get("config-sent"))}`),
      },
      opts(),
    );
    expect(seen).toEqual(["a:true:sha256:abc", "b:false:undefined"]);
  });

  it("rotates a large journal when a fresh run starts, never when resuming", async () => {
    writeFileSync(t.journalPath, "x".repeat(100) + "\n");
    expect(rotateJournalIfLarge(t.journalPath, 1_000)).toBe(false);
    expect(rotateJournalIfLarge(t.journalPath, 10)).toBe(true);
    expect(readFileSync(`${t.journalPath}.1`, "utf8")).toContain("xxx");
    expect(rotateJournalIfLarge(`${t.dir}/missing`, 10)).toBe(false);
  });
});
