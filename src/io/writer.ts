// The one writer: artefacts go on disk here and nowhere else, atomically (temp file, fsync, rename), with their
// mode, secrets first, and only by a command that holds the cluster's lock (the lock is the proof it is asked for).
// A file that already holds an artefact's exact bytes is left alone, so rendering twice changes nothing on disk.
import { existsSync, linkSync, readdirSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { Lock } from "../engine/lock.js";
import { CairnError } from "../errors.js";
import { OWNED_TREES, WRITE_ORDER, type Artefact, type ArtefactKind } from "./artefact.js";
import { writeFileAtomic } from "./files.js";

export interface WrittenArtefact {
  path: string;
  kind: ArtefactKind;
  node?: string;
  mode: string;
  /** false when the file already held exactly these bytes. */
  changed: boolean;
  note?: string;
}

/** Where an artefact lands: its path relative to `dir`, or its own absolute path. */
export function artefactPath(dir: string, a: Pick<Artefact, "path">): string {
  return isAbsolute(a.path) ? a.path : join(dir, a.path);
}

export function writeArtefacts(dir: string, artefacts: readonly Artefact[], lock: Lock): WrittenArtefact[] {
  if (!lock.path) throw new Error("writeArtefacts: a held cluster lock is required");
  const base = resolve(dir);
  const ordered = [...artefacts].sort(
    (a, b) => WRITE_ORDER.indexOf(a.kind) - WRITE_ORDER.indexOf(b.kind) || a.path.localeCompare(b.path),
  );
  const out: WrittenArtefact[] = [];
  for (const a of ordered) {
    const path = artefactPath(base, a);
    const current = existsSync(path) ? readFileSync(path, "utf8") : undefined;
    const changed = current !== a.content;
    if (changed) {
      if (a.createOnly && current !== undefined)
        throw new CairnError(
          "artefact-exists",
          `${path} appeared while cairn was preparing a new one; cairn never replaces it`,
          { hint: "another cairn created it meanwhile: run the command again to use it" },
        );
      if (a.createOnly) createExclusive(path, a);
      else writeFileAtomic(path, a.content, { mode: a.mode });
    }
    out.push({
      path,
      kind: a.kind,
      ...(a.node ? { node: a.node } : {}),
      mode: `0${a.mode.toString(8)}`,
      changed,
      ...(a.note && changed ? { note: a.note } : {}),
    });
  }
  const wanted = new Set(ordered.map((a) => artefactPath(base, a)));
  for (const tree of OWNED_TREES) pruneTree(join(base, tree), wanted);
  return out;
}

/** Removes the YAML files under `dir` that are not `wanted`, and the folders left empty; true when `dir` is empty. */
function pruneTree(dir: string, wanted: ReadonlySet<string>): boolean {
  if (!existsSync(dir)) return true;
  let empty = true;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (pruneTree(p, wanted)) rmSync(p, { recursive: true });
      else empty = false;
    } else if (!wanted.has(p) && /\.ya?ml$/.test(e.name)) unlinkSync(p);
    else empty = false;
  }
  return empty;
}

/** Atomic and never over an existing file: written beside it, then hard-linked into place (fails if it exists). */
function createExclusive(path: string, a: Artefact): void {
  const tmp = join(dirname(path), `.${a.kind}.${process.pid}.${Date.now()}.new`);
  writeFileAtomic(tmp, a.content, { mode: a.mode });
  try {
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST")
      throw new CairnError("artefact-exists", `${path} appeared meanwhile; cairn never replaces it`, {
        hint: "another cairn created it: run the command again to use it",
      });
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}
