// Benchmark (issue 10 §10): `cairn validate` of a generated 50,000-node spec as a user runs it — peak RSS and wall
// time of the CLI process. Target: under 300 MB. `smoke` validates 500 nodes, just to prove the path works.
// Peak RSS comes from /usr/bin/time (GNU time, Debian package `time`); without it only wall time is reported.
import { existsSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { CLI, REPO_ROOT, outDir, summary } from "./lib.js";
import { generateSpec } from "./gen-spec.js";

export const name = "validate-large";
export const description =
  "`cairn validate` of a generated 50,000-node spec: peak RSS (target < 300 MB), wall";

const TIME = "/usr/bin/time";

function validateMeasured(file) {
  const useTime = existsSync(TIME);
  const t0 = process.hrtime.bigint();
  const r = useTime
    ? spawnSync(TIME, ["-f", "%M", process.execPath, CLI, "validate", file], {
        encoding: "utf8",
        cwd: REPO_ROOT,
      })
    : spawnSync(process.execPath, [CLI, "validate", file], { encoding: "utf8", cwd: REPO_ROOT });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`cairn validate exited ${r.status}:\n${r.stderr.slice(0, 2000)}`);
  if (!r.stdout.includes(": valid")) throw new Error(`cairn validate did not say valid:\n${r.stdout}`);
  const rssMb = useTime ? Number(r.stderr.trim().split("\n").at(-1)) / 1024 : NaN;
  return { ms, rssMb };
}

export async function run({ quick, smoke } = {}) {
  const nodes = smoke ? 500 : 50_000;
  const text = generateSpec(nodes, { wide: true });
  const file = join(outDir(), `spec-wide-${nodes}.yaml`);
  writeFileSync(file, text);
  const runs = smoke || quick ? 1 : 3;
  const results = [];
  for (let i = 0; i < runs; i++) results.push(validateMeasured(file));
  const wall = summary(results.map((r) => r.ms));
  const rss = Math.max(...results.map((r) => r.rssMb));
  return {
    notes: [`${nodes.toLocaleString("en")} nodes, ${text.length.toLocaleString("en")} bytes of YAML`],
    figures: [
      {
        label: "cairn validate peak RSS",
        value: Number.isNaN(rss) ? "n/a (no /usr/bin/time)" : rss,
        unit: "MB",
        target: smoke ? undefined : 300,
      },
      { label: `cairn validate wall, median of ${wall.n}`, value: wall.median, unit: "ms" },
    ],
  };
}
