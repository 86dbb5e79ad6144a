// The cluster state file (`<dir>/state.json`): what cairn knows it has done to the cluster, so plans can be built
// from the spec, this record and live observations. Written atomically (temp + fsync + rename) with a schema
// version; sections owned by other operations are preserved untouched. Secrets never go here: the configs last
// applied to nodes live beside it in `applied/<node>.yaml` (0600), the state keeps only their hash.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CairnError } from "../errors.js";
import { SECRET_FILE_MODE, writeFileAtomic } from "../io/files.js";

export const STATE_SCHEMA_VERSION = 1;

/**
 * Where a node is in its life with cairn:
 * - `pending`: in the spec, nothing done yet (maintenance mode or not provisioned);
 * - `config-applied`: its machine config was accepted (maintenance apply), it is installing/rebooting;
 * - `running`: back in secure mode with cairn's config;
 * - `removing`: reset/removal started; `removed` entries are deleted from the state.
 */
export type NodeStage = "pending" | "config-applied" | "running" | "removing";

export interface NodeState {
  stage: NodeStage;
  role: "controlplane" | "worker";
  /** Dial address when cairn last reached it (so a node that left the spec can still be reset). */
  address?: string;
  /** Hostname in its config (the etcd member name of a control plane). */
  hostname?: string;
  /** sha256 of the machine config text last accepted by the node. */
  appliedConfigHash?: string;
  /** Talos version the node last reported (or was configured with). */
  talosVersion?: string;
  /** Maintenance-mode certificate fingerprint (SPKI SHA-256, base64), pinned once seen. */
  fingerprint?: string;
  /** The apply mode the node chose for the last config change ("no-reboot", "reboot", …). */
  lastApplyMode?: string;
  /**
   * Why a leaving node was removed without a reset (unreachable, --force): the machine was not wiped and still
   * holds the cluster's config, which the steps after the reset say instead of claiming a clean removal.
   */
  notReset?: string;
  updatedAt?: string;
}

export interface BootstrapRecord {
  node: string;
  at: string;
  /** How the record came about: cairn's Bootstrap call, or found already bootstrapped (live etcd members). */
  via: "bootstrap-call" | "observed";
}

export interface CairnState {
  schemaVersion: number;
  cluster: string;
  /** True when the state describes a twin (simulated) cluster. */
  simulated: boolean;
  nodes: Record<string, NodeState>;
  bootstrap: BootstrapRecord | null;
  /**
   * Written (fsynced) just before the Bootstrap call: a run that finds it without a bootstrap record knows the call
   * may have reached the node and waits for etcd before ever calling again.
   */
  bootstrapIntent?: { node: string; at: string } | null;
  /** Each provider's own record (the twin's daemon and slots, …), by provider type. */
  providers?: Record<string, unknown>;
  kubeconfigFetchedAt?: string;
  /** Sections other operations own (upgrade, etcd, …) are carried through unchanged. */
  [section: string]: unknown;
}

export function emptyState(cluster: string, simulated: boolean): CairnState {
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    cluster,
    simulated,
    nodes: {},
    bootstrap: null,
  };
}

/** Reads the state; a missing file is an empty state. A corrupt or newer file is an error, never overwritten. */
export function readState(path: string, cluster: string, simulated: boolean): CairnState {
  if (!existsSync(path)) return emptyState(cluster, simulated);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new CairnError("state", `${path} is not valid JSON: ${(e as Error).message}`, {
      hint: "restore it from a backup; cairn never rewrites a state file it cannot read",
    });
  }
  const s = parsed as Partial<CairnState>;
  if (typeof s !== "object" || s === null || typeof s.schemaVersion !== "number")
    throw new CairnError("state", `${path} has no schemaVersion; it is not a cairn state file`);
  if (s.schemaVersion > STATE_SCHEMA_VERSION)
    throw new CairnError(
      "state",
      `${path} was written by a newer cairn (state schema ${s.schemaVersion}, this cairn knows ${STATE_SCHEMA_VERSION})`,
      { hint: "upgrade cairn" },
    );
  if (s.cluster !== undefined && s.cluster !== cluster)
    throw new CairnError("state", `${path} belongs to cluster "${s.cluster}", not "${cluster}"`, {
      hint: "pass --dir to use another state directory",
    });
  if (s.simulated !== undefined && s.simulated !== simulated)
    throw new CairnError(
      "state",
      s.simulated
        ? `${path} records a twin (simulated) rehearsal; refusing to use it for the real cluster`
        : `${path} records the real cluster; refusing to use it for a twin rehearsal`,
      { hint: "pass --dir to keep rehearsal and real state apart (the default does this by itself)" },
    );
  return {
    ...emptyState(cluster, simulated),
    ...s,
    nodes: { ...(s.nodes ?? {}) },
  } as CairnState;
}

export function writeState(path: string, state: CairnState): void {
  writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`, { mode: SECRET_FILE_MODE });
}

/**
 * Read-modify-write in one synchronous step, so concurrent handlers in one process never lose each other's
 * updates (other processes are kept out by the lock).
 */
export function updateState(
  path: string,
  cluster: string,
  simulated: boolean,
  mutate: (s: CairnState) => void,
): CairnState {
  const s = readState(path, cluster, simulated);
  mutate(s);
  writeState(path, s);
  return s;
}

export function configHash(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

/** `<appliedDir>/<node>.yaml`: the exact config the node last accepted (secret, 0600), for redacted diffs. */
export function appliedConfigPath(appliedDir: string, node: string): string {
  return join(appliedDir, `${node}.yaml`);
}

export function readAppliedConfig(appliedDir: string, node: string): string | undefined {
  const p = appliedConfigPath(appliedDir, node);
  return existsSync(p) ? readFileSync(p, "utf8") : undefined;
}

export function writeAppliedConfig(appliedDir: string, node: string, text: string): void {
  writeFileAtomic(appliedConfigPath(appliedDir, node), text, { mode: SECRET_FILE_MODE });
}
