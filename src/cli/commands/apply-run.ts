// `cairn apply` behind the command: refuse early if another apply holds the cluster, open it, plan, confirm,
// run the plan through the engine with the progress display, then say where things are.
import { createInterface } from "node:readline/promises";
import { CairnError, UserError } from "../../errors.js";
import type { Io } from "../output.js";
import type { ClusterFlags } from "./plan.js";
import { formatPlan, openFromFlags, outputFormat } from "./plan-run.js";

async function confirm(io: Io): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question("Apply these changes? [y/N] ");
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
  void io;
}

export async function runApplyCommand(opts: ClusterFlags & { yes?: boolean }, io: Io): Promise<number> {
  const format = outputFormat(opts.output);
  if (!opts.yes && !(io.isTTY && process.stdin.isTTY))
    throw new UserError("refusing to apply without --yes: not on a terminal, so cairn cannot ask", {
      hint: "review the changes with `cairn plan`, then run `cairn apply --yes`",
    });
  const { requireModel } = await import("../../clusterspec/load.js");
  const { clusterPaths } = await import("../../ops/access.js");
  const { acquireLock } = await import("../../engine/run.js");
  const { model } = requireModel(opts.file);
  const paths = clusterPaths(opts.file, model.name, opts.dir, opts.twin === true);
  // Held while the cluster is opened and planned, so a second apply is refused before it touches any file.
  const early = acquireLock(paths.lock, { operation: "apply" });
  const access = await openFromFlags(opts).catch((e: unknown) => {
    early.release();
    throw e;
  });
  try {
    const { buildApply } = await import("../../ops/apply-build.js");
    const built = await buildApply(access, { force: opts.force === true });
    const { plan } = built;
    if (format === "text") {
      for (const n of access.notices) io.err(`note: ${n}\n`);
      io.out(formatPlan(plan, access));
    }
    if (plan.blockers.length > 0)
      throw new CairnError("plan-blocked", `cannot apply:\n  - ${plan.blockers.join("\n  - ")}`, {
        hint: "nothing was changed",
      });
    if (plan.actions.length === 0) {
      if (format === "json") io.out(`${JSON.stringify({ type: "done", ok: true, actions: 0 })}\n`);
      return 0;
    }
    if (!opts.yes && !(await confirm(io))) {
      io.err("not applied\n");
      return 1;
    }
    const { runPlan } = await import("../../engine/run.js");
    const { createDisplay } = await import("../progress.js");
    const display = createDisplay(io, { format, tty: io.isTTY, columns: process.stdout.columns ?? 100 });
    const abort = new AbortController();
    const onSigint = (): void => {
      io.err("\ninterrupt: finishing the actions in flight, then stopping (Ctrl-C again to kill)\n");
      abort.abort();
      process.off("SIGINT", onSigint);
    };
    process.on("SIGINT", onSigint);
    built.beforeRun();
    let ok = false;
    try {
      const result = await runPlan(plan, built.handlers, {
        journalPath: access.paths.journal,
        lockPath: access.paths.lock,
        // The lock taken before planning stays held through the run: no window for a second apply.
        heldLock: { path: access.paths.lock },
        concurrency: built.concurrency,
        onEvent: display,
        signal: abort.signal,
      });
      ok = result.ok;
      if (result.interrupted)
        throw new CairnError("interrupted", "apply interrupted; run it again to continue where it stopped");
      if (!result.ok)
        throw new CairnError(
          "apply-failed",
          `apply failed at ${result.failed?.id}: ${result.failed?.error}`,
          {
            hint: `${result.failed?.hint ? `${result.failed.hint}; then ` : "fix the cause and "}run \`cairn apply\` again: finished steps are not repeated`,
          },
        );
    } finally {
      display.stop();
      process.off("SIGINT", onSigint);
      built.afterRun(ok);
    }
    if (format === "text") {
      io.out(`cluster ${model.name} matches the spec${access.twin ? " (SIMULATED on the twin)" : ""}\n`);
      io.out(`  talosconfig  ${access.paths.talosconfig}\n  kubeconfig   ${access.paths.kubeconfig}\n`);
      if (access.twin) io.out(`  twin         cairn twin status --state-dir ${access.paths.twinDir}\n`);
    }
    return 0;
  } finally {
    early.release();
    await access.close();
  }
}
