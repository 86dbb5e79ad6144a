// `cairn plan`: what `cairn apply` would change, per node and per action, with redacted config diffs.
import type { Command } from "commander";
import type { Io } from "../output.js";
import { clusterOptions, type ClusterFlags } from "../cluster.js";

/** plan and apply: the cluster flags and --force. */
export function applyOptions(c: Command): Command {
  return clusterOptions(c)
    .option(
      "--force",
      "allow removals that lower etcd's fault tolerance, and remove dead nodes (etcd member removed by ID); a blocked drain does not stop a removal",
    )
    .option(
      "--drain-timeout <duration>",
      "how long a drain may stay blocked (PodDisruptionBudgets) before it stops the removal or upgrade (default 5m)",
    );
}

/** The apply/plan options the planner takes from the flags. */
export async function applyPlanOptions(opts: {
  force?: boolean;
  drainTimeout?: string;
}): Promise<{ force: boolean; drainTimeoutMs?: number }> {
  const { parseDurationMs } = await import("../duration.js");
  return {
    force: opts.force === true,
    ...(opts.drainTimeout ? { drainTimeoutMs: parseDurationMs(opts.drainTimeout, "--drain-timeout") } : {}),
  };
}

export function registerPlan(program: Command, io: Io): void {
  applyOptions(
    program
      .command("plan")
      .description(
        "Show what `cairn apply` would change: per node and per action, with redacted config diffs",
      ),
  )
    .addHelpText(
      "after",
      "\nExit codes: 0 nothing pending, 2 changes pending, 1 error (or a refused change).\n\n" +
        "Examples:\n  cairn plan -f cairn.yaml\n  cairn plan -f examples/homelab-proxmox-vlans.yaml --twin\n" +
        "  cairn plan -f cairn.yaml --output json | jq '.actions[].title'",
    )
    .action(async (opts: ClusterFlags & { force?: boolean; drainTimeout?: string }) => {
      const { runPlanCommand } = await import("./plan-run.js");
      process.exitCode = await runPlanCommand(opts, io);
    });
}
