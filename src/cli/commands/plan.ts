// `cairn plan`: what `cairn apply` would change, per node and per action, with redacted config diffs.
import type { Command } from "commander";
import type { Io } from "../output.js";
import { clusterOptions } from "../cluster.js";
import type { ApplyFlags } from "../apply-flags.js";

/** plan and apply: the cluster flags, --force, the downgrade flags and --timeout. */
export function applyOptions(c: Command): Command {
  return clusterOptions(c)
    .option(
      "--force",
      "allow removals that lower etcd's fault tolerance, and remove dead nodes (etcd member removed by ID); a blocked drain does not stop a removal",
    )
    .option(
      "--drain-timeout <duration>",
      "how long a drain may stay blocked (PodDisruptionBudgets) before it stops the removal or upgrade (default 5m)",
    )
    .option(
      "--allow-talos-downgrade",
      "let a talos.version older than what the nodes run move them back (refused otherwise)",
    )
    .option(
      "--allow-kubernetes-downgrade",
      "let a kubernetes.version older than what the nodes run move them back (refused otherwise)",
    )
    .option(
      "--timeout <duration>",
      "how long each wait may take: a node answering or booting, etcd, the API server, the health gate (default 2–15m per step)",
    );
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
        "  cairn plan -f cairn.yaml --output json | jq '.actions[].title'\n" +
        "\nA plan never moves Talos or Kubernetes backwards: when cairn.yaml names an older release than the nodes\n" +
        "run, it refuses and names the spec change to make (or pass --allow-talos-downgrade / --allow-kubernetes-downgrade).",
    )
    .action(async (opts: ApplyFlags) => {
      const { runPlanCommand } = await import("./plan-run.js");
      process.exitCode = await runPlanCommand(opts, io);
    });
}
