// `cairn talos machineconfig patch`: talosctl's `machineconfig patch`, applying strategic merge and JSON patches.
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { collect } from "../../flags.js";

export function registerMachineconfig(parent: Command, io: Io): void {
  const mc = parent.command("machineconfig").alias("mc").description("Machine config related commands");
  mc.command("patch")
    .argument("<machineconfig-file>", "the machine config to patch")
    .description("Patch a machine config")
    .option(
      "-p, --patch <patch>",
      "patch to apply (strategic merge or JSON patch), inline or @file; repeat to apply several in order",
      collect,
      [] as string[],
    )
    .option("-o, --output <file>", "output destination; if not specified, output is printed to stdout")
    .option(
      "--talos-version <version>",
      "Talos version whose config contract the output is encoded for (default: cairn's default Talos version)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  cairn talos machineconfig patch controlplane.yaml --patch @patch.yaml -o patched.yaml\n" +
        `  cairn talos mc patch worker.yaml -p '[{"op": "add", "path": "/machine/certSANs/-", "value": "10.0.0.1"}]'`,
    )
    .action(async (file: string, opts: { patch: string[]; output?: string; talosVersion?: string }) => {
      const { runMachineconfigPatch } = await import("./machineconfig-patch.js");
      runMachineconfigPatch(file, opts, io);
    });
}
