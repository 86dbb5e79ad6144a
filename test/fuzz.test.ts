// The CI fuzz run of issue 9's acceptance: a fixed seed, a few hundred mutated inputs through `validate`, `talos
// machineconfig patch`, `render` and `secrets decrypt` (bench/fuzz-cases.js; the 10,000-input run is the fuzz
// benchmark), through the CLI in-process. No command may exit 70 and no output may hold a stack trace. The inputs
// include the probe's shapes: alias bombs, deep nesting, self-referencing aliases, reserved names, secret fields of
// the wrong type, corrupted secrets bundles and age files.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_SEED, KINDS, runFuzz } from "../bench/fuzz-cases.js";
import { runCairn } from "./helpers/cli.js";
import { REPO_ROOT } from "./helpers/shared.js";

const work = mkdtempSync(join(tmpdir(), "cairn-fuzz-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("fuzzing the CLI", () => {
  it("300 inputs (seed fixed): no exit 70, no stack trace", async () => {
    const stats = await runFuzz({
      cli: (args) => runCairn(...args),
      repoRoot: REPO_ROOT,
      workDir: join(work, "run"),
      seed: DEFAULT_SEED,
      count: 300,
    });
    expect(stats.total).toBe(300);
    for (const kind of KINDS) expect(stats.kinds[kind], kind).toBe(75);
    // The inputs reach both outcomes: some commands succeed, most refuse cleanly with exit 1.
    expect(stats.codes["0"] ?? 0).toBeGreaterThan(30);
    expect(stats.codes["1"] ?? 0).toBeGreaterThan(100);
    const report = stats.failures.map(
      (f) => `#${f.index} ${f.kind} exit ${f.code}: cairn ${f.args.join(" ")}\n${f.output}`,
    );
    expect(report).toEqual([]);
    expect(stats.exit70).toBe(0);
    expect(stats.stackTraces).toBe(0);
  }, 180_000);
});
