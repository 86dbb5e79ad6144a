// The add-ons as one: checks for `cairn validate`, and the pure render every caller shares (the GitOps tree and the
// nodes' Talos patches come from the same render, computed once per model). Entry points for synthesis:
//   checkAddons(spec)            findings, located by the spec loader
//   renderAddons(ctx)            every enabled add-on's output, inline manifests built and schema-checked
//   addonTalosPatches(ctx, node) the strategic-merge patches one node's machine config gets (before user patches)
import { CairnError } from "../errors.js";
import type { Finding } from "../findings.js";
import { validateObject } from "../jsonschema/kubernetes.js";
import { bootstrapManifest } from "./bootstrap.js";
import { toYamlDocuments } from "./manifest-yaml.js";
import { pendingSectionFindings } from "./pending-sections.js";
import { ADDONS } from "./registry.js";
import type {
  AddonContext,
  AddonOutput,
  AddonSpecView,
  InlineManifest,
  PinnedVersion,
  Role,
  TalosPatch,
} from "./types.js";

export interface RenderedAddons {
  /** Enabled add-ons in registry order, with what each rendered. */
  outputs: { addon: string; output: AddonOutput }[];
  /** What Talos applies on the control planes at bootstrap: the bootstrap Job first, then the add-ons' own. */
  inlineManifests: InlineManifest[];
  talosPatches: TalosPatch[];
  notes: string[];
  versions: { addon: string; pins: PinnedVersion[] }[];
}

export function checkAddons(spec: AddonSpecView): Finding[] {
  return [
    ...pendingSectionFindings(spec.addons as Record<string, unknown>),
    ...ADDONS.flatMap((a) => a.check(spec)),
  ];
}

const rendered = new WeakMap<object, RenderedAddons>();

/** Pure, and memoized per context object: rendering a 1,000-node cluster asks once per node. */
export function renderAddons(ctx: AddonContext): RenderedAddons {
  const hit = rendered.get(ctx);
  if (hit) return hit;
  const enabled = ADDONS.filter((a) => a.enabled(ctx.spec));
  const outputs = enabled.map((a) => ({ addon: a.name, output: a.render(ctx) }));
  const all = outputs.map((o) => o.output);
  const bootstrap = bootstrapManifest(all.flatMap((o) => o.bootstrap));
  const inlineManifests = [...(bootstrap ? [bootstrap] : []), ...all.flatMap((o) => o.inlineManifests)];
  for (const m of inlineManifests)
    for (const obj of m.objects) {
      const errors = validateObject(obj);
      if (errors.length)
        throw new CairnError(
          "internal",
          `inline manifest ${m.name}: ${obj.kind} ${obj.metadata.name} is not valid: ${errors
            .slice(0, 5)
            .map((e) => `${e.path || "/"} ${e.message}`)
            .join("; ")}`,
          { exitCode: 70, hint: "this is a bug in cairn; please report it with your cairn.yaml" },
        );
    }
  const result: RenderedAddons = {
    outputs,
    inlineManifests,
    talosPatches: all.flatMap((o) => o.talosPatches),
    notes: all.flatMap((o) => o.notes),
    versions: enabled.map((a) => ({ addon: a.name, pins: a.versions(ctx.spec) })),
  };
  rendered.set(ctx, result);
  return result;
}

const encoded = new WeakMap<RenderedAddons, { name: string; contents: string }[]>();

/** The inline manifests as Talos holds them (name, YAML text), encoded once per render. */
function inlineManifestEntries(r: RenderedAddons): { name: string; contents: string }[] {
  let e = encoded.get(r);
  if (!e) {
    e = r.inlineManifests.map((m) => ({ name: m.name, contents: toYamlDocuments(m.objects) }));
    encoded.set(r, e);
  }
  return e;
}

/**
 * The Talos patches for one node, in order: the add-ons' strategic-merge patches for its role, then (control
 * planes only) the inline manifests as cluster.inlineManifests (contracts ≤ 1.13; 1.14 moves them to
 * KubeInlineManifestConfig documents). The contents start with the first document: Talos strips a leading
 * newline from inline manifests when it reads a config, so cairn writes what Talos would keep.
 */
export function addonTalosPatches(ctx: AddonContext, node: { role: Role }): Record<string, unknown>[] {
  const r = renderAddons(ctx);
  const patches = r.talosPatches.filter((p) => p.roles.includes(node.role)).map((p) => p.patch);
  if (node.role === "controlplane" && r.inlineManifests.length)
    patches.push({ cluster: { inlineManifests: inlineManifestEntries(r).map((m) => ({ ...m })) } });
  return patches;
}

export { ADDONS } from "./registry.js";
export type { Addon, AddonContext, AddonOutput, AddonSpecView } from "./types.js";
