import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { knownKinds, validateTalosDocuments } from "../../src/talos/config/validate.js";
import type { Contract } from "../../src/talos/versions.js";
import { TALOS_GOLDEN } from "../helpers/shared.js";

const CONTRACTS: Contract[] = ["1.9", "1.10", "1.11", "1.12", "1.13"];

describe("validateTalosDocuments", () => {
  for (const contract of CONTRACTS) {
    for (const flavour of ["base", "overrides"]) {
      for (const type of ["controlplane", "worker"]) {
        const file = `${TALOS_GOLDEN}v${contract}/${flavour}-${type}.yaml`;
        let text: string;
        try {
          text = readFileSync(file, "utf8");
        } catch {
          continue;
        }
        it(`accepts golden v${contract}/${flavour}-${type}`, () => {
          expect(validateTalosDocuments(text, contract)).toEqual([]);
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
