// `cairn talos kubeconfig`: admin kubeconfig from a control-plane node (talosctl kubeconfig).
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { addApiFlags, type ApiFlags } from "./api-flags.js";

export function registerKubeconfig(parent: Command, io: Io): void {
  addApiFlags(
    parent
      .command("kubeconfig")
      .argument("[file]", "where to write it (mode 0600; default ./kubeconfig; - for stdout)")
      .description("Download the admin kubeconfig from a control-plane node"),
  ).action(async (file: string | undefined, opts: ApiFlags) => {
    const { runKubeconfig } = await import("./api-run.js");
    await runKubeconfig(file, opts, io);
  });
}
