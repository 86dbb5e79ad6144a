// Where a cluster's files live: `.cairn/<cluster>/` beside the spec unless told otherwise.
import { dirname, join, resolve } from "node:path";

export interface ClusterPaths {
  /** Per-cluster directory, default `.cairn/<cluster>` next to the spec. */
  dir: string;
  secrets: string;
  /** Rendered machine configs: `<dir>/nodes/<node>.yaml`. */
  nodesDir: string;
  talosconfig: string;
  kubeconfig: string;
  /** `<dir>/state.json` (atomic writes, schema version). */
  state: string;
  /** `<dir>/journal.ndjson` (append-only, fsynced). */
  journal: string;
  /** `<dir>/lock` (owner pid and host). */
  lock: string;
  /** Configs the nodes last accepted (`<…>/applied/<node>.yaml`, 0600), for redacted diffs. */
  applied: string;
  /** `<dir>/twin`: the twin's daemon state and a rehearsal's own record. */
  twinDir: string;
}

/** Where cairn keeps a cluster's secrets, configs, credentials and state unless told otherwise. */
export function clusterDir(specFile: string, clusterName: string): string {
  return join(dirname(resolve(specFile)), ".cairn", clusterName);
}

/**
 * The files of a cluster. Secrets, rendered configs and talosconfig are shared by the real cluster and its twin
 * rehearsal (same identity); what records a cluster's life (state, journal, lock, applied configs, fetched
 * kubeconfig) lives under `<dir>/twin/` for the twin, so a rehearsal never touches the real cluster's record.
 */
export function clusterPaths(
  file: string,
  clusterName: string,
  dir?: string,
  simulated = false,
): ClusterPaths {
  const d = resolve(dir ?? clusterDir(file, clusterName));
  const twinDir = join(d, "twin");
  const life = simulated ? twinDir : d;
  return {
    dir: d,
    secrets: join(d, "secrets.yaml"),
    nodesDir: join(d, "nodes"),
    talosconfig: join(d, "talosconfig"),
    kubeconfig: join(life, "kubeconfig"),
    state: join(life, "state.json"),
    journal: join(life, "journal.ndjson"),
    lock: join(life, "lock"),
    applied: join(life, "applied"),
    twinDir,
  };
}
