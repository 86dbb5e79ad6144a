// The one writer for files: every artefact cairn puts on disk goes through here, so modes, atomicity and
// "never silently overwrite a secret" are decided in one place.
import {
  mkdirSync,
  renameSync,
  writeFileSync,
  openSync,
  fsyncSync,
  closeSync,
  existsSync,
  chmodSync,
  readFileSync,
  readdirSync,
  rmSync,
  unlinkSync,
} from "node:fs";
import { dirname, basename, join } from "node:path";
import { randomBytes } from "node:crypto";

export interface WriteOptions {
  /** File mode; secrets use 0o600. */
  mode?: number;
  /** Refuse to replace an existing file (used for secrets unless the user forces it). */
  noClobber?: boolean;
}

export class FileExistsError extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists`);
  }
}

/** Writes a file atomically: temp file in the same directory, fsync, rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteOptions = {}): void {
  const mode = options.mode ?? 0o644;
  if (options.noClobber && existsSync(path)) throw new FileExistsError(path);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode); // the umask must not widen or narrow what was asked for
  const fd = openSync(tmp, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export const SECRET_FILE_MODE = 0o600;

/**
 * Makes `dir` hold exactly `files` (paths relative to it): writes each whose bytes differ, atomically, and removes
 * files cairn wrote there before that are no longer part of the tree (and folders left empty). Only for folders
 * cairn owns entirely, such as <out>/gitops. Returns each file with whether it changed.
 */
export function writeTree(
  dir: string,
  files: readonly { path: string; content: string }[],
  options: WriteOptions = {},
): { path: string; changed: boolean }[] {
  const wanted = new Set(files.map((f) => join(dir, f.path)));
  const out: { path: string; changed: boolean }[] = [];
  for (const f of files) {
    const path = join(dir, f.path);
    const changed = !existsSync(path) || readFileSync(path, "utf8") !== f.content;
    if (changed) writeFileAtomic(path, f.content, options);
    out.push({ path, changed });
  }
  const prune = (d: string): boolean => {
    if (!existsSync(d)) return true;
    let empty = true;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (prune(p)) rmSync(p, { recursive: true });
        else empty = false;
      } else if (!wanted.has(p) && /\.ya?ml$/.test(e.name)) unlinkSync(p);
      else empty = false;
    }
    return empty;
  };
  prune(dir);
  return out;
}
