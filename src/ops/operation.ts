// What every changing operation (apply, upgrade, etcd restore) hands the engine, and the one way it is run: under
// the cluster's lock, the artefacts written through the one writer, the operation's own records made only then,
// the plan executed, and the outcome recorded — the same path for the CLI and for in-process callers.
import type { Lock } from "../engine/lock.js";
import { acquireLock, runPlan } from "../engine/run.js";
import type { ActionHandlers, AnyEngineEvent, Plan, RunResult } from "../engine/types.js";
import type { ClusterAccess } from "./access.js";

export interface PreparedOperation {
  plan: Plan;
  handlers: ActionHandlers;
  /** Engine concurrency (a worker group needs room for its whole limit). */
  concurrency: number;
  /**
   * Under the lock, after the user confirmed, before the engine starts: records the operation needs for
   * resumption (an in-flight upgrade's target), a stale rehearsal forgotten. Returns notices for the user.
   */
  beforeRun?(): Promise<string[]> | string[];
  afterRun?(result: RunResult): void;
}

export interface ExecuteOptions {
  onEvent?: (e: AnyEngineEvent) => void;
  signal?: AbortSignal;
  /** The lock the caller took before planning; without one, it is taken (and released) here. */
  lock?: Lock;
  /** Put the spec's artefacts on disk first (apply, upgrade, restore); default true. */
  writeArtefacts?: boolean;
  onNotice?: (message: string) => void;
}

export async function executeOperation(
  access: ClusterAccess,
  op: PreparedOperation,
  options: ExecuteOptions = {},
): Promise<RunResult> {
  const lock = options.lock ?? acquireLock(access.paths.lock, { operation: op.plan.operation });
  try {
    access.holdLock(lock);
    if (options.writeArtefacts !== false) access.write(access.artefacts);
    for (const n of (await op.beforeRun?.()) ?? []) options.onNotice?.(n);
    const result = await runPlan(op.plan, op.handlers, {
      journalPath: access.paths.journal,
      lockPath: access.paths.lock,
      heldLock: { path: lock.path },
      concurrency: op.concurrency,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    op.afterRun?.(result);
    return result;
  } finally {
    if (!options.lock) lock.release();
  }
}
