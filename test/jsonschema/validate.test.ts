// cairn's render-time schema interpreter against ajv (the oracle) on the reference schemas: both accept every
// object the examples emit, and both agree on thousands of broken variants of them (unknown fields, wrong types,
// missing required fields, bad enum values), so the interpreter cannot accept what the schemas refuse.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSpecFile } from "../../src/clusterspec/load.js";
import { gitopsTree } from "../../src/gitops/index.js";
import { renderAddons } from "../../src/addons/index.js";
import { validateObject } from "../../src/jsonschema/kubernetes.js";
import { validateJson } from "../../src/jsonschema/validate.js";
import { oracle } from "../helpers/k8s-schemas.js";
import { REPO_ROOT } from "../helpers/shared.js";
import type { K8sObject } from "../../src/addons/types.js";

function emitted(): K8sObject[] {
  const out: K8sObject[] = [];
  for (const f of readdirSync(join(REPO_ROOT, "examples")).filter((x) => x.endsWith(".yaml"))) {
    const m = loadSpecFile(join(REPO_ROOT, "examples", f)).model!;
    out.push(
      ...gitopsTree(m).objects.map((o) => o.object),
      ...renderAddons(m).inlineManifests.flatMap((x) => x.objects),
    );
  }
  return out.filter((o) => o.apiVersion !== "talos.dev/v1alpha1");
}

type Path = (string | number)[];
/** Every path to a value under `spec`-like content (not apiVersion/kind/metadata, which cairn checks itself). */
function paths(v: unknown, at: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push([...at, i], ...paths(x, [...at, i])));
  else if (v && typeof v === "object")
    for (const [k, x] of Object.entries(v)) {
      if (at.length === 0 && ["apiVersion", "kind", "metadata"].includes(k)) continue;
      out.push([...at, k], ...paths(x, [...at, k]));
    }
  return out;
}

function mutate(obj: K8sObject, path: Path, how: number): K8sObject {
  const copy = structuredClone(obj) as Record<string, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  const value = parent[last];
  if (how === 0) {
    // An unknown field beside the value (or inside it when it is an object).
    if (value && typeof value === "object" && !Array.isArray(value))
      (value as Record<string, unknown>).bogusField = 1;
    else if (typeof last === "string") parent.bogusSibling = "x";
  } else if (how === 1) parent[last] = typeof value === "string" ? 42 : "not-the-right-type";
  else if (how === 2) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else if (how === 3) parent[last] = typeof value === "string" ? "Bogus-Value!" : [];
  return copy as K8sObject;
}

describe("the render-time schema interpreter", () => {
  const objects = emitted();

  it("accepts every object the examples emit, as ajv does", () => {
    expect(objects.length).toBeGreaterThan(50);
    for (const o of objects) {
      expect(oracle(o).errors, `${o.kind} ${o.metadata.name}`).toEqual([]);
      expect(validateObject(o), `${o.kind} ${o.metadata.name}`).toEqual([]);
    }
  });

  it("agrees with ajv on broken variants of them", () => {
    let checked = 0;
    let refused = 0;
    const seen = new Set<string>();
    for (const o of objects) {
      const key = `${o.apiVersion}/${o.kind}/${o.metadata.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const ps = paths(o);
      // Every path of small objects; a spread sample of big ones (the bootstrap Job, DaemonSets, HelmReleases).
      const step = Math.max(1, Math.floor(ps.length / 60));
      for (let i = 0; i < ps.length; i += step)
        for (let how = 0; how < 4; how++) {
          const broken = mutate(o, ps[i]!, how);
          const ajvOk = oracle(broken).errors.length === 0;
          const ours = validateObject(broken).length === 0;
          expect(ours, `${key} ${how} at /${ps[i]!.join("/")}: ajv says ${ajvOk ? "valid" : "invalid"}`).toBe(
            ajvOk,
          );
          checked++;
          if (!ajvOk) refused++;
        }
    }
    console.log(`interpreter and ajv agreed on ${checked} variants (${refused} refused by both)`);
    // Not vacuous: most breakages are refusals.
    expect(refused).toBeGreaterThan(checked / 3);
  });

  it("handles the keywords Kubernetes schemas use", () => {
    const s = {
      type: "object",
      required: ["a"],
      additionalProperties: false,
      properties: {
        a: { type: ["string", "null"], pattern: "^x", maxLength: 3 },
        b: { oneOf: [{ type: "string" }, { type: "integer" }] },
        c: { type: "array", items: { enum: ["p", "q"] }, maxItems: 2 },
        d: { type: "integer", minimum: 1, maximum: 9 },
        e: { anyOf: [{ type: "boolean" }, { type: "object", properties: { f: { type: "string" } } }] },
      },
    };
    expect(validateJson(s, { a: "xy" })).toEqual([]);
    expect(validateJson(s, { a: null, b: 3, c: ["p"], d: 9, e: { f: "" } })).toEqual([]);
    expect(validateJson(s, {}).map((e) => e.message)).toEqual(['must have required field "a"']);
    expect(validateJson(s, { a: "yy" }).map((e) => e.path)).toEqual(["/a"]);
    expect(validateJson(s, { a: "xyzw" }).length).toBe(1);
    expect(validateJson(s, { a: "x", b: 1.5 }).length).toBe(1);
    expect(validateJson(s, { a: "x", c: ["p", "r", "q"] }).length).toBe(2);
    expect(validateJson(s, { a: "x", d: 0 }).length).toBe(1);
    expect(validateJson(s, { a: "x", z: 1 })).toEqual([{ path: "/z", message: 'unknown field "z"' }]);
    expect(validateJson(s, { a: "x", e: 1 }).length).toBe(1);
  });

  it("refuses kinds it has no schema for, and envelope mistakes the CRD schemas leave open", () => {
    expect(validateObject({ apiVersion: "example.com/v1", kind: "Widget" })[0]!.message).toMatch(/no schema/);
    const pool = {
      apiVersion: "cilium.io/v2",
      kind: "CiliumLoadBalancerIPPool",
      metadata: { name: "p" },
      spec: {},
    };
    expect(validateObject(pool)).toEqual([]);
    expect(validateObject({ ...pool, metadata: { name: "Not_A_Name" } })[0]!.path).toBe("/metadata/name");
    expect(validateObject({ ...pool, extra: 1 })[0]!.message).toBe('unknown field "extra"');
    expect(validateObject({ ...pool, metadata: { name: "p", labels: { a: 1 } } })[0]!.path).toBe(
      "/metadata/labels",
    );
  });
});
