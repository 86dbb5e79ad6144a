// An artefact: one file cairn produces for a cluster, as a value. Synthesis (src/render) returns artefacts; only the writer
// (src/io/writer.ts) puts them on disk, and only commands that change things call it.

export type ArtefactKind = "secrets" | "machineconfig" | "talosconfig" | "kubeconfig" | "gitops";

export interface Artefact {
  /** Path relative to the output directory, "/"-separated: "nodes/cp-1.yaml". */
  path: string;
  /** The file's bytes, as UTF-8 text (every artefact cairn makes is text). */
  content: string;
  /** File mode; 0600 for everything that holds a key, token or certificate. */
  mode: number;
  /** Holds secret material: never printed, never logged, 0600. */
  sensitive: boolean;
  kind: ArtefactKind;
  node?: string;
  /** Why it is new, for the report ("new cluster secrets", "client certificate valid until …"). */
  note?: string;
  /**
   * The file must not exist yet (a new cluster identity): the writer refuses to replace one that appeared since
   * it was planned, instead of silently switching identities.
   */
  createOnly?: boolean;
}

export const SECRET_MODE = 0o600;

/** The order the writer puts artefacts down in: secrets first, so configs never exist without the secrets they came from. */
export const WRITE_ORDER: readonly ArtefactKind[] = [
  "secrets",
  "machineconfig",
  "talosconfig",
  "kubeconfig",
  "gitops",
];

export function nodeConfigPath(node: string): string {
  return `nodes/${node}.yaml`;
}

/**
 * Folders cairn owns entirely: after a write they hold exactly the artefacts given for them, so a file an earlier
 * render wrote there and the spec no longer gives is removed (the GitOps tree after an add-on left the spec).
 */
export const OWNED_TREES: readonly string[] = ["gitops"];
