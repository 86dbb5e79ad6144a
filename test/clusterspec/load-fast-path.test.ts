// The loader reads a spec with js-yaml and builds the yaml package's positioned document only when it has
// something to locate (issue 10 §10: positions are what cost a 50,000-node spec its memory). Both readings must
// agree: every example gives the same defaulted spec, and a spec with findings is still located exactly.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadSpecText } from "../../src/clusterspec/load.js";
import { clusterSpecSchema } from "../../src/clusterspec/schema.js";
import { REPO_ROOT } from "../helpers/shared.js";

const EXAMPLES = join(REPO_ROOT, "examples");

describe("loader fast path", () => {
  for (const f of readdirSync(EXAMPLES).filter((x) => x.endsWith(".yaml"))) {
    it(`${f}: the spec read without positions equals the yaml package's reading`, () => {
      const text = readFileSync(join(EXAMPLES, f), "utf8");
      const r = loadSpecText(text, f);
      expect(r.ok).toBe(true);
      expect(r.spec).toEqual(clusterSpecSchema.parse(parse(text)));
    });
  }

  it("locates findings given after the load, on a spec whose load needed no positions", () => {
    const text = readFileSync(join(EXAMPLES, "minimal.yaml"), "utf8");
    const r = loadSpecText(text, "minimal.yaml");
    expect(r.diagnostics).toEqual([]);
    const [d] = r.locate([{ severity: "error", code: "x.y", path: ["talos", "version"], message: "m" }]);
    const line = text.split("\n").findIndex((l) => /^\s+version: v1/.test(l)) + 1;
    expect(d).toMatchObject({ file: "minimal.yaml", line, path: "talos.version" });
  });

  it("a spec with aliases takes the positioned path, which bounds alias expansion", () => {
    const text = readFileSync(join(EXAMPLES, "minimal.yaml"), "utf8");
    const bomb =
      text +
      "tenants:\n" +
      '  - { name: a, quota: &a { x: "1" } }\n' +
      Array.from({ length: 1200 }, (_, i) => `  - { name: t${i}, quota: *a }\n`).join("");
    const r = loadSpecText(bomb, "bomb.yaml");
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]!.code).toBe("yaml.limit");
    expect(r.diagnostics[0]!.message).toMatch(/alias/);
  });
});
