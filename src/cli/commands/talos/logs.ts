// `cairn talos logs`: service logs (talosctl logs).
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { addApiFlags, type ApiFlags } from "./api-flags.js";

export function registerLogs(parent: Command, io: Io): void {
  addApiFlags(
    parent
      .command("logs")
      .argument("<service>", "service or container ID")
      .description("Print a service's logs")
      .option("-k, --kubernetes", "the ID is a Kubernetes container (CRI namespace)")
      .option("-f, --follow", "keep streaming new lines")
      .option("--tail <lines>", "only the last N lines (-1 = all)", "-1"),
  ).action(
    async (service: string, opts: ApiFlags & { kubernetes?: boolean; follow?: boolean; tail?: string }) => {
      const { runLogs } = await import("./api-run.js");
      await runLogs(service, opts, io);
    },
  );
}
