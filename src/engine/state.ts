// The state file: what cairn knows it has done to the cluster. Generic JSON sections (each operation owns its
// own: "nodes", "bootstrap", …) under a schema version; every write is atomic (temp + fsync + rename), so a kill at
// any instant leaves the old or the new file, never a torn one. A corrupt or newer file is refused, never replaced.
import { existsSync, readFileSync } from "node:fs";
import { CairnError } from "../errors.js";
import { writeFileAtomic } from "../io/files.js";

export const STATE_SCHEMA_VERSION = 1;

export interface StateData {
  schemaVersion: number;
  [section: string]: unknown;
}

export class StateCorruptError extends CairnError {
  readonly path: string;
  constructor(path: string, detail: string, cause?: unknown) {
    super("state-corrupt", `the state file ${path} is corrupt: ${detail}`, {
      hint: `cairn never overwrites it; restore it from a backup, or move it aside to start over (cairn will then treat the cluster as new)`,
      cause,
    });
    this.name = "StateCorruptError";
    this.path = path;
  }
}

export class StateVersionError extends CairnError {
  readonly path: string;
  readonly found: number;
  constructor(path: string, found: number) {
    super(
      "state-version",
      `the state file ${path} has schema version ${found}, newer than this cairn understands (${STATE_SCHEMA_VERSION})`,
      { hint: "upgrade cairn to the version that last wrote this state" },
    );
    this.name = "StateVersionError";
    this.path = path;
    this.found = found;
  }
}

export class StateStore {
  readonly path: string;
  private current: StateData;

  private constructor(path: string, data: StateData) {
    this.path = path;
    this.current = data;
  }

  /** Loads the state file; a missing file is an empty state (nothing done yet), not written until updated. */
  static load(path: string): StateStore {
    return new StateStore(path, readState(path));
  }

  /** A deep copy of the whole state: callers cannot mutate the store behind its back. */
  get data(): StateData {
    return structuredClone(this.current);
  }

  section<T = unknown>(name: string): T | undefined {
    const v = this.current[name];
    return v === undefined ? undefined : (structuredClone(v) as T);
  }

  /**
   * Applies `fn` to a copy and writes the result atomically; if `fn` throws or the write fails, neither the file
   * nor the store changes. Synchronous on purpose: concurrent actions' updates cannot interleave.
   */
  update(fn: (draft: StateData) => void | StateData): StateData {
    const draft = structuredClone(this.current);
    const next = fn(draft) ?? draft;
    next.schemaVersion = STATE_SCHEMA_VERSION;
    const text = `${JSON.stringify(next, null, 2)}\n`;
    writeFileAtomic(this.path, text, { mode: 0o600 });
    this.current = JSON.parse(text) as StateData;
    return this.data;
  }
}

export function readState(path: string): StateData {
  if (!existsSync(path)) return { schemaVersion: STATE_SCHEMA_VERSION };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new CairnError("state-read", `cannot read the state file ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new StateCorruptError(path, `not valid JSON (${(e as Error).message})`, e);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new StateCorruptError(path, "not a JSON object");
  const version = (parsed as { schemaVersion?: unknown }).schemaVersion;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1)
    throw new StateCorruptError(path, "no valid schemaVersion");
  if (version > STATE_SCHEMA_VERSION) throw new StateVersionError(path, version);
  return parsed as StateData;
}
