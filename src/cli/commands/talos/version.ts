// `cairn talos version`: Talos version of each node (talosctl version).
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { addApiFlags, type ApiFlags } from "./api-flags.js";

export function registerVersion(parent: Command, io: Io): void {
  addApiFlags(parent.command("version").description("Print the Talos version of each node"), {
    output: true,
  }).action(async (opts: ApiFlags) => {
    const { runVersion } = await import("./api-run.js");
    await runVersion(opts, io);
  });
}
