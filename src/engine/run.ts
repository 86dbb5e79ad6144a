// The one entry point every change goes through: lock the cluster, open the journal, resume an interrupted run of
// the same plan or start a new section, execute the DAG, record the end, release the lock — whatever happens.
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { CairnError } from "../errors.js";
import {
  abortableSleep,
  DEFAULT_CONCURRENCY,
  DEFAULT_RETRY,
  defaultIsTransient,
  errorMessage,
  executePlan,
  validatePlan,
} from "./executor.js";
import {
  JournalWriter,
  planFingerprint,
  readJournal,
  resumableRun,
  rotateJournalIfLarge,
  type JournalRecord,
} from "./journal.js";
import { acquireLock } from "./lock.js";
import type { ActionHandlers, AnyEngineEvent, Plan, RunOptions, RunResult } from "./types.js";

export type { ActionHandlers, Plan, RunOptions, RunResult } from "./types.js";
export { ActionTimeoutError, TransientError } from "./executor.js";
export { readJournal, planFingerprint, resumableRun } from "./journal.js";
export { acquireLock, LockedError } from "./lock.js";

/**
 * Runs a plan to completion, a failure (halt: nothing new starts, running actions finish) or an interruption
 * (`options.signal`). Throws before touching anything when the plan has blockers, is malformed, or the cluster is
 * locked by another run (LockedError).
 */
export async function runPlan(plan: Plan, handlers: ActionHandlers, options: RunOptions): Promise<RunResult> {
  if (plan.blockers.length > 0) {
    throw new CairnError("plan-blocked", `cannot ${plan.operation}:\n  - ${plan.blockers.join("\n  - ")}`);
  }
  const now = options.now ?? Date.now;
  const emit = (e: AnyEngineEvent): void => {
    try {
      options.onEvent?.(e);
    } catch {
      // A display bug must never abort a run half-way.
    }
  };
  const t0 = now();
  if (options.heldLock && resolve(options.heldLock.path) !== resolve(options.lockPath))
    throw new Error(`runPlan: the held lock ${options.heldLock.path} is not ${options.lockPath}`);
  const lock = options.heldLock
    ? undefined
    : acquireLock(options.lockPath, { operation: plan.operation, now });
  try {
    if (lock?.warning) emit({ type: "warning", message: lock.warning });
    const fingerprint = planFingerprint(plan);
    const resume = resumableRun(readJournal(options.journalPath), plan);
    const alreadyDone = new Set(resume?.done ?? []);
    validatePlan(plan, handlers, alreadyDone);

    if (!resume) rotateJournalIfLarge(options.journalPath);
    const journal = new JournalWriter(options.journalPath);
    try {
      const run = resume?.run ?? `${new Date(t0).toISOString()}-${randomBytes(3).toString("hex")}`;
      const at = (): string => new Date(now()).toISOString();
      const rec = (r: JournalRecord): void => journal.append(r);
      if (resume) rec({ t: "resume", run, pid: process.pid, at: at() });
      else
        rec({
          t: "run",
          run,
          operation: plan.operation,
          fingerprint,
          actions: plan.actions.length,
          pid: process.pid,
          at: at(),
        });
      const resumed = plan.actions.filter((a) => alreadyDone.has(a.id));
      emit({
        type: "plan",
        operation: plan.operation,
        actions: plan.actions.length,
        resumed: resumed.length,
      });
      for (const a of resumed)
        emit({
          type: "action-skipped",
          id: a.id,
          title: a.title,
          reason: "done in an interrupted earlier run",
        });

      const result = await executePlan(plan, handlers, {
        concurrency: Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY)),
        retry: options.retry ?? DEFAULT_RETRY,
        isTransient: options.isTransient ?? defaultIsTransient,
        emit,
        signal: options.signal,
        now,
        sleep: options.sleep ?? abortableSleep,
        random: options.random ?? Math.random,
        timeoutGraceMs: options.timeoutGraceMs,
        alreadyDone,
        notes: resume?.notes ?? {},
        startedBefore: new Set((resume?.started ?? []).filter((id) => !alreadyDone.has(id))),
        recorder: {
          start: (id, attempt) => rec({ t: "start", run, id, attempt, at: at() }),
          done: (id, ms) => rec({ t: "done", run, id, ms, at: at() }),
          failed: (id, attempt, error, final) =>
            rec({ t: "failed", run, id, attempt, error, final, at: at() }),
          note: (id, key, value) => rec({ t: "note", run, id, key, value, at: at() }),
        },
      });
      const { journalError, ...runResult } = result;
      let endError: unknown;
      try {
        rec({ t: "end", run, ok: result.ok, interrupted: result.interrupted, at: at() });
      } catch (e) {
        endError = e;
      }
      emit({ type: "done", ok: result.ok, ms: now() - t0 });
      const writeError = journalError ?? endError;
      if (writeError !== undefined) {
        throw new CairnError(
          "journal",
          `cannot write the journal ${options.journalPath}: ${errorMessage(writeError)}`,
          {
            hint: "free disk space or fix the file's permissions, then run again: steps recorded done are not repeated",
            cause: writeError,
          },
        );
      }
      return runResult;
    } finally {
      journal.close();
    }
  } finally {
    lock?.release();
  }
}
