// Inline manifests come out exactly as Talos writes them: Talos' own test data (TestApplyWithManifestNewline) patches
// an inline manifest whose block scalar starts with a blank line into a config and expects it back without one, at
// v1.13.9 (whose encoder still writes `controlPlane: null`) and at v1.14.0-rc.1.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { encodeConfigDocuments } from "../../src/talos/config/encode.js";
import { applyPatches, loadPatches, type ConfigDocument } from "../../src/talos/patch/index.js";

const DIR = new URL("../fixtures/talos/configpatcher/apply/", import.meta.url);
const read = (f: string) => readFileSync(new URL(f, DIR), "utf8");

describe("cluster.inlineManifests", () => {
  it.each([
    ["1.13", "expected_manifests-v1.13.9.yaml"],
    ["1.14", "expected_manifests.yaml"],
  ] as const)(
    "contract %s: encodes Talos' configpatcher testdata apply/strategic4.yaml to %s",
    (contract, expected) => {
      const config = parseAllDocuments(read("config.yaml")).map((d) => d.toJS() as ConfigDocument);
      const patch = read("strategic4.yaml");
      // The patch really holds the blank first line this is about.
      expect(patch).toMatch(/contents: \|.*\n\n {8}---/);
      const out = applyPatches(
        config,
        loadPatches(["@strategic4.yaml"], () => patch),
      );
      expect(encodeConfigDocuments(out, contract)).toBe(read(expected));
    },
  );
});
