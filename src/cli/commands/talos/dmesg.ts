// `cairn talos dmesg`: kernel log (talosctl dmesg).
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { addApiFlags, type ApiFlags } from "./api-flags.js";

export function registerDmesg(parent: Command, io: Io): void {
  addApiFlags(
    parent
      .command("dmesg")
      .description("Print the kernel log")
      .option("-f, --follow", "keep streaming new messages")
      .option("--tail", "only new messages"),
  ).action(async (opts: ApiFlags & { follow?: boolean; tail?: boolean }) => {
    const { runDmesg } = await import("./api-run.js");
    await runDmesg(opts, io);
  });
}
