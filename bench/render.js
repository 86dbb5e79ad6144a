// Benchmark (issue 3 §9): `cairn render` of a generated 1,000-node spec end to end — wall time and peak RSS of
// the CLI process, first run (new secrets) and second run (secrets and credentials reused) — and the time to
// generate a secrets bundle (dominated by the RSA-4096 service-account key).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { CLI, REPO_ROOT, outDir, summary, timeMs } from "./lib.js";
import { generateSpec } from "./gen-spec.js";

export const name = "render";
export const description =
  "`cairn render` of a generated 1,000-node spec (wall, peak RSS); secrets generation time";

const TIME = "/usr/bin/time";

/** Runs the CLI under /usr/bin/time for its peak RSS (kB); falls back to wall time only. */
function runMeasured(args) {
  const t0 = process.hrtime.bigint();
  const useTime = existsSync(TIME);
  const r = useTime
    ? spawnSync(TIME, ["-f", "%M", process.execPath, CLI, ...args], { encoding: "utf8", cwd: REPO_ROOT })
    : spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd: REPO_ROOT });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`cairn ${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
  const rssKb = useTime ? Number(r.stderr.trim().split("\n").at(-1)) : NaN;
  return { ms, rssMb: rssKb / 1024 };
}

export async function run({ quick, smoke }) {
  const nodes = smoke ? 10 : 1000;
  const file = join(outDir(), `spec-${nodes}.yaml`);
  writeFileSync(file, generateSpec(nodes));
  const runs = quick ? 1 : 3;
  const first = [];
  const second = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    const out = mkdtempSync(join(outDir(), "render-"));
    const a = runMeasured(["render", "-f", file, "-o", out]);
    const b = runMeasured(["render", "-f", file, "-o", out]);
    first.push(a.ms);
    second.push(b.ms);
    rss = Math.max(rss, a.rssMb, b.rssMb);
    rmSync(out, { recursive: true, force: true });
  }

  const { generateSecretsBundle } = await import("../dist/talos/secrets/generate.js");
  const gen = [];
  for (let i = 0; i < (smoke ? 1 : quick ? 3 : 7); i++) {
    const t0 = process.hrtime.bigint();
    await generateSecretsBundle({ now: new Date(), contract: "1.13" });
    gen.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  void timeMs;
  const f = summary(first);
  const s = summary(second);
  const g = summary(gen);
  return {
    notes: [`${nodes} nodes → ${nodes} machine configs, each schema-validated before writing`],
    figures: [
      {
        label: `render, new secrets (CLI wall), median of ${f.n}`,
        value: f.median,
        unit: "ms",
        target: 3000,
      },
      {
        label: `render again, all reused (CLI wall), median of ${s.n}`,
        value: s.median,
        unit: "ms",
        target: 3000,
      },
      { label: "render peak RSS (max over runs)", value: rss, unit: "MB", target: 500 },
      { label: `secrets bundle generation, median of ${g.n}`, value: g.median, unit: "ms" },
      {
        label: "secrets bundle generation, min / max",
        value: `${g.min.toFixed(0)} / ${g.max.toFixed(0)} ms`,
      },
    ],
  };
}
