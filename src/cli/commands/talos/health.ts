// `cairn talos health`: server-side cluster health check (talosctl health).
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { addApiFlags, type ApiFlags } from "./api-flags.js";

export function registerHealth(parent: Command, io: Io): void {
  addApiFlags(
    parent
      .command("health")
      .description("Run the cluster health check on a node")
      .option("--wait-timeout <duration>", "how long to wait for the cluster to be healthy", "20m"),
  ).action(async (opts: ApiFlags & { waitTimeout?: string }) => {
    const { runHealth } = await import("./api-run.js");
    await runHealth(opts, io);
  });
}
