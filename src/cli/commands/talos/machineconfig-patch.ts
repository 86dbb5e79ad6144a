// The effectful half of `cairn talos machineconfig patch`: read the config and patch files, patch, write.
import { readFileSync } from "node:fs";
import { UserError } from "../../../errors.js";
import { SECRET_FILE_MODE, writeFileAtomic } from "../../../io/files.js";
import { parseYamlDocuments } from "../../../io/yaml.js";
import type { Io } from "../../output.js";
import { applyPatches, loadPatches, type ConfigDocument } from "../../../talos/patch/index.js";
import { encodeConfigDocuments } from "../../../talos/config/encode.js";
import { decodeConfigDocument } from "../../../talos/config/decode.js";
import { CONTRACTS, contractFor, DEFAULT_TALOS_VERSION } from "../../../talos/versions.js";

export interface MachineconfigPatchOptions {
  patch: string[];
  output?: string;
  talosVersion?: string;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new UserError(`cannot read ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Parses a machine config into one plain object per YAML document (null documents are skipped, as Talos does),
 * within the YAML limits; errors quote no source text, since a machine config holds keys.
 */
export function parseConfigDocuments(text: string, source: string): ConfigDocument[] {
  const docs: ConfigDocument[] = [];
  for (const parsed of parseYamlDocuments(text, source)) {
    const error = parsed.errors[0];
    if (error) throw new UserError(`${source}: invalid YAML: ${error.message}`);
    // Read through the Go config structs, as talosctl's config loader does: "1.0" under a string field stays "1.0".
    const value: unknown = decodeConfigDocument(parsed);
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value))
      throw new UserError(`${source}: expected a YAML mapping document`, {
        hint: "a machine config is one or more YAML mappings separated by ---",
      });
    docs.push(value as ConfigDocument);
  }
  if (docs.length === 0) throw new UserError(`${source}: config not found`);
  return docs;
}

export function runMachineconfigPatch(file: string, opts: MachineconfigPatchOptions, io: Io): void {
  const version = opts.talosVersion ?? DEFAULT_TALOS_VERSION;
  const contract = contractFor(version);
  if (!contract)
    throw new UserError(`unsupported Talos version ${version}`, {
      hint: `cairn supports Talos ${CONTRACTS[0]} to ${CONTRACTS.at(-1)}`,
    });
  const text = readText(file, "machine config");
  const patches = loadPatches(opts.patch, (p) => readFileSync(p, "utf8"));
  // Like talosctl, no patches means the input comes back byte for byte.
  const out =
    patches.length === 0
      ? text
      : encodeConfigDocuments(applyPatches(parseConfigDocuments(text, file), patches), contract);
  if (opts.output === undefined)
    io.out(`${out}\n`); // talosctl prints the config followed by a newline
  else writeFileAtomic(opts.output, out, { mode: SECRET_FILE_MODE }); // a machine config holds the node's keys
}
