import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StateCorruptError, StateStore, StateVersionError } from "../../src/engine/state.js";
import { CairnError } from "../../src/errors.js";
import { tempDir, type TempDir } from "./helpers.js";

let t: TempDir;
let path: string;
beforeEach(() => {
  t = tempDir();
  path = join(t.dir, "state.json");
});
afterEach(() => t.cleanup());

describe("state store", () => {
  it("a missing file is an empty state, written on first update with the schema version", () => {
    const s = StateStore.load(path);
    expect(s.data).toEqual({ schemaVersion: 1 });
    s.update((d) => {
      d.bootstrap = { node: "cp-1", at: "2025-01-01T00:00:00Z" };
    });
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({
      schemaVersion: 1,
      bootstrap: { node: "cp-1", at: "2025-01-01T00:00:00Z" },
    });
    expect(StateStore.load(path).section("bootstrap")).toEqual({ node: "cp-1", at: "2025-01-01T00:00:00Z" });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("keeps other sections untouched and leaves no temp file behind", () => {
    const s = StateStore.load(path);
    s.update((d) => void (d.nodes = { "cp-1": { stage: "running" } }));
    s.update((d) => void (d.bootstrap = { node: "cp-1" }));
    expect(StateStore.load(path).data).toEqual({
      schemaVersion: 1,
      nodes: { "cp-1": { stage: "running" } },
      bootstrap: { node: "cp-1" },
    });
    expect(readdirSync(t.dir)).toEqual(["state.json"]);
  });

  it("a throwing update changes neither the file nor the store", () => {
    const s = StateStore.load(path);
    s.update((d) => void (d.nodes = { a: 1 }));
    const before = readFileSync(path, "utf8");
    expect(() =>
      s.update((d) => {
        d.nodes = { a: 2 };
        throw new Error("no");
      }),
    ).toThrow("no");
    expect(readFileSync(path, "utf8")).toBe(before);
    expect(s.section("nodes")).toEqual({ a: 1 });
  });

  it("callers cannot mutate the store through what it returns", () => {
    const s = StateStore.load(path);
    s.update((d) => void (d.nodes = { a: 1 }));
    (s.section<Record<string, number>>("nodes") ?? {}).a = 99;
    (s.data.nodes as Record<string, number>).a = 99;
    expect(s.section("nodes")).toEqual({ a: 1 });
  });

  it("refuses a newer schema version with a clear error", () => {
    writeFileSync(path, JSON.stringify({ schemaVersion: 2, nodes: {} }));
    const err = (() => {
      try {
        StateStore.load(path);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StateVersionError);
    expect(err).toBeInstanceOf(CairnError);
    expect((err as Error).message).toBe(
      `the state file ${path} has schema version 2, newer than this cairn understands (1)`,
    );
  });

  it.each([
    ["torn JSON", '{"schemaVersion": 1, "nodes": {'],
    ["an array", "[]"],
    ["no schemaVersion", '{"nodes": {}}'],
  ])("a corrupt file (%s) is a typed error naming the file, never replaced", (_name, text) => {
    writeFileSync(path, text);
    const err = (() => {
      try {
        StateStore.load(path);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StateCorruptError);
    expect((err as Error).message).toContain(path);
    expect(readFileSync(path, "utf8")).toBe(text);
  });
});
