// Reading talosconfig files from disk, with talosctl's lookup order: an explicit path, $TALOSCONFIG, ~/.talos/config.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { parseTalosconfig, type TalosconfigContext } from "./talosconfig.js";

export function defaultTalosconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.TALOSCONFIG || join(homedir(), ".talos", "config");
}

/** Loads a context (default: the file's current one) from a talosconfig file. */
export function loadTalosconfig(
  path: string = defaultTalosconfigPath(),
  context?: string,
): TalosconfigContext {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot read talosconfig ${path}: ${code === "ENOENT" ? "no such file" : (e as Error).message}`,
      {
        hint: "generate one with `cairn talosconfig --secrets secrets.yaml --cluster NAME`, or pass --talosconfig",
        cause: e,
      },
    );
  }
  return parseTalosconfig(text, context, path);
}
