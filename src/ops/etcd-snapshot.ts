// etcd snapshots through the Talos API: streamed to a 0600 temp file, fsynced, checked, then renamed into place, so
// a half-written snapshot never carries the final name. The check: `etcdctl snapshot status` when etcdctl exists;
// before it, always, the structural proof that the file is a whole etcd bbolt database and the SHA-256 etcd appends.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { promisify } from "node:util";
import { CairnError, UserError } from "../errors.js";
import type { TalosClient } from "../talos/api/client.js";
import type { ClusterAccess } from "./access.js";
import { checkSnapshotStructure, type SnapshotStructure } from "./etcd-restore/snapshot-check.js";
import { observeEtcd } from "./observe.js";
import { brief } from "./support.js";

const execFileP = promisify(execFile);

export interface SnapshotCheck {
  ok: boolean;
  method: "etcdctl" | "builtin";
  size: number;
  sha256: string;
  /** etcd's SHA-256 trailer: present and matching, present and wrong, or absent (a db file copied from a data dir). */
  hash: SnapshotHash;
  /** From etcdctl snapshot status. */
  revision?: number;
  totalKeys?: number;
  /** Why it failed. */
  problem?: string;
}

export type SnapshotHash = "matches" | "mismatch" | "absent";

export interface SnapshotResult extends SnapshotCheck {
  file: string;
  node: string;
}

/**
 * Checks a snapshot's bytes: the structural proof that it is a whole etcd bbolt database (never skipped), then
 * etcd's SHA-256 trailer — required and matching unless `skipHashCheck` (a db file copied from a data dir has none).
 */
export function checkSnapshotBytes(
  data: Buffer,
  options: { skipHashCheck?: boolean } = {},
): { ok: boolean; problem?: string; hash: SnapshotHash; structure: SnapshotStructure } {
  const structure = checkSnapshotStructure(data);
  const hash: SnapshotHash = !structure.hashTrailer
    ? "absent"
    : structure.hashMatches === false
      ? "mismatch"
      : structure.ok
        ? "matches"
        : "absent";
  if (!structure.ok)
    return { ok: false, problem: `not a usable etcd database: ${structure.problem}`, hash, structure };
  if (options.skipHashCheck) return { ok: true, hash, structure };
  if (hash === "mismatch")
    return {
      ok: false,
      problem: "the SHA-256 etcd appended does not match the data (the file is corrupt)",
      hash,
      structure,
    };
  if (hash === "absent")
    return {
      ok: false,
      problem:
        "it has no SHA-256 trailer, so its integrity cannot be verified (a database file, not a snapshot taken through etcd's snapshot API)",
      hash,
      structure,
    };
  return { ok: true, hash, structure };
}

/** `etcdctl snapshot status -w json`, or undefined when etcdctl is not installed. */
async function etcdctlStatus(
  file: string,
): Promise<{ hash: number; revision: number; totalKey: number; totalSize: number } | undefined> {
  try {
    const r = await execFileP(
      process.env.CAIRN_ETCDCTL ?? "etcdctl",
      ["snapshot", "status", file, "-w", "json"],
      {
        env: { ...process.env, ETCDCTL_API: "3" },
        timeout: 60_000,
      },
    );
    return JSON.parse(r.stdout) as { hash: number; revision: number; totalKey: number; totalSize: number };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CairnError(
      "etcd-snapshot",
      `etcdctl snapshot status rejected ${file}: ${((e as { stderr?: string }).stderr ?? brief(e)).trim()}`,
    );
  }
}

export async function checkSnapshotFile(
  file: string,
  options: { etcdctl?: boolean; skipHashCheck?: boolean } = {},
): Promise<SnapshotCheck> {
  const data = readFileSync(file);
  const sha256 = createHash("sha256").update(data).digest("hex");
  const builtin = checkSnapshotBytes(data, options.skipHashCheck ? { skipHashCheck: true } : {});
  const base = { size: data.length, sha256, hash: builtin.hash };
  if (!builtin.ok) return { ok: false, method: "builtin", ...base, problem: builtin.problem! };
  if (options.etcdctl !== false) {
    try {
      const s = await etcdctlStatus(file);
      if (s) return { ok: true, method: "etcdctl", ...base, revision: s.revision, totalKeys: s.totalKey };
    } catch (e) {
      return { ok: false, method: "etcdctl", ...base, problem: brief(e) };
    }
  }
  return { ok: true, method: "builtin", ...base };
}

/** Streams a snapshot from `client` (one node) into `file` (0600, fsynced, atomic rename). Returns the byte count. */
async function streamSnapshot(client: TalosClient, file: string, signal?: AbortSignal): Promise<number> {
  const tmp = `${file}.part-${process.pid}`;
  const fd = openSync(tmp, "w", 0o600);
  let bytes = 0;
  try {
    for await (const chunk of client.etcdSnapshot(undefined, signal)) {
      writeSync(fd, chunk);
      bytes += chunk.length;
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
  return bytes;
}

/** Picks a control plane whose etcd member is healthy (not the leader when another is healthy: less load on it). */
async function pickSnapshotNode(access: ClusterAccess, node?: string): Promise<string> {
  const cps = access.model.nodes.filter((n) => n.role === "controlplane").map((n) => n.name);
  if (node) {
    if (!cps.includes(node))
      throw new UserError(`${node} is not a control plane of ${access.model.name}`, {
        hint: `control planes: ${cps.join(", ")}`,
      });
    return node;
  }
  const etcd = await observeEtcd(access);
  const healthy = cps.filter((cp) => {
    const s = etcd.status[cp];
    return s && !("error" in s) && s.errors.length === 0 && s.leader !== "0";
  });
  if (!healthy.length)
    throw new CairnError(
      "etcd-unhealthy",
      "no control plane has a healthy etcd member to take a snapshot from",
      {
        hint: Object.entries(etcd.status)
          .map(([n, s]) => `${n}: ${"error" in s ? s.error : s.errors.join("; ") || "no leader"}`)
          .join("; "),
      },
    );
  const follower = healthy.find((cp) => {
    const s = etcd.status[cp] as { memberId: string; leader: string };
    return s.memberId !== s.leader;
  });
  return follower ?? healthy[0]!;
}

export async function snapshotEtcd(
  access: ClusterAccess,
  file: string,
  options: { node?: string; signal?: AbortSignal; etcdctl?: boolean } = {},
): Promise<SnapshotResult> {
  const node = await pickSnapshotNode(access, options.node);
  const client = await access.nodeClient(node);
  try {
    await streamSnapshot(client, file, options.signal);
  } finally {
    client.close();
  }
  const check = await checkSnapshotFile(file, options.etcdctl === false ? { etcdctl: false } : {});
  if (!check.ok)
    throw new CairnError(
      "etcd-snapshot",
      `the snapshot from ${node} failed its integrity check: ${check.problem}`,
      {
        hint: `the file was kept at ${file} for inspection; do not restore from it`,
      },
    );
  return { ...check, file, node };
}
