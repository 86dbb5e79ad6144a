#!/usr/bin/env node
// Benchmark runner: `npm run bench` runs them all, `npm run bench -- validate fuzz` runs the named ones.
// Options: --quick (fewer repetitions), --smoke (tiny sizes, targets not judged: what `npm test` runs), --seed N
// (fuzz seed), --count N (fuzz inputs), --json (machine output).
// Timings are printed against their targets, never asserted: a slow shared machine must not fail a build.
// Only correctness findings (fuzz exceptions) make the exit code non-zero.
import { existsSync } from "node:fs";
import { BENCHMARKS, loadBenchmark } from "./index.js";
import { fmt } from "./lib.js";

const args = process.argv.slice(2);
const flag = (n) => args.includes(n);
const value = (n) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : undefined;
};
const valueFlags = new Set(["--seed", "--count"]);
const names = args.filter((a, i) => !a.startsWith("--") && !valueFlags.has(args[i - 1]));

if (flag("--help") || flag("-h")) {
  console.log(
    "usage: node bench/run.js [name...] [--quick] [--smoke] [--seed N] [--count N] [--json]\n\nbenchmarks:",
  );
  for (const n of BENCHMARKS) console.log(`  ${n.padEnd(10)} ${(await loadBenchmark(n)).description}`);
  process.exit(0);
}
if (!existsSync(new URL("../dist/clusterspec/load.js", import.meta.url))) {
  console.error("dist/ is missing: run `npm run build` first (npm run bench does)");
  process.exit(2);
}
const unknown = names.filter((n) => !BENCHMARKS.includes(n));
if (unknown.length) {
  console.error(`unknown benchmark: ${unknown.join(", ")} (known: ${BENCHMARKS.join(", ")})`);
  process.exit(2);
}

const options = {
  quick: flag("--quick") || flag("--smoke"),
  smoke: flag("--smoke"),
  seed: value("--seed") !== undefined ? Number(value("--seed")) : undefined,
  count: value("--count") !== undefined ? Number(value("--count")) : undefined,
};
for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];

const selected = names.length ? names : BENCHMARKS;
const results = [];
let failed = false;
const mode = options.smoke ? ", smoke (targets not judged)" : options.quick ? ", quick" : "";
console.log(`node ${process.version}, ${process.platform}/${process.arch}${mode}`);
for (const n of selected) {
  let result;
  let b;
  try {
    b = await loadBenchmark(n);
    if (!flag("--json")) console.log(`\n== ${b.name}: ${b.description}`);
    result = await b.run(options);
  } catch (e) {
    failed = true;
    console.error(`   ${n} failed: ${e instanceof Error ? e.stack : String(e)}`);
    continue;
  }
  if (result.ok === false) failed = true;
  results.push({ name: b.name, ...result });
  if (flag("--json")) continue;
  for (const n of result.notes ?? []) console.log(`   ${n}`);
  const width = Math.max(...result.figures.map((f) => f.label.length));
  for (const f of result.figures) {
    let verdict = "";
    if (f.target !== undefined && typeof f.value === "number" && !options.smoke) {
      const met = f.exact ? f.value === f.target : f.value <= f.target;
      verdict = `   target ${f.exact ? "=" : "≤"} ${fmt(f.target, f.unit)}: ${met ? "met" : "MISSED"}`;
    }
    console.log(`   ${f.label.padEnd(width)}  ${fmt(f.value, f.unit).padStart(12)}${verdict}`);
  }
}
if (flag("--json")) console.log(JSON.stringify(results, null, 2));
process.exitCode = failed ? 1 : 0;
