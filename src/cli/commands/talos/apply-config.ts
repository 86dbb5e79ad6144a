// `cairn talos apply-config`: apply a machine config (maintenance mode with --insecure) (talosctl apply-config).
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { addApiFlags, type ApiFlags } from "./api-flags.js";

export function registerApplyConfig(parent: Command, io: Io): void {
  addApiFlags(
    parent
      .command("apply-config")
      .description("Apply a machine config to nodes")
      .requiredOption("-f, --file <config>", "the machine config to apply")
      .option("-m, --mode <mode>", "auto, no-reboot, reboot, staged or try", "auto")
      .option("--dry-run", "check how the config would be applied without applying it"),
    { insecure: true },
  )
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  cairn talos apply-config --insecure -n 10.0.0.2 --file controlplane.yaml\n" +
        "  cairn talos apply-config -n 10.0.0.2 --file controlplane.yaml --mode no-reboot --dry-run",
    )
    .action(async (opts: ApiFlags & { file: string; mode: string; dryRun?: boolean }) => {
      const { runApplyConfig } = await import("./api-run.js");
      await runApplyConfig(opts, io);
    });
}
