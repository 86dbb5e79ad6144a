// The large-spec validate benchmark (issue 10 §10) in its smoke mode: the generator's wide layout is valid and the
// benchmark reports peak RSS and wall time. The figures themselves are judged by `npm run bench`, never here.
import { describe, expect, it } from "vitest";

describe("bench validate-large (smoke)", () => {
  it("validates a generated wide spec through the CLI and reports its figures", async () => {
    // @ts-expect-error plain ESM JavaScript benchmark module without types
    const bench = (await import("../../bench/validate-large.js")) as {
      run(o: { smoke: boolean }): Promise<{ figures: { label: string; value: unknown }[] }>;
    };
    const r = await bench.run({ smoke: true });
    expect(r.figures.map((f) => f.label)).toEqual([
      "cairn validate peak RSS",
      "cairn validate wall, median of 1",
    ]);
  }, 60_000);
});
