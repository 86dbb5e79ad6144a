// Real etcd members for the twin's control planes: one `etcd` process per bootstrapped control plane, listening on
// the node's own loopback address. Cluster operations go through etcd 3.4's grpc-gateway (JSON over HTTP on the
// client port) so the twin needs no etcd client library; snapshots and restores use etcdctl, whose output is the
// real thing `etcdctl snapshot status` checks.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, closeSync, rmSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { CairnError } from "../errors.js";

const execFileP = promisify(execFile);

const ETCD_BIN = process.env.CAIRN_TWIN_ETCD ?? "etcd";
const ETCDCTL_BIN = process.env.CAIRN_TWIN_ETCDCTL ?? "etcdctl";

export interface EtcdMemberInfo {
  /** uint64 member ID as a decimal string (JSON cannot hold it as a number). */
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface EtcdStatusInfo {
  version: string;
  dbSize: number;
  dbSizeInUse: number;
  leader: string;
  raftIndex: string;
  raftTerm: string;
  raftAppliedIndex: string;
  errors: string[];
  isLearner: boolean;
  memberId: string;
}

export const clientUrl = (address: string): string => `http://${address}:2379`;
export const peerUrl = (address: string): string => `http://${address}:2380`;

export function hasEtcdData(dataDir: string): boolean {
  return existsSync(dataDir) && readdirSync(dataDir).length > 0;
}

/** A running etcd member process bound to one loopback address. */
export class EtcdProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  stopped = false;

  readonly name: string;
  readonly address: string;
  readonly dataDir: string;
  readonly logFile: string;

