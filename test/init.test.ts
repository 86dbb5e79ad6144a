// `cairn init` output must validate as written for every provider and node count, and the command must
// refuse bad flags and existing files without a stack trace.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureIo } from "./helpers/cli.js";
import { loadSpecText } from "../src/clusterspec/load.js";
import {
  checkInitOptions,
  renderInitSpec,
  INIT_DEFAULTS,
  INIT_PROVIDERS,
  type InitOptions,
} from "../src/clusterspec/init.js";
import { main } from "../src/cli/main.js";
import { DEFAULT_TALOS_VERSION } from "../src/talos/versions.js";

const errorsOf = (text: string) =>
  loadSpecText(text, "cairn.yaml").diagnostics.filter((d) => d.severity === "error");

describe("renderInitSpec", () => {
  for (const provider of INIT_PROVIDERS) {
    it(`validates for ${provider} with 1–9 control planes and 0–9 workers`, () => {
      for (let controlplanes = 1; controlplanes <= 9; controlplanes++) {
        for (let workers = 0; workers <= 9; workers++) {
          const text = renderInitSpec({ ...INIT_DEFAULTS, provider, controlplanes, workers });
          const r = loadSpecText(text, "cairn.yaml");
          const errors = r.diagnostics.filter((d) => d.severity === "error");
          expect(
            errors,
            `${provider} ${controlplanes}+${workers}:\n${JSON.stringify(errors, null, 1)}`,
          ).toEqual([]);
          expect(r.ok).toBe(true);
          expect(r.model!.nodes.filter((n) => n.role === "controlplane")).toHaveLength(controlplanes);
          expect(r.model!.nodes.filter((n) => n.role === "worker")).toHaveLength(workers);
          expect(r.spec!.provider.type).toBe(provider);
        }
      }
    });
  }

  it("validates at the largest counts it accepts", () => {
    for (const provider of INIT_PROVIDERS)
      expect(
        errorsOf(renderInitSpec({ ...INIT_DEFAULTS, provider, controlplanes: 49, workers: 49 })),
      ).toEqual([]);
  });

  it("carries the name and Talos version, and defaults to the newest Talos cairn knows", () => {
    const r = loadSpecText(
      renderInitSpec({ ...INIT_DEFAULTS, name: "edge", talosVersion: "v1.10.9" }),
      "x.yaml",
    );
    expect(r.spec!.name).toBe("edge");
    expect(r.spec!.talos.version).toBe("v1.10.9");
    expect(r.spec!.nodes[0]!.name).toBe("edge-cp-01");
    expect(INIT_DEFAULTS.talosVersion).toBe(DEFAULT_TALOS_VERSION);
  });

  it("uses `address: auto` so it scales, and schedules on control planes only without workers", () => {
    const text = renderInitSpec({ ...INIT_DEFAULTS, workers: 0 });
    expect(text).toContain("address: auto");
    expect(loadSpecText(text, "x").spec!.kubernetes.allowSchedulingOnControlPlanes).toBe(true);
    const withWorkers = loadSpecText(renderInitSpec({ ...INIT_DEFAULTS, workers: 2 }), "x");
    expect(withWorkers.spec!.kubernetes.allowSchedulingOnControlPlanes).toBe(false);
  });

  it("teaches with comments", () => {
    const text = renderInitSpec(INIT_DEFAULTS);
    expect(text.split("\n").filter((l) => l.includes("#")).length).toBeGreaterThan(15);
    expect(text.startsWith("# yaml-language-server: $schema=")).toBe(true);
  });

  it("is deterministic", () => {
    expect(renderInitSpec(INIT_DEFAULTS)).toBe(renderInitSpec({ ...INIT_DEFAULTS }));
  });
});

describe("checkInitOptions", () => {
  const bad: [string, Partial<InitOptions>, RegExp][] = [
    ["zero control planes", { controlplanes: 0 }, /--controlplanes/],
    ["fractional control planes", { controlplanes: 1.5 }, /--controlplanes/],
    ["too many workers", { workers: 50 }, /--workers/],
    ["negative workers", { workers: -1 }, /--workers/],
    ["uppercase name", { name: "Lab" }, /--name/],
    ["unknown provider", { provider: "aws" as InitOptions["provider"] }, /--provider/],
    ["unsupported Talos", { talosVersion: "v1.7.7" }, /--talos-version/],
    ["malformed Talos", { talosVersion: "1.11" }, /--talos-version/],
  ];
  for (const [what, patch, message] of bad)
    it(`rejects ${what}`, () => {
      const problems = checkInitOptions({ ...INIT_DEFAULTS, ...patch });
      expect(problems.join("\n")).toMatch(message);
    });
  it("accepts the defaults", () => expect(checkInitOptions(INIT_DEFAULTS)).toEqual([]));
});

describe("cairn init", () => {
  it("prints a spec that validates (the issue's acceptance command)", async () => {
    const { c, io } = captureIo();
    const code = await main(
      ["node", "cairn", "init", "--provider", "proxmox", "--controlplanes", "3", "--workers", "2"],
      io,
    );
    expect(code).toBe(0);
    expect(errorsOf(c.out)).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), "cairn-init-"));
    writeFileSync(join(dir, "x.yaml"), c.out);
    const v = captureIo();
    expect(await main(["node", "cairn", "validate", join(dir, "x.yaml")], v.io)).toBe(0);
  });

  it("writes -o FILE and refuses to overwrite it without --force", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cairn-init-"));
    const file = join(dir, "cairn.yaml");
    const first = captureIo();
    expect(await main(["node", "cairn", "init", "-o", file, "--name", "lab"], first.io)).toBe(0);
    expect(readFileSync(file, "utf8")).toContain("name: lab");

    const second = captureIo();
    expect(await main(["node", "cairn", "init", "-o", file, "--name", "other"], second.io)).toBe(1);
    expect(second.c.err).toContain("already exists");
    expect(second.c.err).toContain("--force");
    expect(readFileSync(file, "utf8")).toContain("name: lab");

    const forced = captureIo();
    expect(await main(["node", "cairn", "init", "-o", file, "--name", "other", "--force"], forced.io)).toBe(
      0,
    );
    expect(readFileSync(file, "utf8")).toContain("name: other");
  });

  it("reports bad flags as a user error with exit 1 and no stack trace", async () => {
    const { c, io } = captureIo();
    expect(await main(["node", "cairn", "init", "--controlplanes", "three", "--provider", "aws"], io)).toBe(
      1,
    );
    expect(c.err).toContain("--controlplanes");
    expect(c.err).toContain("--provider");
    expect(c.err).not.toMatch(/\n\s+at /);
  });
});
