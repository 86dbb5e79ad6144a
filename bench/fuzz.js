// Benchmark (issue 2 §9c, issue 9 acceptance): 10,000 seeded, mutated inputs through `validate`, `talos
// machineconfig patch`, `render` and `secrets decrypt` (bench/fuzz-cases.js; the CI test runs a few hundred of the
// same). Targets: no exit 70 and no stack trace in any output. Seeded, so a failure reproduces:
// `npm run bench -- fuzz --seed N [--count N]`; the first failing inputs are written to out/bench/fuzz-failures/.
import { join } from "node:path";
import { REPO_ROOT, outDir } from "./lib.js";
import { DEFAULT_SEED, runFuzz, writeFailures } from "./fuzz-cases.js";

export const name = "fuzz";
export const description =
  "10,000 mutated inputs through validate, machineconfig patch, render, secrets decrypt; exit 70 and stack traces must be 0";

export async function run({ quick, smoke, seed = DEFAULT_SEED, count }) {
  const { main } = await import("../dist/cli/main.js");
  const cli = async (args) => {
    let out = "";
    let err = "";
    process.exitCode = undefined;
    const code = await main(["node", "cairn", ...args], {
      out: (s) => void (out += s),
      err: (s) => void (err += s),
      isTTY: false,
    });
    process.exitCode = undefined;
    return { code, out, err };
  };
  const total = count ?? (smoke ? 25 : quick ? 300 : 10_000);
  const t0 = process.hrtime.bigint();
  const stats = await runFuzz({
    cli,
    repoRoot: REPO_ROOT,
    workDir: join(outDir(), "fuzz-work"),
    seed,
    count: total,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const failDir = join(outDir(), "fuzz-failures");
  writeFailures(failDir, seed, stats.failures);
  const fmt = (o) =>
    Object.entries(o)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
  return {
    ok: stats.exit70 === 0 && stats.stackTraces === 0,
    notes: [
      `seed ${seed}; inputs per command: ${fmt(stats.kinds)}; exit codes: ${fmt(stats.codes)}`,
      ...(stats.failures.length ? [`first failing inputs written to ${failDir}`] : []),
    ],
    figures: [
      { label: "inputs", value: stats.total },
      { label: "exits with code 70", value: stats.exit70, target: 0, exact: true },
      { label: "outputs with a stack trace", value: stats.stackTraces, target: 0, exact: true },
      { label: "wall time", value: seconds * 1000, unit: "ms" },
    ],
  };
}