  constructor(name: string, address: string, dataDir: string, logFile: string) {
    this.name = name;
    this.address = address;
    this.dataDir = dataDir;
    this.logFile = logFile;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Starts the member. `initialCluster` is only used when the data dir is empty (a new or joining member);
   * etcd ignores it once it has a WAL, which is how members survive reboots and upgrades.
   */
  start(initialCluster: string, state: "new" | "existing"): void {
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    const log = openSync(this.logFile, "a");
    // The member's name is the node's hostname from its config (as in Talos), which the initial cluster lists
    // against this member's peer URL; the slot name only when the entry is not there.
    const own = initialCluster
      .split(",")
      .find((e) => e.endsWith(`=${peerUrl(this.address)}`))
      ?.split("=")[0];
    const args = [
      "--name",
      own || this.name,
      "--data-dir",
      this.dataDir,
      "--listen-client-urls",
      clientUrl(this.address),
      "--advertise-client-urls",
      clientUrl(this.address),
      "--listen-peer-urls",
      peerUrl(this.address),
      "--initial-advertise-peer-urls",
      peerUrl(this.address),
      "--initial-cluster",
      initialCluster,
      "--initial-cluster-state",
      state,
      "--initial-cluster-token",
      "twin",
      // Small, fast and quiet: the twin runs many members on a shared machine.
      "--heartbeat-interval",
      "100",
      "--election-timeout",
      "1000",
      // Talos adds members back to back; etcd's 5 s "recently started" guard would stall every join.
      "--strict-reconfig-check=false",
      "--snapshot-count",
      "10000",
      "--logger",
      "zap",
      "--log-outputs",
      "stderr",
      "--log-level",
      "warn",
    ];
    // Same process group as the twin so `twin down` can reap every member with one group kill.
    const child = spawn(ETCD_BIN, args, { stdio: ["ignore", log, log] });
    closeSync(log);
    this.stopped = false;
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.once("error", () => resolve());
    });
  }

  /** Graceful stop (SIGTERM), escalating to SIGKILL. */
  async stop(timeoutMs = 5000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.stopped = true;
    if (child.signalCode === null) child.kill("SIGCONT");
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Crash: the member dies without a word to its peers. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.stopped = true;
    child.kill("SIGKILL");
    await this.exited;
  }

  /** Network partition: the process freezes, so peers see it vanish and it catches up when thawed. */
  freeze(): void {
    if (this.running) this.child?.kill("SIGSTOP");
  }

  thaw(): void {
    if (this.running) this.child?.kill("SIGCONT");
  }

  /** Last-resort synchronous kill for process exit handlers. */
  killSync(): void {
    if (this.running) {
      try {
        this.child?.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  wipe(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

async function gateway<T>(address: string, path: string, body: unknown, timeoutMs = 5000): Promise<T> {
  const res = await fetch(`${clientUrl(address)}/v3/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new CairnError("twin-etcd", `etcd ${path} on ${address}: ${res.status} ${text.slice(0, 200)}`);
  }
  if (!res.ok || typeof json.error === "string") {
    const message =
      typeof json.error === "string" ? json.error : typeof json.message === "string" ? json.message : text;
    throw new CairnError("twin-etcd", `etcdserver: ${message.replace(/^etcdserver: /, "")}`);
  }
  return json as T;
}

interface RawMember {
  ID?: string;
  name?: string;
  peerURLs?: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

function member(raw: RawMember): EtcdMemberInfo {
  return {
    id: raw.ID ?? "0",
    name: raw.name ?? "",
    peerURLs: raw.peerURLs ?? [],
    clientURLs: raw.clientURLs ?? [],
    isLearner: raw.isLearner ?? false,
  };
}

export async function memberList(address: string): Promise<EtcdMemberInfo[]> {
  const res = await gateway<{ members?: RawMember[] }>(address, "cluster/member/list", {});
  return (res.members ?? []).map(member);
}

export async function memberAdd(
  address: string,
  peerAddress: string,
): Promise<{ added: EtcdMemberInfo; members: EtcdMemberInfo[] }> {
  const res = await gateway<{ member?: RawMember; members?: RawMember[] }>(address, "cluster/member/add", {
    peerURLs: [peerUrl(peerAddress)],
  });
  return { added: member(res.member ?? {}), members: (res.members ?? []).map(member) };
}

export async function memberRemove(address: string, id: string): Promise<void> {
  await gateway(address, "cluster/member/remove", { ID: id });
}

export async function status(address: string): Promise<EtcdStatusInfo> {
  const res = await gateway<{
    header?: { member_id?: string };
    version?: string;
    dbSize?: string;
    dbSizeInUse?: string;
    leader?: string;
    raftIndex?: string;
    raftTerm?: string;
    raftAppliedIndex?: string;
    errors?: string[];
    isLearner?: boolean;
  }>(address, "maintenance/status", {}, 3000);
  return {
    version: res.version ?? "",
    dbSize: Number(res.dbSize ?? 0),
    dbSizeInUse: Number(res.dbSizeInUse ?? 0),
    leader: res.leader ?? "0",
    raftIndex: res.raftIndex ?? "0",
    raftTerm: res.raftTerm ?? "0",
    raftAppliedIndex: res.raftAppliedIndex ?? "0",
    errors: res.errors ?? [],
    isLearner: res.isLearner ?? false,
    memberId: res.header?.member_id ?? "0",
  };
}

export async function moveLeader(address: string, targetId: string): Promise<void> {
  await gateway(address, "maintenance/transfer-leadership", { targetID: targetId });
}

export async function put(address: string, key: string, value: string): Promise<void> {
  await gateway(address, "kv/put", { key: b64(key), value: b64(value) });
}

export async function get(address: string, key: string): Promise<string | undefined> {
  const res = await gateway<{ kvs?: { value?: string }[] }>(address, "kv/range", { key: b64(key) });
  const v = res.kvs?.[0]?.value;
  return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
}

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

/** Waits until the member answers a status call, or throws after `timeoutMs`. */
export async function waitHealthy(address: string, timeoutMs = 20_000): Promise<EtcdStatusInfo> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const s = await status(address);
      if (s.leader !== "0") return s;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CairnError(
    "twin-etcd",
    `etcd member on ${address} did not become healthy in ${timeoutMs} ms: ${String(last)}`,
  );
}

/** Writes a snapshot of the member's data to `file` (etcdctl verifies and renames it atomically). */
export async function snapshotSave(address: string, file: string): Promise<void> {
  await execFileP(
    ETCDCTL_BIN,
    ["--endpoints", clientUrl(address), "--command-timeout", "30s", "snapshot", "save", file],
    {
      env: { ...process.env, ETCDCTL_API: "3" },
    },
  );
}

/** Restores a snapshot into a fresh single-member data dir, as Talos' Bootstrap{recover_etcd} does. */
export async function snapshotRestore(
  file: string,
  name: string,
  address: string,
  dataDir: string,
  skipHashCheck: boolean,
): Promise<void> {
  rmSync(dataDir, { recursive: true, force: true });
  const args = [
    "snapshot",
    "restore",
    file,
    "--name",
    name,
    "--data-dir",
    dataDir,
    "--initial-cluster",
    `${name}=${peerUrl(address)}`,
    "--initial-advertise-peer-urls",
    peerUrl(address),
    "--initial-cluster-token",
    "twin",
  ];
  if (skipHashCheck) args.push("--skip-hash-check");
  try {
    await execFileP(ETCDCTL_BIN, args, { env: { ...process.env, ETCDCTL_API: "3" } });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? String(e);
    throw new CairnError("twin-etcd", `failed to recover etcd snapshot: ${stderr.trim()}`);
  }
}

export function etcdPaths(stateDir: string, name: string): { dataDir: string; logFile: string } {
  return { dataDir: join(stateDir, "etcd", name), logFile: join(stateDir, "logs", `etcd-${name}.log`) };
}
