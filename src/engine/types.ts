// The contract between plan builders (src/ops) and the one engine (src/engine): a plan is a DAG of typed actions.
// Builders are pure: they read the model, the state and observations and return a Plan. Only the engine runs
// actions, through the adapters in the ActionContext, and records every step in the journal.

/**
 * What an action does, e.g. "apply-config", "twin-up". Kinds are not a closed list: each operation, provider and
 * add-on registers handlers for the kinds its plans use, and the engine refuses a plan with a kind nobody handles.
 */
export type ActionKind = string;

export interface Action {
  /** Stable and unique within a plan (e.g. "apply-config:talos-k8s-01"); the journal keys progress by it. */
  id: string;
  kind: ActionKind;
  /** Node name, when the action concerns one node. */
  node?: string;
  /** One line for humans: "upgrade talos-k8s-01 v1.11.5 → v1.12.11". */
  title: string;
  /** Action ids that must have succeeded first. */
  dependsOn: string[];
  /** Kind-specific parameters, JSON-serialisable (they are journalled). Secrets never go here. */
  params: Record<string, unknown>;
  /** Per-action timeout. */
  timeoutMs?: number;
  /** Extra detail for `cairn plan` (e.g. a redacted config diff, the apply mode). */
  detail?: string[];
  /**
   * Actions sharing a concurrency group run at most `limit` at a time (e.g. control planes: 1; a worker batch: N).
   */
  group?: { name: string; limit: number };
}

export interface Plan {
  /** What the plan is for ("apply", "upgrade talos", …). */
  operation: string;
  actions: Action[];
  /** Findings that stop the plan before it starts (pre-flight failures); non-empty means "refuse". */
  blockers: string[];
  warnings: string[];
}

export type EngineEvent =
  | { type: "plan"; operation: string; actions: number; resumed: number }
  | { type: "action-start"; id: string; title: string; attempt: number }
  | { type: "action-progress"; id: string; message: string }
  | { type: "action-retry"; id: string; attempt: number; error: string; delayMs: number }
  | {
      type: "action-done";
      id: string;
      title: string;
      ms: number;
      /** What the action actually did, when its title alone would overstate it (see ActionContext.outcome). */
      outcome?: string;
      /** The action succeeded but left part of its title undone (a dead node skipped, nothing reset). */
      partial?: boolean;
    }
  | { type: "action-failed"; id: string; title: string; error: string }
  | { type: "action-skipped"; id: string; reason: string; title?: string }
  | { type: "halt"; reason: string }
  | { type: "done"; ok: boolean; ms: number };

/** A non-fatal engine notice, e.g. a stale lock taken over. (Additive to the events above.) */
export type EngineWarningEvent = { type: "warning"; message: string };

/** Every event the engine emits; the display consumes these. */
export type AnyEngineEvent = EngineEvent | EngineWarningEvent;

/** What a handler gets besides its action: cancellation, progress, the attempt number and durable notes. */
export interface ActionContext {
  /** Aborted when the action's timeout expires; a handler should stop promptly (Ctrl-C does not abort it). */
  signal: AbortSignal;
  /** One line for the display ("waiting for etcd quorum: 2/3 members"). */
  progress(message: string): void;
  /**
   * What the action did, in one line, shown with its success instead of letting the title speak for it: a step
   * that skipped its work ("not reset: the node is unreachable") reports so, with `partial`, and the user reads
   * what was and was not done. The last call wins.
   */
  outcome(message: string, options?: { partial?: boolean }): void;
  /** 1 on the first try, 2 on the first retry, … (counted per process). */
  attempt: number;
  /**
   * True when an earlier, interrupted process of this same run started this action and never recorded it done:
   * its side effects may be half done, so observe before acting (journal notes say how far it got).
   */
  startedBefore?: boolean;
  /**
   * Facts recorded durably (fsynced) before a side effect completes, so a resumed run can tell ("bootstrap sent").
   * Scoped to this action within its run (including resumed runs of the same plan).
   */
  journal: { note(key: string, value: unknown): void; get(key: string): unknown };
}

export type ActionHandler = (action: Action, ctx: ActionContext) => Promise<void>;

export type ActionHandlers = Readonly<Record<ActionKind, ActionHandler>>;

export interface RetryPolicy {
  /** Total tries including the first (1 = no retry). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RunOptions {
  journalPath: string;
  lockPath: string;
  /**
   * A lock the caller already holds on `lockPath` (from acquireLock, taken early so a second apply is refused before
   * it plans); runPlan then neither acquires nor releases it. Handing it over leaves no window between the two.
   */
  heldLock?: { path: string };
  /** Actions running at once across the whole plan (default 4). */
  concurrency?: number;
  /** Retries apply only to errors `isTransient` accepts (default 3 attempts, 500 ms base, 10 s cap). */
  retry?: RetryPolicy;
  /** Default: an error with `transient: true`, or a Node network error (ECONNREFUSED, ECONNRESET, …). */
  isTransient?(e: unknown): boolean;
  onEvent?(e: AnyEngineEvent): void;
  /** Ctrl-C: finish the actions in flight, start no new one, record, return `interrupted`. */
  signal?: AbortSignal;
  now?(): number;
  sleep?(ms: number, signal: AbortSignal): Promise<void>;
  /** Jitter source in [0, 1) (tests make it deterministic). */
  random?(): number;
  /** After a timeout, how long to wait for the handler to honour its aborted signal before moving on (5 s). */
  timeoutGraceMs?: number;
}

export interface RunResult {
  /** True when every action of the plan is done (in this run or a resumed earlier one). */
  ok: boolean;
  /** Actions completed in this run, in completion order. */
  completed: string[];
  /** The failure that halted the run. */
  /** The first failure; `hint` is the failing typed error's advice, when it had one. */
  failed?: { id: string; error: string; hint?: string };
  /** Actions not run because the run halted or was interrupted (untouched, or stopped between retries). */
  skipped: string[];
  interrupted: boolean;
  /** Actions done in an earlier, interrupted run of the same plan, not run again. */
  resumed: string[];
  /** The outcomes handlers reported (ActionContext.outcome), by action id. */
  outcomes?: Record<string, { message: string; partial: boolean }>;
}
