// `cairn talos services`: services and their health (talosctl services).
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { addApiFlags, type ApiFlags } from "./api-flags.js";

export function registerServices(parent: Command, io: Io): void {
  addApiFlags(
    parent.command("services").alias("service").description("List Talos services and their health"),
    {
      output: true,
    },
  ).action(async (opts: ApiFlags) => {
    const { runServices } = await import("./api-run.js");
    await runServices(opts, io);
  });
}
