// The object schemas cairn bundles for render-time validation are the project's reference files, byte for byte.
// Fails (never skips) when a reference file is missing.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, SHARED } from "../helpers/shared.js";

const BUNDLED = join(REPO_ROOT, "schema", "kubernetes");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".json") ? [p] : [];
  });
}

/** Bundled path → reference path (talos.dev has no reference file; see schema/kubernetes/SOURCES.md). */
function referenceOf(bundled: string): string | undefined {
  const rel = relative(BUNDLED, bundled);
  if (rel.startsWith("core/v1.32/"))
    return join(SHARED, "reference/k8s-schemas/v1.32", rel.slice("core/v1.32/".length));
  if (rel.startsWith("crds/talos.dev/")) return undefined;
  return join(SHARED, "reference/crd-schemas", rel.slice("crds/".length));
}

describe("schema/kubernetes", () => {
  const all = files(BUNDLED);
  it("holds the schemas of every kind cairn emits", () => {
    expect(all.length).toBe(24);
  });
  it.each(all.map((f) => [relative(BUNDLED, f), f]))("%s equals its reference file", (_rel, f) => {
    const ref = referenceOf(f);
    if (ref === undefined) {
      expect(relative(BUNDLED, f)).toBe("crds/talos.dev/serviceaccount_v1alpha1.json");
      return;
    }
    expect(readFileSync(f, "utf8")).toBe(readFileSync(ref, "utf8"));
  });
});
