// `cairn talos upgrade`: upgrade Talos on nodes (talosctl upgrade).
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { addApiFlags, type ApiFlags } from "./api-flags.js";

export function registerUpgrade(parent: Command, io: Io): void {
  addApiFlags(
    parent
      .command("upgrade")
      .description("Upgrade Talos on nodes (LifecycleService on 1.13+, the legacy call before)")
      .requiredOption("-i, --image <image>", "the installer image to upgrade to")
      .option("-s, --stage", "stage the upgrade to run after the next reboot (legacy API)")
      .option("-f, --force", "skip etcd health checks (legacy API; may lose data)"),
  ).action(async (opts: ApiFlags & { image: string; stage?: boolean; force?: boolean }) => {
    const { runUpgrade } = await import("./api-run.js");
    await runUpgrade(opts, io);
  });
}
