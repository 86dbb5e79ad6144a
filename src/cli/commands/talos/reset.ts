// `cairn talos reset`: wipe nodes (talosctl reset).
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { addApiFlags, type ApiFlags } from "./api-flags.js";

export function registerReset(parent: Command, io: Io): void {
  addApiFlags(
    parent
      .command("reset")
      .description("Reset nodes: leave etcd, wipe disks, and stop or reboot")
      .option("--graceful <bool>", "cordon, drain and leave etcd first (true|false)", "true")
      .option("--reboot", "reboot after the reset instead of shutting down"),
  ).action(async (opts: ApiFlags & { graceful: string; reboot?: boolean }) => {
    const { runReset } = await import("./api-run.js");
    await runReset(opts, io);
  });
}
