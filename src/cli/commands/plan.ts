// `cairn plan`: what `cairn apply` would change, per node and per action, with redacted config diffs.
import type { Command } from "commander";
import type { Io } from "../output.js";
import { deprecatedAlias } from "../flags.js";

export interface ClusterFlags {
  file: string;
  twin?: boolean;
  dir?: string;
  output: string;
  force?: boolean;
  twinSubnet?: string;
  twinReboot?: string;
}

/** The flags plan and apply share. */
export function clusterOptions(c: Command): Command {
  deprecatedAlias(c, "-o <format>", { attribute: "output", spelling: "--output" });
  return c
    .option("-f, --file <file>", "the cluster spec", "cairn.yaml")
    .option("--twin", "rehearse on a local SIMULATED twin of the spec's machines (started when none runs)")
    .option("--dir <dir>", "the cluster's directory (default .cairn/<cluster> beside the spec)")
    .option("--output <format>", "text or json", "text")
    .option(
      "--force",
      "allow removals that lower etcd's fault tolerance, and remove dead nodes (etcd member removed by ID)",
    )
    .option("--twin-subnet <cidr>", "loopback /24 for a newly started twin (default: a free 127.0.x.0/24)")
    .option("--twin-reboot <duration>", "simulated reboot time of a newly started twin (default 1s)");
}

export function registerPlan(program: Command, io: Io): void {
  clusterOptions(
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
    .action(async (opts: ClusterFlags) => {
      const { runPlanCommand } = await import("./plan-run.js");
      process.exitCode = await runPlanCommand(opts, io);
    });
}
