// The benchmark registry: one module per benchmark (bench/<name>.js), each exporting { name, description,
// run(options) }. Modules load only when they run, so one broken benchmark cannot stop the others and `npm test`
// can import every one (its smoke test) without paying for the rest.
// run() returns { figures: [{ label, value, unit?, target?, exact? }], notes?: string[], ok?: boolean }.
// Options: quick (fewer repetitions), smoke (tiny sizes, for `npm test`: proves the benchmark runs, measures
// nothing worth reading), seed/count (fuzz).
export const BENCHMARKS = [
  "validate",
  "startup",
  "fuzz",
  "render",
  "twin",
  "upgrade",
  "bootstrap",
  "ui",
  "validate-large",
  "kube",
  "platform",
  "providers",
];

export function loadBenchmark(name) {
  return import(`./${name}.js`);
}
