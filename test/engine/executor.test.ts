import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runPlan } from "../../src/engine/run.js";
import type { ActionHandler } from "../../src/engine/types.js";
import { action, delay, eventLog, plan, tempDir, type TempDir } from "./helpers.js";

let t: TempDir;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

describe("runPlan: DAG order", () => {
  it("runs dependencies first and reports every action completed", async () => {
    const order: string[] = [];
    const gate: ActionHandler = async (a) => {
      await delay(5);
      order.push(a.id);
    };
    const p = plan([action("c", ["a", "b"]), action("a"), action("b", ["a"])]);
    const r = await runPlan(p, { gate }, { journalPath: t.journalPath, lockPath: t.lockPath });
    expect(r.ok).toBe(true);
    expect(order).toEqual(["a", "b", "c"]);
    expect(r.completed).toEqual(["a", "b", "c"]);
    expect(r.skipped).toEqual([]);
  });
});
