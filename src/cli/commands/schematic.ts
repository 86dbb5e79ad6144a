// `cairn schematic`: Image Factory schematic IDs and the installer/boot asset URLs built from them.
import type { Command } from "commander";
import type { Io } from "../output.js";

export function registerSchematic(program: Command, io: Io): void {
  const schematic = program
    .command("schematic")
    .description("Image Factory schematics: compute IDs and installer/boot image URLs offline");

  schematic
    .command("id")
    .argument("<file>", "schematic YAML or JSON file")
    .description("Print the schematic ID (what POST https://factory.talos.dev/schematics would return)")
    .action(async (file: string) => {
      const { runSchematicId } = await import("./schematic-run.js");
      runSchematicId(file, io);
    });

  schematic
    .command("urls")
    .argument("[file]", "schematic YAML or JSON file (default: the empty schematic)")
    .description("Print the installer image and boot asset URLs for a schematic")
    .option("-f, --file <spec>", "print the URLs for every distinct node schematic of a cairn.yaml instead")
    .option("--talos-version <version>", "Talos version, e.g. v1.11.5 (default with -f: the spec's)")
    .option(
      "--platform <platform>",
      "Image Factory platform: metal, nocloud (Proxmox) or hcloud (Hetzner) (default with -f: the provider's)",
    )
    .option("--arch <arch>", "amd64 or arm64", "amd64")
    .option(
      "--disk-format <format>",
      "disk image: raw, raw.xz, raw.zst, raw.gz or qcow2 (default: the platform's; with -f: talos.image.format)",
    )
    .option("--secureboot", "SecureBoot (UKI) images and installer", false)
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  cairn schematic id schematic.yaml\n" +
        "  cairn schematic urls --talos-version v1.11.5 --platform nocloud schematic.yaml\n" +
        "  cairn schematic urls -f cairn.yaml\n" +
        "  cairn schematic urls --talos-version v1.12.0 --platform metal --arch arm64 --secureboot\n" +
        "  cairn schematic urls --talos-version v1.11.5 --platform metal --disk-format qcow2\n" +
        "\nWith -f, nodes are grouped by schematic: talos.image.networkMeta gives each node its own (META key 10).",
    )
    .action(
      async (
        file: string | undefined,
        opts: {
          file?: string;
          talosVersion?: string;
          platform?: string;
          arch: string;
          secureboot: boolean;
          diskFormat?: string;
        },
      ) => {
        const { runSchematicUrls, runSpecSchematicUrls } = await import("./schematic-run.js");
        if (opts.file) return runSpecSchematicUrls(opts.file, opts, io);
        const { UserError } = await import("../../errors.js");
        if (!opts.talosVersion || !opts.platform)
          throw new UserError("--talos-version and --platform are required without -f", {
            hint: "or pass -f cairn.yaml to take them from the spec",
          });
        runSchematicUrls(file, { ...opts, talosVersion: opts.talosVersion, platform: opts.platform }, io);
      },
    );
}
