// The cluster state file (src/ops/state.ts): atomic 0600 writes with a schema version; a corrupt, newer, foreign
// or wrong-kind (real vs rehearsal) file is refused with a clear error and never rewritten.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readState, updateState, STATE_SCHEMA_VERSION } from "../../src/ops/state.js";

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cairn-state-"));
  path = join(dir, "state.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("cluster state file", () => {
  it("a missing file is an empty state; an update writes it atomically, 0600, with the schema version", () => {
    expect(readState(path, "c", false).nodes).toEqual({});
    updateState(path, "c", false, (s) => {
      s.bootstrap = { node: "cp-1", at: "2026-11-21T00:00:00Z", via: "bootstrap-call" };
    });
    const written = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    expect(written.schemaVersion).toBe(STATE_SCHEMA_VERSION);
    expect(written.bootstrap).toEqual({ node: "cp-1", at: "2026-11-21T00:00:00Z", via: "bootstrap-call" });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["state.json"]); // no temp file left behind
  });

  it("a throwing update leaves the file as it was", () => {
    updateState(path, "c", false, (s) => void (s.bootstrap = { node: "cp-1", at: "t", via: "observed" }));
    const before = readFileSync(path, "utf8");
    expect(() =>
      updateState(path, "c", false, (s) => {
        s.bootstrap = null;
        throw new Error("no");
      }),
    ).toThrow("no");
    expect(readFileSync(path, "utf8")).toBe(before);
  });

  it.each([
    ["corrupt JSON", "{ not json", /is not valid JSON/],
    ["no schema version", JSON.stringify({ nodes: {} }), /has no schemaVersion/],
    [
      "a newer schema",
      JSON.stringify({ schemaVersion: STATE_SCHEMA_VERSION + 1 }),
      /written by a newer cairn/,
    ],
    ["another cluster", JSON.stringify({ schemaVersion: 1, cluster: "other" }), /belongs to cluster "other"/],
    [
      "a rehearsal's state",
      JSON.stringify({ schemaVersion: 1, cluster: "c", simulated: true }),
      /twin \(simulated\) rehearsal/,
    ],
  ])("refuses %s and never rewrites it", (_what, content, message) => {
    writeFileSync(path, content);
    expect(() => readState(path, "c", false)).toThrow(message);
    expect(() => updateState(path, "c", false, () => undefined)).toThrow(message);
    expect(readFileSync(path, "utf8")).toBe(content);
  });
});
