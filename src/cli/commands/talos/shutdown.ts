// `cairn talos shutdown`: shut nodes down (talosctl shutdown).
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { addApiFlags, type ApiFlags } from "./api-flags.js";

export function registerShutdown(parent: Command, io: Io): void {
  addApiFlags(
    parent.command("shutdown").description("Shut nodes down").option("--force", "skip the graceful shutdown"),
  ).action(async (opts: ApiFlags & { force?: boolean }) => {
    const { runShutdown } = await import("./api-run.js");
    await runShutdown(opts, io);
  });
}
