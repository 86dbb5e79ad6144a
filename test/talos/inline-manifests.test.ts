// Inline manifests come out exactly as Talos writes them: Talos' own test data at v1.13.9 (TestApplyWithManifestNewline) patches
// an inline manifest whose block scalar starts with a blank line into a config and expects it back without one.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { encodeConfigDocuments } from "../../src/talos/config/encode.js";
import { applyPatches, loadPatches, type ConfigDocument } from "../../src/talos/patch/index.js";

const DIR = new URL("../fixtures/talos/configpatcher/apply/", import.meta.url);
const read = (f: string) => readFileSync(new URL(f, DIR), "utf8");

describe("cluster.inlineManifests", () => {
  it("encodes Talos' configpatcher testdata apply/strategic4.yaml to expected_manifests.yaml", () => {
    const config = parseAllDocuments(read("config.yaml")).map((d) => d.toJS() as ConfigDocument);
    const patch = read("strategic4.yaml");
    // The patch really holds the blank first line this is about.
    expect(patch).toMatch(/contents: \|.*\n\n {8}---/);
    const out = applyPatches(
      config,
      loadPatches(["@strategic4.yaml"], () => patch),
    );
    expect(encodeConfigDocuments(out, "1.13")).toBe(read("expected_manifests.yaml"));
  });
});
