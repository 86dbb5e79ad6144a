// Benchmark (issue 2 §9a): validate a generated 1,000-node spec. Measures the library path (YAML parse with
// positions, shape, semantic checks, IP planning) in-process, and `cairn validate FILE` end to end as a user
// runs it (process start, module load, file read, report).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, outDir, runNode, summary, timeMs } from "./lib.js";
import { generateSpec } from "./gen-spec.js";

export const name = "validate";
export const description = "load + check + resolve a generated 1,000-node spec; `cairn validate` CLI wall";

export async function run({ quick, smoke }) {
  const { loadSpecText } = await import("../dist/clusterspec/load.js");
  const nodes = smoke ? 30 : 1000;
  const text = generateSpec(nodes);
  const file = join(outDir(), `spec-${nodes}.yaml`);
  writeFileSync(file, text);

  // Warm-up runs let the JIT settle so the median describes steady state; the first run is reported too
  // because a CLI user always pays it.
  const first = timeMs(() => loadSpecText(text, file));
  const r = first.value;
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (!r.ok || !r.model)
    throw new Error(`generated spec is invalid:\n${JSON.stringify(errors.slice(0, 5), null, 1)}`);
  const planned = r.model.nodes.flatMap((n) => n.interfaces).filter((i) => i.planned).length;
  for (let i = 0; i < (smoke ? 0 : 3); i++) loadSpecText(text, file);
  const inProcess = [];
  for (let i = 0; i < (smoke ? 1 : quick ? 5 : 15); i++)
    inProcess.push(timeMs(() => loadSpecText(text, file)).ms);

  const cli = [];
  for (let i = 0; i < (smoke ? 1 : quick ? 3 : 7); i++) {
    const run = runNode([CLI, "validate", file]);
    if (run.status !== 0) throw new Error(`cairn validate exited ${run.status}:\n${run.stderr}`);
    cli.push(run.ms);
  }
  const lib = summary(inProcess);
  const wall = summary(cli);
  return {
    notes: [
      `${nodes} nodes, ${Object.keys(r.spec.networks).length} networks, ${planned} auto addresses planned, ` +
        `${text.length.toLocaleString("en")} bytes, ${r.diagnostics.length} warnings`,
    ],
    figures: [
      { label: "load+check+resolve, first run", value: first.ms, unit: "ms" },
      { label: `load+check+resolve, median of ${lib.n}`, value: lib.median, unit: "ms", target: 1000 },
      { label: "load+check+resolve, min / max", value: `${lib.min.toFixed(1)} / ${lib.max.toFixed(1)} ms` },
      {
        label: `cairn validate (CLI wall), median of ${wall.n}`,
        value: wall.median,
        unit: "ms",
        target: 1000,
      },
      {
        label: "cairn validate (CLI wall), min / max",
        value: `${wall.min.toFixed(1)} / ${wall.max.toFixed(1)} ms`,
      },
    ],
  };
}
