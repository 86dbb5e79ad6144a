// Every benchmark runs once in its smoke mode (tiny sizes, targets not judged), so a benchmark that no longer
// loads or runs fails the build instead of rotting until someone runs `npm run bench`.
import { describe, expect, it } from "vitest";
// @ts-expect-error: the benchmarks are plain ESM JavaScript without type declarations
import { BENCHMARKS, loadBenchmark } from "../bench/index.js";

interface Figure {
  label: string;
  value: number | string;
}
interface Bench {
  name: string;
  description: string;
  run(options: { quick: boolean; smoke: boolean }): Promise<{ figures: Figure[]; ok?: boolean }>;
}

describe("benchmarks (smoke mode)", () => {
  it("the registry lists every benchmark module once", () => {
    expect((BENCHMARKS as string[]).length).toBeGreaterThan(0);
    expect(new Set(BENCHMARKS as string[]).size).toBe((BENCHMARKS as string[]).length);
  });

  for (const name of BENCHMARKS as string[]) {
    it(`${name} runs and reports figures`, async () => {
      const b = (await loadBenchmark(name)) as Bench;
      expect(b.name).toBe(name);
      expect(b.description.length).toBeGreaterThan(0);
      const r = await b.run({ quick: true, smoke: true });
      expect(r.ok).not.toBe(false);
      expect(r.figures.length).toBeGreaterThan(0);
      for (const f of r.figures)
        if (typeof f.value === "number") expect(Number.isFinite(f.value), f.label).toBe(true);
    }, 300_000);
  }
});
