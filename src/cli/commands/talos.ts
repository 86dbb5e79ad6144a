// `cairn talos …`: talosctl-compatible commands. Each subcommand lives in commands/talos/ and registers itself here.
import type { Command } from "commander";
import type { Io } from "../output.js";
import { talosSubcommands } from "./talos/index.js";

export function registerTalos(program: Command, io: Io): void {
  const talos = program
    .command("talos")
    .description("talosctl-compatible commands: generate configs, patch them, and talk to Talos nodes");
  for (const register of talosSubcommands) register(talos, io);
}
