// The progress of the latest engine run, read from the journal (`<dir>/journal.ndjson`) that `cairn apply` and
// `cairn upgrade` append to from their own process: the page and the terminal show the same records. The fold is
// pure; JournalTail follows the file by polling its size (cheap, and it works when the file does not exist yet, is
// deleted by a twin restart, or rotated), reading only the bytes appended since the last look.
import { closeSync, openSync, readSync, statSync } from "node:fs";
import type { JournalRecord } from "../engine/journal.js";

type StepState = "running" | "retrying" | "done" | "failed";

interface StepProgress {
  id: string;
  /** The action's title when the page knows the plan it came from, else its id in words. */
  title: string;
  /** The node the step concerns, when its id names one. */
  node?: string;
  state: StepState;
  attempt: number;
  startedAt: string;
  endedAt?: string;
  ms?: number;
  error?: string;
}

type RunState = "running" | "succeeded" | "failed" | "interrupted" | "abandoned";

export interface RunProgress {
  run: string;
  operation: string;
  /** Actions in the plan (including ones a resumed run had already done). */
  actions: number;
  startedAt: string;
  pid: number;
  state: RunState;
  endedAt?: string;
  /** Steps in the order they first started. */
  steps: StepProgress[];
  /** Actions recorded done. */
  done: number;
  failed?: { id: string; error: string };
  /** Records of this run section (so the fold is checked against what it read). */
  records: number;
}

export interface FoldContext {
  /** Known titles per action id (from plans the page built). */
  titles?: ReadonlyMap<string, string>;
  /** Node names of the spec, to tell which step concerns which node. */
  nodes?: ReadonlySet<string>;
  /** Is the run's process still alive? (An open run whose process is gone was killed.) */
  alive?: (pid: number) => boolean;
}

export function stepTitle(id: string, titles?: ReadonlyMap<string, string>): string {
  return titles?.get(id) ?? id.split(":").join(" ");
}

function stepNode(id: string, nodes?: ReadonlySet<string>): string | undefined {
  const last = id.split(":").at(-1);
  return last && nodes?.has(last) ? last : undefined;
}

/** The last run section of the records, folded for display; undefined when the journal has no run. */
export function foldProgress(
  records: readonly JournalRecord[],
  ctx: FoldContext = {},
): RunProgress | undefined {
  let start = -1;
  for (let i = records.length - 1; i >= 0; i--)
    if (records[i]!.t === "run") {
      start = i;
      break;
    }
  if (start < 0) return undefined;
  const head = records[start] as Extract<JournalRecord, { t: "run" }>;
  const progress: RunProgress = {
    run: head.run,
    operation: head.operation,
    actions: head.actions,
    startedAt: head.at,
    pid: head.pid,
    state: "running",
    steps: [],
    done: 0,
    records: 0,
  };
  const steps = new Map<string, StepProgress>();
  const done = new Set<string>();
  for (const r of records.slice(start)) {
    if (r.run !== head.run) continue;
    progress.records++;
    switch (r.t) {
      case "resume":
        progress.pid = r.pid;
        progress.state = "running";
        delete progress.endedAt;
        break;
      case "start": {
        const prev = steps.get(r.id);
        const step: StepProgress = {
          id: r.id,
          title: stepTitle(r.id, ctx.titles),
          state: "running",
          attempt: r.attempt,
          startedAt: prev?.startedAt ?? r.at,
        };
        const node = stepNode(r.id, ctx.nodes);
        if (node) step.node = node;
        steps.set(r.id, step);
        break;
      }
      case "done": {
        done.add(r.id);
        const s = steps.get(r.id);
        if (s) {
          s.state = "done";
          s.ms = r.ms;
          s.endedAt = r.at;
          delete s.error;
        }
        break;
      }
      case "failed": {
        const s = steps.get(r.id);
        if (s) {
          s.state = r.final ? "failed" : "retrying";
          s.error = r.error;
          if (r.final) s.endedAt = r.at;
        }
        if (r.final) progress.failed = { id: r.id, error: r.error };
        break;
      }
      case "end":
        progress.endedAt = r.at;
        progress.state = r.ok ? "succeeded" : r.interrupted ? "interrupted" : "failed";
        break;
      default:
        break;
    }
  }
  progress.steps = [...steps.values()];
  progress.done = done.size;
  if (progress.state === "running" && ctx.alive && !ctx.alive(progress.pid)) progress.state = "abandoned";
  return progress;
}

function isRecord(v: unknown): v is JournalRecord {
  if (typeof v !== "object" || v === null) return false;
  const r = v as { t?: unknown; run?: unknown };
  return typeof r.t === "string" && typeof r.run === "string";
}

/**
 * Follows a journal file. `records` holds the current (last) run section only, so memory stays bounded however
 * long the journal grows; a torn last line (a writer killed mid-record) waits for its newline or is skipped.
 */
export class JournalTail {
  records: JournalRecord[] = [];
  private offset = 0;
  private ino = -1;
  private partial = "";
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly path: string,
    private readonly onChange: () => void,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.poll();
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads what was appended since the last poll; returns whether the records changed. */
  poll(): boolean {
    let size: number;
    let ino: number;
    try {
      const st = statSync(this.path);
      size = st.size;
      ino = st.ino;
    } catch {
      // No journal (yet, or deleted by a twin restart): nothing ran.
      if (this.offset === 0 && this.records.length === 0) return false;
      this.reset();
      this.onChange();
      return true;
    }
    let changed = false;
    if (ino !== this.ino || size < this.offset) {
      // Replaced or rotated: start over from the top of the new file.
      changed = this.records.length > 0;
      this.reset();
      this.ino = ino;
    }
    if (size > this.offset) {
      const fd = openSync(this.path, "r");
      let text: string;
      try {
        const buf = Buffer.alloc(size - this.offset);
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        this.offset += n;
        text = this.partial + buf.subarray(0, n).toString("utf8");
      } finally {
        closeSync(fd);
      }
      const lines = text.split("\n");
      this.partial = lines.pop() ?? "";
      for (const line of lines) {
        if (line.trim() === "") continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          continue; // a torn record from a killed writer
        }
        if (!isRecord(parsed)) continue;
        if (parsed.t === "run") this.records = [];
        this.records.push(parsed);
        changed = true;
      }
    }
    if (changed) this.onChange();
    return changed;
  }

  private reset(): void {
    this.records = [];
    this.offset = 0;
    this.partial = "";
    this.ino = -1;
  }
}
