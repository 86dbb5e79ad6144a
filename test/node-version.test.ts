// bin/cairn.js refuses a Node older than 22.12 before loading anything, naming the version it found and how to get
// a newer one (issue 9 §9). Checked two ways: this Node with its reported version overridden by a preloaded module
// (every boundary: 20, 22.11 refused; 22.12, 24 run), and the machine's own /usr/bin/node when there is one.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BIN } from "./helpers/twin-cli.js";

/** Runs `node bin/cairn.js --version` with process.version(s) reporting `version`. */
function asNode(version: string) {
  const preload =
    "data:text/javascript," +
    encodeURIComponent(
      `Object.defineProperty(process.versions, "node", { value: ${JSON.stringify(version)} });` +
        `Object.defineProperty(process, "version", { value: ${JSON.stringify(`v${version}`)} });`,
    );
  return spawnSync(process.execPath, ["--import", preload, BIN, "--version"], { encoding: "utf8" });
}

describe("the Node version check", () => {
  it.each(["20.20.2", "22.11.0", "18.0.0"])("refuses Node %s, naming it and how to get a newer one", (v) => {
    const r = asNode(v);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      new RegExp(`^error: cairn needs Node\\.js 22\\.12 or newer; this is Node\\.js v${v} `),
    );
    expect(r.stderr).toMatch(/hint: .*npx cairn .*https:\/\/nodejs\.org/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.each(["22.12.0", "23.0.0", "24.21.0"])("runs on Node %s", (v) => {
    const r = asNode(v);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  // The preinstalled Node of Debian-based machines (20 here); whatever it is, the launcher must judge it right.
  it("judges the machine's /usr/bin/node by its real version", () => {
    if (!existsSync("/usr/bin/node")) return;
    const version = spawnSync("/usr/bin/node", ["--version"], { encoding: "utf8" }).stdout.trim();
    const [major, minor] = version.slice(1).split(".").map(Number) as [number, number];
    const r = spawnSync("/usr/bin/node", [BIN, "--version"], { encoding: "utf8" });
    if (major < 22 || (major === 22 && minor < 12)) {
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`this is Node.js ${version} (/usr/bin/node)`);
    } else {
      expect(r.status).toBe(0);
    }
  });
});
