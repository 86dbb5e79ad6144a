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
  // talosctl's persistent flags may come before the verb: `cairn talos -n 10.8.16.20 version`.
  const { addConnectionFlags } = await import("./talos/api-flags.js");
  addConnectionFlags(talos);
  talos.addHelpText(
    "after",
    "\nConnection flags (--talosconfig, --context, -e/--endpoints, -n/--nodes) go before or after the command,\n" +
      "as with talosctl; TALOSCONFIG names the default talosconfig (else ~/.talos/config).\n" +
      "\nExamples:\n" +
      "  cairn talos -n 10.8.16.20 version\n" +
      "  cairn talos --talosconfig ./talosconfig -n 10.8.16.20 -e 10.8.16.20 etcd members\n" +
      "  cairn talos gen-config mycluster https://10.8.16.20:6443 --talos-version v1.14",
  );

  const { talosSubcommands } = await import("./talos/index.js");
  for (const register of talosSubcommands) register(talos, io);
}
