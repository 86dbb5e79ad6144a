// The add-on registry: uniform folders, one registry line each, their sections composed into `addons:`, and the
// layer rule (add-ons never import the cluster spec, render, ops, cli or gitops).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ADDONS } from "../../src/addons/registry.js";
import { addonsSchema } from "../../src/addons/schema.js";
import { pendingSections } from "../../src/addons/pending-sections.js";
import { REPO_ROOT } from "../helpers/shared.js";

const ROOT = join(REPO_ROOT, "src", "addons");
const FOLDERS = readdirSync(ROOT)
  .filter((f) => statSync(join(ROOT, f)).isDirectory())
  .sort();
const FILES = ["checks.ts", "index.ts", "render.ts", "schema.ts", "versions.ts"];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

describe("src/addons", () => {
  it.each(FOLDERS)("%s has the same files as its siblings", (folder) => {
    expect(readdirSync(join(ROOT, folder)).sort()).toEqual(FILES);
  });

  it("registers every folder exactly once", () => {
    expect(ADDONS.map((a) => a.name).sort()).toEqual(FOLDERS);
  });

  it("composes every add-on's section, the shared ones and the pending ones into addons:", () => {
    const owned = ADDONS.flatMap((a) => Object.keys(a.sections));
    expect(new Set(owned).size).toBe(owned.length);
    expect(Object.keys(addonsSchema.shape).sort()).toEqual(
      [...owned, "loadBalancer", "ingress", ...Object.keys(pendingSections)].sort(),
    );
  });

  it("imports nothing from the layers above it", () => {
    for (const file of sources(ROOT)) {
      const imports = [...readFileSync(file, "utf8").matchAll(/from "([^"]+)"/g)].map((m) => m[1]!);
      for (const i of imports)
        expect(i, `${file} imports ${i}`).not.toMatch(/\/(clusterspec|render|ops|cli|gitops|engine|twin)\//);
    }
  });
});
