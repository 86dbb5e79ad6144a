import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { knownKinds, validateTalosDocuments } from "../../src/talos/config/validate.js";
import { CONTRACTS } from "../../src/talos/versions.js";
import { REPO_ROOT, TALOS_GOLDEN } from "../helpers/shared.js";

const STABILITY = `${REPO_ROOT}test/fixtures/talos/stability/`;

describe("validateTalosDocuments", () => {
  for (const contract of CONTRACTS) {
    for (const flavour of ["base", "overrides"]) {
      for (const type of ["controlplane", "worker"]) {
        // Upstream's goldens from ../shared, or the stability testdata committed as fixtures where the shared copy
        // has none; a missing one fails the test instead of shrinking it.
        const shared = `${TALOS_GOLDEN}v${contract}/${flavour}-${type}.yaml`;
        const file = existsSync(shared) ? shared : `${STABILITY}v${contract}/${flavour}-${type}.yaml`;
        it(`accepts golden v${contract}/${flavour}-${type}`, () => {
          expect(validateTalosDocuments(readFileSync(file, "utf8"), contract)).toEqual([]);
        });
      }
    }
  }

  it("reports unknown fields with document index, kind and path", () => {
    const text =
      "version: v1alpha1\nmachine:\n  install:\n    bogus: 1\n---\napiVersion: v1alpha1\nkind: HostnameConfig\nauto: nope\n";
    const errors = validateTalosDocuments(text, "1.12");
    expect(errors).toContainEqual({
      document: 0,
      kind: "v1alpha1",
      path: "/machine/install",
      message: 'unknown field "bogus"',
    });
    expect(errors.some((e) => e.document === 1 && e.kind === "HostnameConfig" && e.path === "/auto")).toBe(
      true,
    );
  });

  it("rejects kinds the contract does not know", () => {
    const errors = validateTalosDocuments(
      [{ apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "stable" }],
      "1.11",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe("/kind");
    expect(errors[0]!.message).toMatch(/unknown document kind "HostnameConfig" for Talos 1.11/);
  });

  it("accepts KubeSpanEndpointsConfig (Go's kind) and KubeSpanEndpoints (the schema's)", () => {
    for (const kind of ["KubeSpanEndpointsConfig", "KubeSpanEndpoints"]) {
      expect(
        validateTalosDocuments(
          [{ apiVersion: "v1alpha1", kind, extraAnnouncedEndpoints: ["1.2.3.4:51820"] }],
          "1.13",
        ),
      ).toEqual([]);
    }
    expect(knownKinds("1.9")).toContain("KubeSpanEndpointsConfig");
  });

  it("reports YAML syntax errors and documents without kind", () => {
    expect(validateTalosDocuments("a: [\n", "1.13")[0]!.message).toMatch(/^YAML:/);
    expect(validateTalosDocuments("foo: bar\n", "1.13")[0]!.message).toMatch(/neither `kind`/);
    expect(validateTalosDocuments("---\n", "1.13")).toEqual([]);
  });
});
