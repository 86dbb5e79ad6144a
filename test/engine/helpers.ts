// Small builders for engine tests: actions, a temp directory per test, an event log.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Action, AnyEngineEvent, Plan } from "../../src/engine/types.js";

export function action(id: string, dependsOn: string[] = [], extra: Partial<Action> = {}): Action {
  return { id, kind: "gate", title: `gate ${id}`, dependsOn, params: {}, ...extra };
}

export function plan(actions: Action[], operation = "apply"): Plan {
  return { operation, actions, blockers: [], warnings: [] };
}

export interface TempDir {
  dir: string;
  journalPath: string;
  lockPath: string;
  cleanup(): void;
}

export function tempDir(): TempDir {
  const dir = mkdtempSync(join(tmpdir(), "cairn-engine-"));
  return {
    dir,
    journalPath: join(dir, "journal.ndjson"),
    lockPath: join(dir, "lock"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function eventLog(): { events: AnyEngineEvent[]; onEvent(e: AnyEngineEvent): void } {
  const events: AnyEngineEvent[] = [];
  return { events, onEvent: (e) => void events.push(e) };
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
