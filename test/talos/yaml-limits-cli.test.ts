// Hostile YAML through the CLI, as the issue 9 probe fed it (§4): an alias bomb or a 1,000-level document in a
// patch, in a config given to `cairn talos machineconfig patch`, in secrets.yaml under `render`, in cairn.yaml and in
// a talosconfig ends in exit 1 with a message naming the file, never exit 70, an out-of-memory abort or a stack
// trace. Each run gets a 256 MB heap: before the limits, the bombs took 2.5–4.3 GB and died. `machineconfig patch
// -o` writes 0600 (its output holds the node's keys).
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN } from "../helpers/twin-cli.js";
import { REPO_ROOT, TALOS_GOLDEN } from "../helpers/shared.js";

const dir = mkdtempSync(join(tmpdir(), "cairn-yaml-limits-"));
const CONFIG = join(TALOS_GOLDEN, "v1.13", "base-controlplane.yaml");

function cairn(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ["--max-old-space-size=256", BIN, ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function expectClean(r: { code: number | null; err: string }, file: string, reason: RegExp): void {
  expect(r.code, r.err).toBe(1);
  expect(r.err).toContain(file);
  expect(r.err).toMatch(reason);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
}

/** 9 levels of 10 aliases: 10^9 leaves, under `key` so it is a valid strategic patch / mapping. */
function bomb(key: string): string {
  let text = `${key}:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n`;
  let prev = "a";
  for (let i = 0; i < 9; i++) {
    const name = String.fromCharCode(98 + i);
    text += `  ${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]\n`;
    prev = name;
  }
  return text;
}

/** `{"machine": {"a": {"a": … 1,000 levels … }}}` as JSON (also valid YAML). */
function deep(levels: number): string {
  return `{"machine": ${'{"a": '.repeat(levels)}1${"}".repeat(levels)}}`;
}

describe("cairn talos machineconfig patch", () => {
  it("an alias bomb in the patch file", () => {
    const patch = join(dir, "bomb-patch.yaml");
    writeFileSync(patch, bomb("machine"));
    expectClean(
      cairn("talos", "machineconfig", "patch", CONFIG, "--patch", `@${patch}`),
      "bomb-patch.yaml",
      /its aliases would expand it past/,
    );
  });

  it("an alias bomb in the config", () => {
    const config = join(dir, "bomb-config.yaml");
    writeFileSync(config, readFileSync(CONFIG, "utf8").replace(/^machine:\n/m, `${bomb("bomb")}machine:\n`));
    expectClean(
      cairn("talos", "machineconfig", "patch", config, "--patch", '{"machine": {"env": {"A": "b"}}}'),
      "bomb-config.yaml",
      /its aliases would expand it past/,
    );
  });

  it("a 1,000-level patch", () => {
    const patch = join(dir, "deep-patch.json");
    writeFileSync(patch, deep(1000));
    expectClean(
      cairn("talos", "machineconfig", "patch", CONFIG, "--patch", `@${patch}`),
      "deep-patch.json",
      /nests deeper than 64 levels/,
    );
  });

  it("-o writes the patched config 0600", () => {
    const out = join(dir, "patched.yaml");
    const r = cairn(
      "talos",
      "machineconfig",
      "patch",
      CONFIG,
      "--patch",
      '{"machine": {"env": {"A": "b"}}}',
      "-o",
      out,
    );
    expect(r.code, r.err).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, "utf8")).toMatch(/A: b/);
  });
});

describe("other YAML inputs", () => {
  it("render: an alias bomb in secrets.yaml", () => {
    const work = join(dir, "render");
    mkdirSync(join(work, ".cairn", "minimal"), { recursive: true });
    copyFileSync(join(REPO_ROOT, "examples", "minimal.yaml"), join(work, "cairn.yaml"));
    writeFileSync(join(work, ".cairn", "minimal", "secrets.yaml"), bomb("cluster"), { mode: 0o600 });
    expectClean(
      cairn("render", "-f", join(work, "cairn.yaml")),
      join(".cairn", "minimal", "secrets.yaml"),
      /its aliases would expand it past/,
    );
  });

  it("validate: an alias bomb and a deep mapping in cairn.yaml are located errors", () => {
    const spec = join(dir, "bomb-spec.yaml");
    writeFileSync(
      spec,
      bomb("x-anchors") + readFileSync(join(REPO_ROOT, "examples", "minimal.yaml"), "utf8"),
    );
    const r = cairn("validate", spec);
    expectClean(
      r,
      "bomb-spec.yaml",
      /bomb-spec\.yaml:\d+:\d+: error: x-anchors\.\w+(\[\d+\])?: its aliases would expand/,
    );
    const d = join(dir, "deep-spec.yaml");
    writeFileSync(d, `apiVersion: cairn.dev/v1alpha1\nkind: Cluster\nname: x\ntalos: ${deep(1000)}\n`);
    expectClean(
      cairn("validate", d),
      "deep-spec.yaml",
      /deep-spec\.yaml:4:\d+: error: \(yaml\): nests deeper/,
    );
  });

  it("a talosconfig holding an alias bomb", () => {
    const tc = join(dir, "bomb.talosconfig");
    writeFileSync(tc, `context: x\n${bomb("contexts")}`);
    expectClean(
      cairn("talos", "version", "--talosconfig", tc, "-e", "127.0.0.1", "-n", "127.0.0.1"),
      "bomb.talosconfig",
      /its aliases would expand it past/,
    );
  });
});
