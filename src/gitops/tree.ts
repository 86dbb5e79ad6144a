// The GitOps tree: the add-ons' output as files (path → text) for Flux, committed by the user at the spec's path in
// their repository. Plain YAML with kustomization.yaml files a real kustomize builds:
//
//   kustomization.yaml        flux-system/ and layers.yaml
//   flux-system/              Flux itself (flux-manifests OCI source) and the sync for this repository
//   layers.yaml               Flux Kustomizations crds → controllers → configs → tenants, each waiting for the last
//   crds/<addon>.yaml         CRDs that must exist before controllers start (Gateway API)
//   controllers/<addon>/      namespaces, chart sources, HelmReleases (with dependsOn) and the add-on's workloads
//   configs/<addon>/          what the controllers act on: pools, announcements, issuers, gateways, backups
//   tenants/                  filled by the tenants add-on (empty for now)
//
// Pure and deterministic: files and documents come in a fixed order with fixed key order. Every object is checked
// against the bundled schemas before it is returned; an invalid one is a bug in cairn, not in the spec.
import { renderAddons, type RenderedAddons } from "../addons/index.js";
import { fluxOf, gitopsPath } from "../addons/flux/render.js";
import { toYaml, toYamlDocuments } from "../addons/manifest-yaml.js";
import { LAYERS, type AddonContext, type ChartRelease, type K8sObject } from "../addons/types.js";
import { CairnError } from "../errors.js";
import { validateObject } from "../jsonschema/kubernetes.js";
import { chartSource, helmRelease, layerKustomizations } from "./flux-objects.js";

export interface GitopsFile {
  /** Relative to the tree's root (<out>/gitops). */
  path: string;
  content: string;
}

export interface TreeObject {
  file: string;
  /** The add-on that rendered it, or "gitops" for the tree's own Flux objects. */
  addon: string;
  object: K8sObject;
}

export interface GitopsTree {
  /** The folder in the Git repository the tree belongs at (Flux paths are relative to the repository root). */
  root: string;
  files: GitopsFile[];
  objects: TreeObject[];
  /** Folders holding a kustomization.yaml, "" for the root. */
  kustomizations: string[];
  addons: RenderedAddons;
}

const kustomization = (resources: string[]) =>
  toYaml({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources });

const plural = (kind: string) => {
  const k = kind.toLowerCase();
  return /[^aeiou]y$/.test(k) ? `${k.slice(0, -1)}ies` : k.endsWith("s") ? `${k}es` : `${k}s`;
};

/** The file an object goes to inside its add-on's folder. */
function fileFor(obj: K8sObject): string {
  if (obj.kind === "Namespace") return "namespace.yaml";
  if (obj.kind === "OCIRepository" || obj.kind === "HelmRepository") return "sources.yaml";
  if (obj.kind === "HelmRelease") return "releases.yaml";
  return `${plural(obj.kind)}.yaml`;
}

/** Files in the order objects should be read: namespaces, sources, releases, then the rest by name. */
const fileOrder = (f: string) =>
  f === "namespace.yaml" ? "0" : f === "sources.yaml" ? "1" : f === "releases.yaml" ? "2" : `3${f}`;

const trees = new WeakMap<object, GitopsTree>();

export function gitopsTree(ctx: AddonContext): GitopsTree {
  const hit = trees.get(ctx);
  if (hit) return hit;
  const addons = renderAddons(ctx);
  const spec = ctx.spec;
  if (!addons.outputs.length) {
    // No add-on (flannel, nothing else): no tree; a tree written earlier is removed by the writer.
    const empty: GitopsTree = { root: gitopsPath(spec), files: [], objects: [], kustomizations: [], addons };
    trees.set(ctx, empty);
    return empty;
  }
  const root = gitopsPath(spec);
  const { release: flux } = fluxOf(spec);
  const files: GitopsFile[] = [];
  const objects: TreeObject[] = [];
  const kustomizations: string[] = [];
  const allReleases: ChartRelease[] = addons.outputs.flatMap((o) => o.output.releases);

  const addFile = (path: string, addon: string, objs: K8sObject[]) => {
    files.push({ path, content: toYamlDocuments(objs) });
    for (const object of objs) objects.push({ file: path, addon, object });
  };
  const addKustomization = (dir: string, resources: string[]) => {
    files.push({
      path: dir ? `${dir}/kustomization.yaml` : "kustomization.yaml",
      content: kustomization(resources),
    });
    kustomizations.push(dir);
  };

  // flux-system: Flux's own source and the sync of this repository (only with addons.gitops).
  const fluxObjects = addons.outputs.flatMap((o) =>
    o.output.objects.filter((x) => x.layer === "flux-system").map((x) => x.object),
  );
  const rootResources: string[] = [];
  if (fluxObjects.length) {
    const sync = fluxObjects.filter((o) => o.metadata.name === "flux-system");
    const components = fluxObjects.filter((o) => o.metadata.name !== "flux-system");
    addFile("flux-system/components.yaml", "flux", components);
    addFile("flux-system/sync.yaml", "flux", sync);
    addKustomization("flux-system", ["components.yaml", "sync.yaml"]);
    rootResources.push("flux-system");
  }
  addFile("layers.yaml", "gitops", layerKustomizations(root, LAYERS));
  rootResources.push("layers.yaml");
  addKustomization("", rootResources);

  // crds: one file per add-on.
  const crdFiles: string[] = [];
  for (const { addon, output } of addons.outputs) {
    const objs = output.objects.filter((x) => x.layer === "crds").map((x) => x.object);
    if (!objs.length) continue;
    addFile(`crds/${addon}.yaml`, addon, objs);
    crdFiles.push(`${addon}.yaml`);
  }
  addKustomization("crds", crdFiles);

  // controllers and configs: one folder per add-on, one file per kind.
  for (const layer of ["controllers", "configs"] as const) {
    const dirs: string[] = [];
    for (const { addon, output } of addons.outputs) {
      const objs = output.objects.filter((x) => x.layer === layer).map((x) => x.object);
      if (layer === "controllers")
        for (const r of output.releases)
          objs.push(chartSource(r, flux.ociRepositoryApiVersion), helmRelease(r, allReleases));
      if (!objs.length) continue;
      const byFile = new Map<string, K8sObject[]>();
      for (const o of objs) byFile.set(fileFor(o), [...(byFile.get(fileFor(o)) ?? []), o]);
      const names = [...byFile.keys()].sort((a, b) => (fileOrder(a) < fileOrder(b) ? -1 : 1));
      for (const f of names) addFile(`${layer}/${addon}/${f}`, addon, byFile.get(f)!);
      addKustomization(`${layer}/${addon}`, names);
      dirs.push(addon);
    }
    addKustomization(layer, dirs);
  }
  addKustomization("tenants", []);

  for (const o of objects) {
    const errors = validateObject(o.object);
    if (errors.length)
      throw new CairnError(
        "internal",
        `gitops/${o.file}: ${o.object.kind} ${o.object.metadata.name} is not valid: ${errors
          .slice(0, 5)
          .map((e) => `${e.path || "/"} ${e.message}`)
          .join("; ")}`,
        { exitCode: 70, hint: "this is a bug in cairn; please report it with your cairn.yaml" },
      );
  }
  const tree: GitopsTree = { root, files, objects, kustomizations, addons };
  trees.set(ctx, tree);
  return tree;
}

/** The tree's files (path relative to <out>/gitops → text). */
export function gitopsFiles(ctx: AddonContext): GitopsFile[] {
  return gitopsTree(ctx).files;
}
