// `cairn image hetzner`: the Talos snapshot a Hetzner cluster boots from. Hetzner has no image upload, so the
// snapshot is made on a temporary server's rescue system; without --yes the recipe is printed, with --yes cairn runs it.
import type { Command } from "commander";
import type { Io } from "../output.js";
import type { ImageFlags } from "./image-run.js";

export function registerImage(program: Command, io: Io): void {
  const image = program
    .command("image")
    .description("Boot images the provider needs before machines can be made (Hetzner: a Talos snapshot)");
  image
    .command("hetzner")
    .description(
      "Make the Talos snapshot the spec's Hetzner servers boot: print the rescue-system recipe, or run it with --yes",
    )
    .option("-f, --file <file>", "the cluster spec", "cairn.yaml")
    .option(
      "-y, --yes",
      "run the recipe through the API (creates a temporary server and SSH key, then deletes them)",
    )
    .option("--location <location>", "where the temporary server runs (default: provider.location)")
    .option("--server-type <type>", "the temporary server's type (default: cx23 for x86, cax11 for arm)")
    .option("--output <format>", "text or json", "text")
    .addHelpText(
      "after",
      "\nOne snapshot per schematic, Talos version and architecture the spec's nodes need, labelled\n" +
        "os=talos, cairn.dev/talos-version, cairn.dev/schematic and cairn.dev/arch; `cairn plan` refuses to\n" +
        "create servers until it exists. The recipe: a throwaway SSH key, a small server in rescue mode that\n" +
        "writes Image Factory's hcloud-<arch>.raw.xz to its disk and powers off, a snapshot of that disk, then the\n" +
        "server and key deleted. An existing snapshot is reused; leftovers of an interrupted build are removed.\n" +
        "The rescue shell runs through `ssh` (CAIRN_SSH names another command with ssh's arguments).\n\n" +
        "Examples:\n  cairn image hetzner -f cairn.yaml            # print the recipe\n" +
        "  HCLOUD_TOKEN=… cairn image hetzner -f cairn.yaml --yes",
    )
    .action(async (opts: ImageFlags) => {
      const { runImageHetzner } = await import("./image-run.js");
      process.exitCode = await runImageHetzner(opts, io);
    });
}
