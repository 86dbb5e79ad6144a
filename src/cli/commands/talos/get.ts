// `cairn talos get`: COSI resources (talosctl get).
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { addApiFlags, type ApiFlags } from "./api-flags.js";

export function registerGet(parent: Command, io: Io): void {
  addApiFlags(
    parent
      .command("get")
      .argument("<type>", "resource type or alias, e.g. members, machinestatus, services")
      .argument("[id]", "resource ID")
      .option("--namespace <ns>", "resource namespace (default: the type's)")
      .description("Read resources from a node"),
    { output: ["text", "json", "yaml"] },
  ).action(async (type: string, id: string | undefined, opts: ApiFlags & { namespace?: string }) => {
    const { runGet } = await import("./api-run.js");
    await runGet(type, id, opts, io);
  });
}
