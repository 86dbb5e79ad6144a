// Shared helpers for benchmarks: timing, medians, child processes, a seeded random source, the results table.
// Benchmarks are plain ESM JavaScript that import the compiled library from dist/, so `node bench/run.js`
// needs no TypeScript loader and measures the code users actually run.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mkdirSync } from "node:fs";

export const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));
export const CLI = fileURLToPath(new URL("../bin/cairn.js", import.meta.url));
/** Where benchmarks may write artefacts (generated specs, fuzz failures); gitignored. */
export const OUT_DIR = fileURLToPath(new URL("../out/bench/", import.meta.url));

export function outDir() {
  mkdirSync(OUT_DIR, { recursive: true });
  return OUT_DIR;
}

/** Wall time of fn in milliseconds (high resolution). */
export function timeMs(fn) {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summary(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, median: median(s), min: s[0], max: s[s.length - 1] };
}

/** Runs `node args…` synchronously and returns its wall time and result. */
export function runNode(args, options = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: "utf8", cwd: REPO_ROOT, ...options });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  return { ms, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** mulberry32: a tiny deterministic PRNG so fuzz runs and generated specs are reproducible from a seed. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

/** Formats a figure for the results table. */
export function fmt(value, unit) {
  if (typeof value !== "number") return String(value);
  const v =
    unit === "ms" ? value.toFixed(value < 10 ? 2 : 1) : unit === "×" ? value.toFixed(2) : String(value);
  return unit ? `${v} ${unit}` : v;
}
