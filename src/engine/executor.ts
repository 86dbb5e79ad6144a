// The executor: runs a plan's DAG with global and per-group concurrency limits, per-action timeouts and retries
// on transient errors. On the first failure or on Ctrl-C it starts nothing new and lets running actions finish,
// so every node it did not touch stays untouched. It records through a Recorder (the journal) and emits events;
// it owns no files itself.
import { CairnError, isCairnError } from "../errors.js";
import type {
  Action,
  ActionContext,
  ActionHandlers,
  AnyEngineEvent,
  Plan,
  RetryPolicy,
  RunResult,
} from "./types.js";

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 10_000 };
const DEFAULT_TIMEOUT_GRACE_MS = 5_000;

/** An action ran past its `timeoutMs`: its signal was aborted and it failed. Not transient by default. */
export class ActionTimeoutError extends CairnError {
  readonly actionId: string;
  readonly timeoutMs: number;
  constructor(action: Action, timeoutMs: number) {
    super("timeout", `${action.title}: timed out after ${formatMs(timeoutMs)}`);
    this.name = "ActionTimeoutError";
    this.actionId = action.id;
    this.timeoutMs = timeoutMs;
  }
}

/** Handlers may throw this (or any error with `transient: true`) to ask for a retry with backoff. */
export class TransientError extends Error {
  readonly transient = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransientError";
  }
}

const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "EAI_AGAIN",
]);

export function defaultIsTransient(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const x = e as { transient?: unknown; code?: unknown };
  return x.transient === true || (typeof x.code === "string" && TRANSIENT_CODES.has(x.code));
}

/** Where the executor records progress durably (the journal), before it tells anyone. */
export interface Recorder {
  start(id: string, attempt: number): void;
  done(id: string, ms: number): void;
  failed(id: string, attempt: number, error: string, final: boolean): void;
  note(id: string, key: string, value: unknown): void;
}

export interface ExecuteOptions {
  concurrency: number;
  retry: RetryPolicy;
  isTransient(e: unknown): boolean;
  emit(e: AnyEngineEvent): void;
  signal?: AbortSignal;
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  random(): number;
  timeoutGraceMs?: number;
  /** Done in an earlier run of the same plan: treated as done, never run. */
  alreadyDone: ReadonlySet<string>;
  /** Started, not done, by an earlier interrupted process of the same run: handlers observe before acting. */
  startedBefore?: ReadonlySet<string>;
  /** Notes recorded in earlier runs of the same plan, per action id. */
  notes: Record<string, Record<string, unknown>>;
  recorder: Recorder;
}

/** Refuses a malformed plan before anything runs: duplicate ids, unknown or cyclic dependencies, bad limits. */
export function validatePlan(
  plan: Plan,
  handlers: ActionHandlers,
  alreadyDone: ReadonlySet<string> = new Set(),
): void {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const a of plan.actions) {
    if (ids.has(a.id)) problems.push(`duplicate action id "${a.id}"`);
    ids.add(a.id);
  }
  for (const a of plan.actions) {
    for (const d of a.dependsOn) if (!ids.has(d)) problems.push(`"${a.id}" depends on unknown action "${d}"`);
    if (a.group && !(Number.isInteger(a.group.limit) && a.group.limit >= 1))
      problems.push(`"${a.id}": group "${a.group.name}" limit must be a positive integer`);
    if (a.timeoutMs !== undefined && !(a.timeoutMs > 0))
      problems.push(`"${a.id}": timeoutMs must be positive`);
    if (!alreadyDone.has(a.id) && !handlers[a.kind])
      problems.push(`no handler for "${a.kind}" (action "${a.id}")`);
  }
  const cycle = findCycle(plan.actions);
  if (cycle) problems.push(`dependency cycle: ${cycle.join(" → ")}`);
  if (problems.length > 0)
    throw new CairnError(
      "plan-invalid",
      `invalid plan for ${plan.operation}:\n  - ${problems.join("\n  - ")}`,
    );
}

function findCycle(actions: Action[]): string[] | undefined {
  const byId = new Map(actions.map((a) => [a.id, a]));
  const mark = new Map<string, 1 | 2>(); // 1: on the stack, 2: finished
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const m = mark.get(id);
    if (m === 2) return undefined;
    if (m === 1) return [...stack.slice(stack.indexOf(id)), id];
    mark.set(id, 1);
    stack.push(id);
    for (const d of byId.get(id)?.dependsOn ?? []) {
      if (!byId.has(d)) continue;
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    mark.set(id, 2);
    return undefined;
  };
  for (const a of actions) {
    const c = visit(a.id);
    if (c) return c;
  }
  return undefined;
}

type Outcome =
  { kind: "done" } | { kind: "failed"; error: string; hint?: string } | { kind: "abandoned"; reason: string };

/** The run's result, plus the journal write error that stopped it, if one did (runPlan turns it into an error). */
export type ExecuteResult = RunResult & { journalError?: unknown };

