// `cairn diff`: drift between the running nodes (version, machine config) and cairn.yaml; redacted.
import type { Command } from "commander";
import type { Io } from "../output.js";
import { clusterOptions, type ClusterFlags } from "../cluster.js";

export function registerDiff(program: Command, io: Io): void {
  clusterOptions(
    program
      .command("diff")
      .description("Compare each node's running Talos version and machine config with the spec (redacted)"),
  )
    .addHelpText(
      "after",
      "\nKeys, tokens and certificates are never printed: their values show as <redacted> (changed or not).\n\n" +
        "Exit codes: 0 no drift, 2 drift found, 1 error (a node could not be compared).\n\n" +
        "Examples:\n  cairn diff -f cairn.yaml\n  cairn diff -f cairn.yaml --twin --output json",
    )
    .action(async (opts: ClusterFlags) => {
      const { runDiffCommand } = await import("./diff-run.js");
      process.exitCode = await runDiffCommand(opts, io);
    });
}
