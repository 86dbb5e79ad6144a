// The journal: an append-only NDJSON file, one fsynced record per line, so a run killed at any instant (even
// SIGKILL) leaves behind exactly what it had done. Runs are sections; a resumed run appends to its own section.
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeSync,
} from "node:fs";
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { CairnError } from "../errors.js";
import type { Plan } from "./types.js";

export type JournalRecord =
  | {
      t: "run";
      run: string;
      operation: string;
      fingerprint: string;
      actions: number;
      pid: number;
      at: string;
    }
  | { t: "resume"; run: string; pid: number; at: string }
  | { t: "start"; run: string; id: string; attempt: number; at: string }
  | { t: "done"; run: string; id: string; ms: number; at: string }
  | { t: "failed"; run: string; id: string; attempt: number; error: string; final: boolean; at: string }
  | { t: "note"; run: string; id: string; key: string; value: unknown; at: string }
  | { t: "end"; run: string; ok: boolean; interrupted: boolean; at: string };

/** One run section of the journal, folded from its records. */
export interface JournalRun {
  run: string;
  operation: string;
  fingerprint: string;
  startedAt: string;
  /** Ended with every action done. A crashed, interrupted or halted run is not finished. */
  finished: boolean;
  /** Still open: started or resumed and never ended (the process died). */
  open: boolean;
  /** Action ids recorded done, in order. */
  done: string[];
  /** Action ids recorded started (any attempt), in order of first start. */
  started: string[];
  /** Last final failure recorded, if any. */
  failed?: { id: string; error: string };
  /** Notes per action id. */
  notes: Record<string, Record<string, unknown>>;
}

export interface JournalContents {
  records: JournalRecord[];
  runs: JournalRun[];
  /** Lines that did not parse: a record torn by a kill mid-write. Tolerated, never fatal. */
  torn: number;
}

/** Reads and folds a journal; a missing file is an empty journal. */
export function readJournal(path: string): JournalContents {
  if (!existsSync(path)) return { records: [], runs: [], torn: 0 };
  const records: JournalRecord[] = [];
  let torn = 0;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new CairnError("journal", `cannot read the journal ${path}: ${(e as Error).message}`, { cause: e });
  }
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      torn++;
      continue;
    }
    if (isRecord(parsed)) records.push(parsed);
    else torn++;
  }
  return { records, runs: foldRuns(records), torn };
}

function isRecord(v: unknown): v is JournalRecord {
  if (typeof v !== "object" || v === null) return false;
  const r = v as { t?: unknown; run?: unknown };
  return typeof r.t === "string" && typeof r.run === "string";
}

function foldRuns(records: JournalRecord[]): JournalRun[] {
  const runs = new Map<string, JournalRun>();
  for (const r of records) {
    if (r.t === "run") {
      runs.set(r.run, {
        run: r.run,
        operation: r.operation,
        fingerprint: r.fingerprint,
        startedAt: r.at,
        finished: false,
        open: true,
        done: [],
        started: [],
        notes: {},
      });
      continue;
    }
    const run = runs.get(r.run);
    if (!run) continue; // a section whose header was lost cannot be resumed; ignore it
    switch (r.t) {
      case "resume":
        run.open = true;
        run.finished = false;
        break;
      case "done":
        if (!run.done.includes(r.id)) run.done.push(r.id);
        break;
      case "failed":
        if (r.final) run.failed = { id: r.id, error: r.error };
        break;
      case "note":
        (run.notes[r.id] ??= {})[r.key] = r.value;
        break;
      case "end":
        run.open = false;
        run.finished = r.ok;
        break;
      case "start":
        if (!run.started.includes(r.id)) run.started.push(r.id);
        break;
    }
  }
  // Order by first appearance: the Map keeps insertion order of the "run" headers.
  return [...runs.values()];
}

/**
 * The earlier run `plan` would resume: the journal's most recent section, if it has the same fingerprint and did
 * not finish. Only the most recent one: an older section may have been undone by the runs after it.
 */
export function resumableRun(journal: JournalContents, plan: Plan): JournalRun | undefined {
  const last = journal.runs.at(-1);
  return last && !last.finished && last.fingerprint === planFingerprint(plan) ? last : undefined;
}

/**
 * The plan's identity for resumption: a hash of the operation and each action's id, kind and parameters (sorted
 * by id), so the same plan built again after a crash resumes, and any change to it starts afresh.
 */
export function planFingerprint(plan: Plan): string {
  const actions = [...plan.actions]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((a) => [a.id, a.kind, a.params]);
  return createHash("sha256")
    .update(stableStringify({ operation: plan.operation, actions }))
    .digest("hex")
    .slice(0, 32);
}

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => stableStringify(x ?? null)).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableStringify(x)}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** Above this size a journal is rotated when a fresh run starts (never mid-run: only the last section matters). */
const JOURNAL_ROTATE_BYTES = 8 * 1024 * 1024;

/** Moves a large journal to `<path>.1` (replacing an older one); call only when no section will be resumed. */
export function rotateJournalIfLarge(path: string, maxBytes = JOURNAL_ROTATE_BYTES): boolean {
  try {
    if (statSync(path).size <= maxBytes) return false;
  } catch {
    return false;
  }
  renameSync(path, `${path}.1`);
  return true;
}

/**
 * A fault-injection point for resumption tests: with CAIRN_FAILPOINT_KILL_AFTER_RECORDS=N the process kills itself
 * (SIGKILL, as a crash would) right after its Nth journal record is durable — so a test can stop cairn exactly
 * between a record ("upgrade sent") and the effect it announces. Never set outside tests.
 */
const KILL_AFTER_RECORDS = Number(process.env.CAIRN_FAILPOINT_KILL_AFTER_RECORDS) || undefined;
let recordsWritten = 0;

/** Appends records, one write + fsync each. */
export class JournalWriter {
  private fd: number | undefined;
  readonly path: string;

  constructor(path: string) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    const created = !existsSync(path);
    try {
      this.fd = openSync(path, "a");
    } catch (e) {
      throw new CairnError("journal", `cannot open the journal ${path}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    // A torn last line (killed mid-write) has no newline; without one our first record would be glued onto it.
    if (!created && !endsWithNewline(path)) writeSync(this.fd, "\n");
    if (created) fsyncDir(dirname(path));
  }

  append(record: JournalRecord): void {
    if (this.fd === undefined) throw new Error(`journal ${this.path} is closed`);
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    fsyncSync(this.fd);
    if (KILL_AFTER_RECORDS !== undefined && ++recordsWritten === KILL_AFTER_RECORDS)
      process.kill(process.pid, "SIGKILL");
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

function endsWithNewline(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return true;
    const buf = Buffer.alloc(1);
    readSync(fd, buf, 0, 1, size - 1);
    return buf[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  // Makes the new file's directory entry durable; not supported everywhere, so best effort.
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* best effort */
  }
}
