// `cairn talos bootstrap`: bootstrap etcd on the first control-plane node (talosctl bootstrap).
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { addApiFlags, type ApiFlags } from "./api-flags.js";

export function registerBootstrap(parent: Command, io: Io): void {
  addApiFlags(
    parent.command("bootstrap").description("Bootstrap the etcd cluster on one control-plane node"),
  ).action(async (opts: ApiFlags) => {
    const { runBootstrap } = await import("./api-run.js");
    await runBootstrap(opts, io);
  });
}
