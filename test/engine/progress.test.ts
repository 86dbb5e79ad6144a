import { describe, expect, it } from "vitest";
import { createDisplay } from "../../src/cli/progress.js";
import type { Io } from "../../src/cli/output.js";
import type { AnyEngineEvent } from "../../src/engine/types.js";

function sink(): Io & { text(): string } {
  let out = "";
  return { out: (s) => void (out += s), err: () => undefined, isTTY: false, text: () => out };
}

const at = new Date(2025, 0, 1, 12, 1, 3).getTime();
const events: AnyEngineEvent[] = [
  { type: "plan", operation: "apply", actions: 3, resumed: 1 },
  {
    type: "action-skipped",
    id: "a0",
    title: "apply-config talos-k8s-00",
    reason: "done in an interrupted earlier run",
  },
  { type: "action-start", id: "a1", title: "apply-config talos-k8s-01", attempt: 1 },
  { type: "action-progress", id: "a1", message: "waiting for secure mode" },
  { type: "action-done", id: "a1", title: "apply-config talos-k8s-01", ms: 2100 },
  { type: "action-start", id: "a2", title: "upgrade talos-k8s-02", attempt: 1 },
  { type: "action-retry", id: "a2", attempt: 2, error: "unavailable", delayMs: 500 },
  { type: "action-start", id: "a2", title: "upgrade talos-k8s-02", attempt: 2 },
  { type: "action-failed", id: "a2", title: "upgrade talos-k8s-02", error: "rolled back to v1.11.5" },
  { type: "halt", reason: "upgrade talos-k8s-02 failed" },
  { type: "done", ok: false, ms: 65_000 },
];

describe("progress display", () => {
  it("prints plain timestamped lines when not a terminal", () => {
    const io = sink();
    const show = createDisplay(io, { format: "text", tty: false, now: () => at });
    for (const e of events) show(e);
    expect(io.text()).toBe(
      [
        "[12:01:03] apply: 3 actions, 1 done in an earlier run (resuming)",
        "[12:01:03] - apply-config talos-k8s-00 (done in an interrupted earlier run)",
        "[12:01:03] → apply-config talos-k8s-01",
        "[12:01:03]   apply-config talos-k8s-01: waiting for secure mode",
        "[12:01:03] ✓ apply-config talos-k8s-01 (2.1s)",
        "[12:01:03] → upgrade talos-k8s-02",
        "[12:01:03] ↻ upgrade talos-k8s-02: unavailable; retrying in 500ms (attempt 2)",
        "[12:01:03] → upgrade talos-k8s-02 (attempt 2)",
        "[12:01:03] ✗ upgrade talos-k8s-02: rolled back to v1.11.5",
        "[12:01:03] ! halted: upgrade talos-k8s-02 failed",
        "[12:01:03] stopped after 1m05s",
        "",
      ].join("\n"),
    );
  });

  it("writes one JSON event per line with --output json", () => {
    const io = sink();
    const show = createDisplay(io, { format: "json", tty: true, now: () => at });
    for (const e of events) show(e);
    const lines = io.text().trimEnd().split("\n");
    expect(lines).toHaveLength(events.length);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[4]).toEqual({
      time: new Date(at).toISOString(),
      type: "action-done",
      id: "a1",
      title: "apply-config talos-k8s-01",
      ms: 2100,
    });
  });

  it("shows what an action did: an outcome after its title, a partial success marked and never as ✓", () => {
    const io = sink();
    const show = createDisplay(io, { format: "text", tty: false, now: () => at });
    show({
      type: "action-done",
      id: "r",
      title: "reset cp-3 gracefully",
      ms: 40,
      outcome: "not reset: cp-3 is unreachable (--force)",
      partial: true,
    });
    show({
      type: "action-done",
      id: "d",
      title: "release cp-3's twin slot",
      ms: 5,
      outcome: "its machine was not reset",
    });
    expect(io.text()).toBe(
      [
        "[12:01:03] ! reset cp-3 gracefully: not reset: cp-3 is unreachable (--force) (40ms)",
        "[12:01:03] ✓ release cp-3's twin slot: its machine was not reset (5ms)",
        "",
      ].join("\n"),
    );
  });

  it("on a terminal redraws the running tasks in place and stops its spinner when done", () => {
    const io = sink();
    let clock = at;
    const show = createDisplay(io, { format: "text", tty: true, now: () => clock, columns: 80 });
    show({ type: "action-start", id: "a", title: "wait-etcd cp-1", attempt: 1 });
    show({ type: "action-start", id: "b", title: "wait-etcd cp-2", attempt: 1 });
    clock += 1500;
    show({ type: "action-progress", id: "a", message: "2/3 members" });
    show({ type: "action-done", id: "a", title: "wait-etcd cp-1", ms: 1500 });
    show({ type: "action-done", id: "b", title: "wait-etcd cp-2", ms: 1500 });
    show({ type: "done", ok: true, ms: 1500 });
    const out = io.text();
    expect(out).toContain("wait-etcd cp-1 1.5s — 2/3 members");
    expect(out).toContain("\x1b[2A\r\x1b[J"); // erase the two live lines before redrawing
    expect(out).toContain("\x1b[32m✓\x1b[39m wait-etcd cp-1");
    // After the last redraw nothing is live any more: the final frame ends with the "done" line only.
    expect(out.endsWith("\x1b[32mdone in 1.5s\x1b[39m\n")).toBe(true);
    show.stop();
  });

  it("cuts live lines to the terminal width so the redraw counts lines right", () => {
    const io = sink();
    const show = createDisplay(io, { format: "text", tty: true, now: () => at, columns: 30 });
    show({ type: "action-start", id: "a", title: "x".repeat(100), attempt: 1 });
    show.stop();
    const line = io.text().split("\n")[0] ?? "";
    expect(line.length).toBeLessThanOrEqual(29);
    expect(line.endsWith("…")).toBe(true);
  });
});
