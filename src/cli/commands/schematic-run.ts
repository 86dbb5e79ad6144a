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

/** One block per distinct node schematic of a spec: which nodes use it, its ID and every URL. */
export async function runSpecSchematicUrls(
  specFile: string,
  opts: { talosVersion?: string; platform?: string; arch: string; secureboot: boolean; diskFormat?: string },
  io: Io,
): Promise<void> {
  const { requireModel } = await import("../../clusterspec/load.js");
  const { factorySchematic } = await import("../../render/machine-configs.js");
  const { schematicId } = await import("../../talos/schematic/schematic.js");
  const { model } = requireModel(specFile);
  const groups = new Map<string, { nodes: string[]; secureBoot: boolean }>();
  for (const n of model.nodes) {
    const id = schematicId(factorySchematic(n.schematic));
    const secureBoot = opts.secureboot || (n.schematic.secureBoot ?? false);
    const key = `${id}/${secureBoot}`;
    const g = groups.get(key) ?? { nodes: [], secureBoot };
    g.nodes.push(n.name);
    groups.set(key, g);
  }
  let first = true;
  for (const [key, g] of groups) {
    if (!first) io.out("\n");
    first = false;
    io.out(`nodes:      ${g.nodes.join(", ")}\n`);
    const format = opts.diskFormat ?? model.image.format;
    runSchematicUrlsForId(
      key.split("/")[0]!,
      {
        talosVersion: opts.talosVersion ?? model.talosVersion,
        platform: opts.platform ?? model.image.platform,
        arch: opts.arch,
        secureboot: g.secureBoot,
        ...(format !== "iso" ? { diskFormat: format } : {}),
        boot: format === "iso" ? "iso" : "disk-image",
      },
      io,
    );
  }
}

export function runSchematicUrls(
  file: string | undefined,
  opts: { talosVersion: string; platform: string; arch: string; secureboot: boolean; diskFormat?: string },
  io: Io,
): void {
  runSchematicUrlsForId(file === undefined ? EMPTY_SCHEMATIC_ID : readSchematicId(file), opts, io);
}

function runSchematicUrlsForId(
  schematicId: string,
  opts: {
    talosVersion: string;
    platform: string;
    arch: string;
    secureboot: boolean;
    diskFormat?: string;
    /** The medium the spec boots (talos.image.format): printed first as "boot". */
    boot?: "iso" | "disk-image";
  },
  io: Io,
): void {
  if (!ARCHES.includes(opts.arch as Arch))
    throw new UserError(`--arch must be one of ${ARCHES.join(", ")}, not ${JSON.stringify(opts.arch)}`);
  const urls = factoryUrls({
    schematicId,
    talosVersion: opts.talosVersion,
    platform: opts.platform,
    arch: opts.arch as Arch,
    secureBoot: opts.secureboot,
    ...(opts.diskFormat ? { diskFormat: opts.diskFormat } : {}),
  });
  const boot = opts.boot === "iso" ? urls.iso : opts.boot ? urls.diskImage : undefined;
  const rows: [string, string | undefined][] = [
    ["schematic", schematicId],
    ["boot", boot],
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
