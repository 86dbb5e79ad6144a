// `cairn talos reboot`: reboot nodes (talosctl reboot).
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { addApiFlags, type ApiFlags } from "./api-flags.js";

export function registerReboot(parent: Command, io: Io): void {
  addApiFlags(
    parent
      .command("reboot")
      .description("Reboot nodes")
      .option("-m, --mode <mode>", "default, powercycle or force", "default"),
  ).action(async (opts: ApiFlags & { mode?: string }) => {
    const { runReboot } = await import("./api-run.js");
    await runReboot(opts, io);
  });
}
