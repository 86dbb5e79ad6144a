// Benchmark (issue 2 §9a, issue 9 §8): validate generated specs. Measures the library path (YAML parse with
// positions, shape, semantic checks, IP planning) in-process, and `cairn validate FILE` end to end as a user runs
// it (process start, module load, file read, report), on a 1,000-node spec; then the scaling of the spec checks
// (shape + semantic checks + address planning, after the YAML is read) with 10,000 networks and with 10,000 nodes,
// each also at half the size: doubling the input must about double the time (quadratic checks would quadruple
// it; 10,000 networks took 4.1 s before the overlap checks swept instead of comparing every pair).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, median, outDir, runNode, summary, timeMs } from "./lib.js";
import { generateNetworksSpec, generateSpec } from "./gen-spec.js";

export const name = "validate";
export const description =
  "load + check + resolve a 1,000-node spec; `cairn validate` CLI wall; checks at 10,000 networks and nodes";

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

  const reps = quick ? 1 : 5;
  const nets = await scaling("networks", generateNetworksSpec, 10_000, reps);
  const many = await scaling("nodes", generateSpec, 10_000, reps);
  return {
    notes: [
      `${nodes} nodes, ${Object.keys(r.spec.networks).length} networks, ${planned} auto addresses planned, ` +
        `${text.length.toLocaleString("en")} bytes, ${r.diagnostics.length} warnings`,
      ...nets.notes,
      ...many.notes,
      "spec checks = shape (zod) + semantic checks + address planning on the parsed YAML; the whole load adds " +
        "the YAML parse with positions (the yaml package, linear in the bytes)",
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
      ...nets.figures,
      ...many.figures,
    ],
  };
}

/**
 * The spec checks at `size` and `size / 2` of one dimension (median of `reps`), the growth between them, and the
 * whole load (YAML included) at `size`.
 */
async function scaling(dimension, generate, size, reps) {
  const { LineCounter } = await import("yaml");
  const { parseYamlDocuments, yamlDocumentToJS } = await import("../dist/io/yaml.js");
  const { clusterSpecSchema } = await import("../dist/clusterspec/schema.js");
  const { checkSpec } = await import("../dist/clusterspec/checks/index.js");
  const { resolveModel } = await import("../dist/clusterspec/resolve.js");
  const { loadSpecText } = await import("../dist/clusterspec/load.js");
  const measure = (n) => {
    const text = generate(n);
    const data = yamlDocumentToJS(
      parseYamlDocuments(text, "bench.yaml", { lineCounter: new LineCounter() })[0],
    );
    const checks = [];
    for (let i = 0; i < reps + 1; i++) {
      const t = timeMs(() => {
        const parsed = clusterSpecSchema.safeParse(data);
        if (!parsed.success) throw new Error(`generated ${n}-${dimension} spec has the wrong shape`);
        const findings = checkSpec(parsed.data);
        if (findings.some((f) => f.severity === "error"))
          throw new Error(`generated ${n}-${dimension} spec is invalid: ${findings[0].message}`);
        return resolveModel(parsed.data);
      });
      if (i > 0) checks.push(t.ms); // the first run warms the JIT
    }
    return { text, checks: median(checks) };
  };
  const half = measure(size / 2);
  const full = measure(size);
  const loads = [];
  for (let i = 0; i < reps; i++) {
    const t = timeMs(() => loadSpecText(full.text, "bench.yaml"));
    if (!t.value.ok) throw new Error(`generated ${size}-${dimension} spec does not load`);
    loads.push(t.ms);
  }
  const n = size.toLocaleString("en");
  return {
    notes: [`${n} ${dimension}: ${full.text.length.toLocaleString("en")} bytes of YAML`],
    figures: [
      {
        label: `${n} ${dimension}: spec checks, median of ${reps}`,
        value: full.checks,
        unit: "ms",
        target: 1000,
      },
      {
        label: `${n} ${dimension}: growth from ${(size / 2).toLocaleString("en")} (linear 2, quadratic 4)`,
        value: full.checks / half.checks,
        unit: "×",
        target: 2.6,
      },
      {
        label: `${n} ${dimension}: whole load (YAML included), median of ${reps}`,
        value: median(loads),
        unit: "ms",
      },
    ],
  };
}
