// The Talos machine-config schemas cairn ships (schema/talos/v<contract>/) are upstream's, byte for byte: each
// equals its copy in ../shared/reference/talos, and every contract cairn supports has one.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONTRACTS } from "../../src/talos/versions.js";
import { REPO_ROOT, TALOS_REFERENCE } from "../helpers/shared.js";

const BUNDLED = join(REPO_ROOT, "schema/talos");
const bundled = readdirSync(BUNDLED).filter((d) => /^v\d+\.\d+$/.test(d));

describe("bundled Talos schemas", () => {
  it("cover every supported contract", () => {
    expect(bundled.sort()).toEqual(CONTRACTS.map((c) => `v${c}`).sort());
  });
  for (const dir of bundled)
    it(`${dir}/config.schema.json equals the reference copy`, () => {
      expect(readFileSync(join(BUNDLED, dir, "config.schema.json"), "utf8")).toBe(
        readFileSync(join(TALOS_REFERENCE, dir, "config.schema.json"), "utf8"),
      );
    });
});
