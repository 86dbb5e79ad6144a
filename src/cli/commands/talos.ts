// `cairn talos …`: talosctl-compatible commands. Each subcommand lives in commands/talos/ and registers itself
// there; the sixteen modules load only when the command line starts with `talos`, so every other command (and
// `cairn --version`) starts without them.
import type { Command } from "commander";
import type { Io } from "../output.js";

export async function registerTalos(program: Command, io: Io, argv: readonly string[]): Promise<void> {
  const talos = program
    .command("talos")
    .description("talosctl-compatible commands: generate configs, patch them, and talk to Talos nodes");
  if (argv.slice(2).find((a) => !a.startsWith("-")) !== "talos") return;
  const { talosSubcommands } = await import("./talos/index.js");
  for (const register of talosSubcommands) register(talos, io);
}
