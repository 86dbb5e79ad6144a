// The effectful half of `cairn schematic`: read the schematic file and print.
import { readFileSync } from "node:fs";
import { UserError } from "../../errors.js";
import type { Io } from "../output.js";
import { EMPTY_SCHEMATIC_ID, schematicIdOfText } from "../../talos/schematic/schematic.js";
import { ARCHES, factoryUrls, type Arch } from "../../talos/schematic/urls.js";

function readSchematicId(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UserError(`cannot read schematic ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return schematicIdOfText(text);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${file}: ${e.message}`, { hint: e.hint });
    throw e;
  }
}

export function runSchematicId(file: string, io: Io): void {
  io.out(`${readSchematicId(file)}\n`);
}

export function runSchematicUrls(
  file: string | undefined,
  opts: { talosVersion: string; platform: string; arch: string; secureboot: boolean },
  io: Io,
): void {
  if (!ARCHES.includes(opts.arch as Arch))
    throw new UserError(`--arch must be one of ${ARCHES.join(", ")}, not ${JSON.stringify(opts.arch)}`);
  const schematicId = file === undefined ? EMPTY_SCHEMATIC_ID : readSchematicId(file);
  const urls = factoryUrls({
    schematicId,
    talosVersion: opts.talosVersion,
    platform: opts.platform,
    arch: opts.arch as Arch,
    secureBoot: opts.secureboot,
  });
  const rows: [string, string | undefined][] = [
    ["schematic", schematicId],
    ["installer", urls.installerImage],
    ["disk-image", urls.diskImage],
    ["iso", urls.iso],
    ["pxe", urls.pxe],
    ["kernel", urls.kernel],
    ["initramfs", urls.initramfs],
    ["uki", urls.uki],
  ];
  for (const [name, value] of rows) if (value !== undefined) io.out(`${`${name}:`.padEnd(12)}${value}\n`);
}
