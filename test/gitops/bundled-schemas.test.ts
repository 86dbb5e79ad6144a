// The object schemas cairn bundles for render-time validation are the project's reference files, byte for byte.
// Fails (never skips) when a reference file is missing.
import { createHash } from "node:crypto";
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

/**
 * Kinds the reference set lacks, copied verbatim from datreeio/CRDs-catalog @ 7b1e26ef (the commit the reference
 * set was taken from): pinned by sha256, as SOURCES.md lists them.
 */
const UPSTREAM_SHA256: Record<string, string> = {
  "crds/operator.knative.dev/knativeserving_v1beta1.json":
    "9c724c5fff47cb3260d99881735c273d75c86b08162e94eaa53ce4afba8c786d",
  "crds/operator.knative.dev/knativeeventing_v1beta1.json":
    "62a60f514a94cffe115195f2ec2535933c3d432dfe08bedf7d3a377e61b8c2ec",
  "crds/external-secrets.io/clustersecretstore_v1.json":
    "16e90a36e579ee89cd69ca22ca247e68379fe127dc8939d364a15d6a21de0d52",
  "crds/pkg.crossplane.io/provider_v1.json":
    "c1723590bfad7229a78bb73ca9669713e1079fc842adb438b82831ba7b5f9450",
};

/** Bundled path → reference path (talos.dev has no reference file; see schema/kubernetes/SOURCES.md). */
function referenceOf(bundled: string): string | undefined {
  const rel = relative(BUNDLED, bundled);
  if (UPSTREAM_SHA256[rel]) return undefined;
  if (rel.startsWith("core/v1.32/"))
    return join(SHARED, "reference/k8s-schemas/v1.32", rel.slice("core/v1.32/".length));
  if (rel.startsWith("crds/talos.dev/")) return undefined;
  return join(SHARED, "reference/crd-schemas", rel.slice("crds/".length));
}

describe("schema/kubernetes", () => {
  const all = files(BUNDLED);
  it("holds the schemas of every kind cairn emits", () => {
    expect(all.length).toBe(37);
  });
  it.each(all.map((f) => [relative(BUNDLED, f), f]))("%s equals its reference file", (_rel, f) => {
    const ref = referenceOf(f);
    const pinned = UPSTREAM_SHA256[relative(BUNDLED, f)];
    if (pinned) {
      expect(createHash("sha256").update(readFileSync(f)).digest("hex")).toBe(pinned);
      return;
    }
    if (ref === undefined) {
      expect(relative(BUNDLED, f)).toBe("crds/talos.dev/serviceaccount_v1alpha1.json");
      return;
    }
    expect(readFileSync(f, "utf8")).toBe(readFileSync(ref, "utf8"));
  });
});