export function executePlan(
  plan: Plan,
  handlers: ActionHandlers,
  opts: ExecuteOptions,
): Promise<ExecuteResult> {
  const done = new Set<string>(plan.actions.filter((a) => opts.alreadyDone.has(a.id)).map((a) => a.id));
  const resumed = [...done];
  let pending = plan.actions.filter((a) => !done.has(a.id)); // plan order: builders put what goes first first
  const completed: string[] = [];
  const skipped: string[] = [];
  const inGroup = new Map<string, number>();
  const notes = new Map<string, Map<string, unknown>>();
  const outcomes: Record<string, { message: string; partial: boolean }> = {};
  for (const [id, n] of Object.entries(opts.notes)) notes.set(id, new Map(Object.entries(n)));
  let running = 0;
  let failed: { id: string; error: string; hint?: string } | undefined;
  let interrupted = false;
  // Aborted on halt or interrupt: cuts short backoff sleeps so nothing new starts. Never aborts a running handler.
  const stop = new AbortController();

  let journalError: unknown;

  return new Promise<ExecuteResult>((resolve) => {
    let settled = false;

    // A journal that cannot be written (disk full, removed) makes progress unrecordable: halt like a failure.
    const record = (write: () => void): boolean => {
      try {
        write();
        return true;
      } catch (e) {
        if (journalError === undefined) {
          journalError = e;
          halt(`cannot write the journal: ${errorMessage(e)}`);
        }
        return false;
      }
    };

    const halt = (reason: string): void => {
      if (stop.signal.aborted) return;
      stop.abort();
      opts.emit({ type: "halt", reason });
    };

    const onInterrupt = (): void => {
      if (stop.signal.aborted) return;
      interrupted = true;
      halt(
        running > 0
          ? `interrupted: finishing ${running} running action${running === 1 ? "" : "s"}, starting no new one`
          : "interrupted: starting no new action",
      );
      pump();
    };

    const finish = (): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener("abort", onInterrupt);
      for (const a of pending) {
        skipped.push(a.id);
        opts.emit({
          type: "action-skipped",
          id: a.id,
          title: a.title,
          reason: interrupted ? "interrupted" : "halted",
        });
      }
      const ok = !failed && done.size === plan.actions.length;
      const result: ExecuteResult = {
        ok: ok && journalError === undefined,
        completed,
        skipped,
        interrupted,
        resumed,
      };
      if (Object.keys(outcomes).length > 0) result.outcomes = outcomes;
      if (failed) result.failed = failed;
      if (journalError !== undefined) result.journalError = journalError;
      resolve(result);
    };

    const pump = (): void => {
      if (!stop.signal.aborted) {
        const next: Action[] = [];
        for (const a of pending) {
          if (running >= opts.concurrency) {
            next.push(a);
            continue;
          }
          const ready = a.dependsOn.every((d) => done.has(d));
          const groupFull = a.group !== undefined && (inGroup.get(a.group.name) ?? 0) >= a.group.limit;
          if (!ready || groupFull) {
            next.push(a);
            continue;
          }
          launch(a);
        }
        pending = next;
      }
      if (running === 0) {
        if (!stop.signal.aborted && pending.length > 0) {
          // Unreachable with a validated plan; a guard so a bug can never hang the CLI.
          halt(`no runnable action left; ${pending.length} blocked`);
        }
        finish();
      }
    };

    const launch = (a: Action): void => {
      running++;
      if (a.group) inGroup.set(a.group.name, (inGroup.get(a.group.name) ?? 0) + 1);
      void runAction(a)
        // Unreachable unless an engine bug throws: report it as the action's failure rather than hang the run.
        .catch((e: unknown): Outcome => ({ kind: "failed", error: `engine error: ${errorMessage(e)}` }))
        .then((outcome) => {
          running--;
          if (a.group) inGroup.set(a.group.name, (inGroup.get(a.group.name) ?? 1) - 1);
          if (outcome.kind === "done") {
            done.add(a.id);
            completed.push(a.id);
          } else if (outcome.kind === "failed") {
            if (!failed) {
              failed = { id: a.id, error: outcome.error, ...(outcome.hint ? { hint: outcome.hint } : {}) };
              const untouched = pending.length;
              const parts = [
                untouched > 0 ? `${untouched} action${untouched === 1 ? "" : "s"} not started` : "",
                running > 0 ? `waiting for ${running} running` : "",
              ].filter((x) => x !== "");
              halt(`${a.title} failed${parts.length > 0 ? `; ${parts.join(", ")}` : ""}`);
            }
          } else {
            skipped.push(a.id);
            opts.emit({
              type: "action-skipped",
              id: a.id,
              title: a.title,
              reason: outcome.reason,
            });
          }
          pump();
        });
    };

    const runAction = async (a: Action): Promise<Outcome> => {
      const handler = handlers[a.kind];
      for (let attempt = 1; ; attempt++) {
        const t0 = opts.now();
        let error: unknown;
        try {
          if (!handler) throw new Error(`no handler for "${a.kind}"`);
          // Journalled before anything happens; if that is impossible the action stays untouched.
          if (!record(() => opts.recorder.start(a.id, attempt)))
            return { kind: "abandoned", reason: "journal not writable" };
          opts.emit({ type: "action-start", id: a.id, title: a.title, attempt });
          delete outcomes[a.id];
          await runWithTimeout(a, handler, attempt);
          const ms = opts.now() - t0;
          record(() => opts.recorder.done(a.id, ms)); // if this fails the action did happen; the run halts
          const said = outcomes[a.id];
          opts.emit({
            type: "action-done",
            id: a.id,
            title: a.title,
            ms,
            ...(said ? { outcome: said.message, ...(said.partial ? { partial: true } : {}) } : {}),
          });
          return { kind: "done" };
        } catch (e) {
          error = e;
        }
        const message = errorMessage(error);
        const retryable =
          !(error instanceof ActionTimeoutError) && attempt < opts.retry.attempts && safeIsTransient(error);
        if (retryable && !stop.signal.aborted) {
          const delayMs = backoff(opts.retry, attempt, opts.random());
          record(() => opts.recorder.failed(a.id, attempt, message, false));
          opts.emit({ type: "action-retry", id: a.id, attempt: attempt + 1, error: message, delayMs });
          try {
            await opts.sleep(delayMs, stop.signal);
          } catch {
            /* aborted sleep */
          }
          if (stop.signal.aborted) return { kind: "abandoned", reason: "stopped before retrying" };
          continue;
        }
        record(() => opts.recorder.failed(a.id, attempt, message, true));
        opts.emit({ type: "action-failed", id: a.id, title: a.title, error: message });
        // A typed error's hint says what to do (e.g. "pass --force"); carry it to whoever reports the failure.
        const hint = isCairnError(error) ? error.hint : undefined;
        return { kind: "failed", error: message, ...(hint ? { hint } : {}) };
      }
    };

    const safeIsTransient = (e: unknown): boolean => {
      try {
        return opts.isTransient(e);
      } catch {
        return false;
      }
    };

    const runWithTimeout = async (
      a: Action,
      handler: NonNullable<ActionHandlers[keyof ActionHandlers]>,
      attempt: number,
    ): Promise<void> => {
      const ctl = new AbortController();
      const actionNotes = notes.get(a.id) ?? new Map<string, unknown>();
      notes.set(a.id, actionNotes);
      const ctx: ActionContext = {
        signal: ctl.signal,
        attempt,
        startedBefore: opts.startedBefore?.has(a.id) === true,
        progress: (message) => opts.emit({ type: "action-progress", id: a.id, message }),
        outcome: (message, o) => void (outcomes[a.id] = { message, partial: o?.partial === true }),
        journal: {
          note: (key, value) => {
            const v = value === undefined ? null : value;
            // Durable first: a handler notes "sent" before awaiting the side effect's answer. If the note cannot
            // be written the handler must not go on to the side effect: rethrow into it.
            if (!record(() => opts.recorder.note(a.id, key, v))) throw journalError;
            actionNotes.set(key, v);
          },
          get: (key) => actionNotes.get(key),
        },
      };
      const run = Promise.resolve().then(() => handler(a, ctx));
      if (a.timeoutMs === undefined) return run;
      const timeoutMs = a.timeoutMs;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ActionTimeoutError(a, timeoutMs)), timeoutMs);
      });
      try {
        await Promise.race([run, timeout]);
      } catch (e) {
        if (e instanceof ActionTimeoutError) {
          ctl.abort(e);
          // Give the handler a moment to honour the abort, so its side effects end before we report and move on.
          let grace: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([
            run.catch(() => undefined),
            new Promise<void>(
              (r) => (grace = setTimeout(r, opts.timeoutGraceMs ?? DEFAULT_TIMEOUT_GRACE_MS)),
            ),
          ]);
          clearTimeout(grace);
        }
        throw e;
      } finally {
        clearTimeout(timer);
      }
    };

    if (opts.signal?.aborted) {
      interrupted = true;
      stop.abort();
      opts.emit({ type: "halt", reason: "interrupted: starting no new action" });
    } else {
      opts.signal?.addEventListener("abort", onInterrupt, { once: true });
    }
    pump();
  });
}

/** Exponential backoff with jitter: the delay for retry n is in [½, 1] × min(max, base × 2^(n-1)). */
export function backoff(policy: RetryPolicy, attempt: number, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + 0.5 * Math.min(Math.max(random, 0), 1)));
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === "string" ? e : (JSON.stringify(e) ?? String(e));
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")}s`;
}

/** A sleep that ends early (resolving) when the signal aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
