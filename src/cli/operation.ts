// The one way the CLI runs a changing operation (apply, upgrade talos|kubernetes, etcd restore): lock the cluster
// → open it (reading only) → observe and plan → show the plan → refuse on blockers → confirm → run it through the
// engine with the progress display, Ctrl-C as a safe stop → exit code. Nothing is written before the lock is held.
import { createInterface } from "node:readline/promises";
import type { Lock } from "../engine/lock.js";
import type { Plan, RunResult } from "../engine/types.js";
import { CairnError, UserError } from "../errors.js";
import type { ClusterAccess } from "../ops/access.js";
import type { PreparedOperation } from "../ops/operation.js";
import { loadFromFlags, openFromFlags, type ClusterFlags } from "./cluster.js";
import { parseOutputFormat, type Io } from "./output.js";

export interface OperationCommand<P extends PreparedOperation> {
  /** The lock holder's name and the engine's operation ("apply", "upgrade talos"). */
  operation: string;
  flags: ClusterFlags & { yes?: boolean; dryRun?: boolean };
  /** Asked on a terminal without --yes ("Apply these changes?"). */
  question: string;
  /** Observe and plan (reads only). */
  prepare(access: ClusterAccess): Promise<P>;
  /** The plan as text. */
  show(prepared: P, access: ClusterAccess): string;
  /** Throws the operation's typed error when the plan has blockers (after it was shown). */
  refuse(prepared: P): void;
  /** Said when the plan has nothing to do. */
  nothingToDo(prepared: P, access: ClusterAccess): string;
  /** The dry run's output (`--dry-run`), when the operation has one. */
  dryRun?(prepared: P, access: ClusterAccess, format: "text" | "json"): string;
  /** The typed error for a failed run. */
  failed(result: RunResult, prepared: P, access: ClusterAccess): CairnError;
  /** What to print after a successful (or failed) run. */
  report?(prepared: P, result: RunResult, access: ClusterAccess, format: "text" | "json"): string;
  /** Put the spec's artefacts on disk before running (default true). */
  writeArtefacts?: boolean;
  /** The flag that skips the confirmation, for messages (default --yes). */
  yesFlag?: string;
  /** A confirmation of the operation's own instead of y/N (destroy asks for the cluster's name). */
  confirm?(prepared: P, access: ClusterAccess): Promise<boolean>;
  /**
   * After a successful run, or when there was nothing to do, still under the lock (e.g. bring cairn.yaml up to a
   * version an `upgrade --to` moved the cluster to). `interactive`: cairn may ask on this terminal.
   */
  finish?(prepared: P, access: ClusterAccess, interactive: boolean): Promise<void>;
}

export async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export async function runOperation<P extends PreparedOperation>(
  io: Io,
  cmd: OperationCommand<P>,
): Promise<number> {
  const { flags } = cmd;
  const format = parseOutputFormat(flags.output);
  const interactive = io.isTTY && process.stdin.isTTY;
  if (!flags.yes && !flags.dryRun && !interactive)
    throw new UserError(
      `refusing to ${cmd.operation} without ${cmd.yesFlag ?? "--yes"}: not on a terminal, so cairn cannot ask`,
      {
        hint: `review the plan first (\`cairn plan\` or --dry-run), then run again with ${cmd.yesFlag ?? "--yes"}`,
      },
    );
  const loaded = await loadFromFlags(flags);
  // Held from before the cluster is opened until the run ends: a second run is refused before it reads anything.
  let lock: Lock | undefined;
  if (!flags.dryRun) {
    const { acquireLock } = await import("../engine/lock.js");
    lock = acquireLock(loaded.paths.lock, { operation: cmd.operation });
  }
  let access: ClusterAccess | undefined;
  try {
    access = await openFromFlags(flags, loaded);
    const prepared = await cmd.prepare(access);
    if (flags.dryRun) {
      io.out(cmd.dryRun?.(prepared, access, format) ?? cmd.show(prepared, access));
      return prepared.plan.blockers.length ? 1 : 0;
    }
    if (format === "text") {
      for (const n of access.notices) io.err(`note: ${n}\n`);
      io.out(cmd.show(prepared, access));
    }
    cmd.refuse(prepared);
    if (prepared.plan.actions.length === 0) {
      if (format === "json") io.out(`${JSON.stringify({ type: "done", ok: true, actions: 0 })}\n`);
      else io.out(cmd.nothingToDo(prepared, access));
      await cmd.finish?.(prepared, access, interactive && !flags.yes);
      return 0;
    }
    const confirmed = cmd.confirm
      ? await cmd.confirm(prepared, access)
      : flags.yes || (await ask(cmd.question));
    if (!confirmed) {
      io.err("nothing was changed\n");
      return 1;
    }
    const result = await runWithDisplay(io, format, access, prepared, lock!, cmd.writeArtefacts !== false);
    if (cmd.report) io.out(cmd.report(prepared, result, access, format));
    if (result.interrupted)
      throw new CairnError(
        "interrupted",
        `${cmd.operation} interrupted; run the same command again to continue where it stopped`,
      );
    if (!result.ok) throw cmd.failed(result, prepared, access);
    await cmd.finish?.(prepared, access, interactive && !flags.yes);
    return 0;
  } finally {
    lock?.release();
    await access?.close();
  }
}

/** The engine run with the progress display and Ctrl-C wired to its safe stop. */
async function runWithDisplay(
  io: Io,
  format: "text" | "json",
  access: ClusterAccess,
  prepared: PreparedOperation,
  lock: Lock,
  writeArtefacts: boolean,
): Promise<RunResult> {
  const { createDisplay } = await import("./progress.js");
  const { executeOperation } = await import("../ops/operation.js");
  const display = createDisplay(io, { format, tty: io.isTTY, columns: process.stdout.columns ?? 100 });
  const abort = new AbortController();
  const onSigint = (): void => {
    io.err(
      "\ninterrupt: finishing the actions in flight, then stopping (Ctrl-C again to kill; run again to resume)\n",
    );
    abort.abort();
    process.off("SIGINT", onSigint);
  };
  process.on("SIGINT", onSigint);
  try {
    return await executeOperation(access, prepared, {
      lock,
      onEvent: display,
      signal: abort.signal,
      writeArtefacts,
      onNotice: (n) => io.err(`note: ${n}\n`),
    });
  } finally {
    display.stop();
    process.off("SIGINT", onSigint);
  }
}

/** The plan's own blockers as the typed refusal every operation uses. */
export function refusePlan(plan: Plan, what: string): void {
  if (plan.blockers.length > 0)
    throw new CairnError("plan-blocked", `cannot ${what}:\n  - ${plan.blockers.join("\n  - ")}`, {
      hint: "nothing was changed",
    });
}
