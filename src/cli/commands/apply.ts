// `cairn apply`: make the cluster match cairn.yaml — bootstrap, config changes, spec-driven upgrades, scaling.
import type { Command } from "commander";
import type { Io } from "../output.js";
import type { ApplyFlags } from "../apply-flags.js";
import { applyOptions } from "./plan.js";

export function registerApply(program: Command, io: Io): void {
  applyOptions(
    program
      .command("apply")
      .description(
        "Make the cluster match cairn.yaml: bootstrap, config changes, upgrades, scaling (asks first)",
      ),
  )
    .option("-y, --yes", "do not ask for confirmation (required when not on a terminal)")
    .addHelpText(
      "after",
      "\nThe plan runs through cairn's engine: one apply at a time per cluster (a lock), resumable after an\n" +
        "interruption (journal), progress on screen (NDJSON with --output json).\n\n" +
        "Examples:\n  cairn apply -f examples/homelab-proxmox-vlans.yaml --twin --yes\n" +
        "  cairn apply -f cairn.yaml\n  cairn apply -f cairn.yaml --yes --force   # remove a dead control plane\n" +
        "  cairn apply -f cairn.yaml --timeout 2m     # give up on any wait after 2 minutes",
    )
    .action(async (opts: ApplyFlags & { yes?: boolean }) => {
      const { runApplyCommand } = await import("./apply-run.js");
      process.exitCode = await runApplyCommand(opts, io);
    });
}
