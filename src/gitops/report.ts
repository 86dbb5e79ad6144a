// What `cairn render` says about the GitOps tree: every file with the objects in it, the pinned versions, the Talos
// patches the add-ons made, and what the user still has to do (Secrets to create, where to commit the tree).
import type { GitopsTree } from "./tree.js";

export interface GitopsReport {
  /** Where the tree was written. */
  dir: string;
  /** The folder of the Git repository it belongs at. */
  repositoryPath: string;
  files: {
    path: string;
    changed: boolean;
    objects: { apiVersion: string; kind: string; name: string; namespace?: string }[];
  }[];
  objectCount: number;
  versions: { addon: string; component: string; version: string; source: string }[];
  talosPatches: { roles: string[]; reason: string }[];
  inlineManifests: { name: string; objects: number }[];
  notes: string[];
}

export function gitopsReport(
  tree: GitopsTree,
  dir: string,
  written: readonly { path: string; changed: boolean }[],
): GitopsReport {
  const changed = new Map(written.map((w) => [w.path, w.changed]));
  return {
    dir,
    repositoryPath: tree.root,
    files: tree.files.map((f) => ({
      path: f.path,
      changed: changed.get(`${dir}/${f.path}`) ?? changed.get(f.path) ?? false,
      objects: tree.objects
        .filter((o) => o.file === f.path)
        .map(({ object: o }) => ({
          apiVersion: o.apiVersion,
          kind: o.kind,
          name: o.metadata.name,
          ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
        })),
    })),
    objectCount: tree.objects.length,
    versions: tree.addons.versions.flatMap((v) => v.pins.map((p) => ({ addon: v.addon, ...p }))),
    talosPatches: tree.addons.talosPatches.map((p) => ({ roles: [...p.roles], reason: p.reason })),
    inlineManifests: tree.addons.inlineManifests.map((m) => ({ name: m.name, objects: m.objects.length })),
    notes: [...tree.addons.notes],
  };
}
