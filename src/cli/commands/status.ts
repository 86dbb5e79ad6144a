// `cairn status`: one row per node — role, addresses, Talos and Kubernetes versions, stage, ready, etcd role.
import type { Command } from "commander";
import type { Io } from "../output.js";
import { clusterOptions, type ClusterFlags } from "../cluster.js";

export function registerStatus(program: Command, io: Io): void {
  clusterOptions(
    program
      .command("status")
      .description(
        "One row per node: role, addresses, Talos and Kubernetes versions, stage, ready, etcd role",
      ),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  cairn status -f cairn.yaml\n  cairn status -f cairn.yaml --twin --output json",
    )
    .action(async (opts: ClusterFlags) => {
      const { runStatusCommand } = await import("./health-run.js");
      process.exitCode = await runStatusCommand(opts, io);
    });
}
