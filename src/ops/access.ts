// How operations reach a cluster: the model, the files cairn keeps for it, and Talos clients aimed at the real
// machines or at their twin stand-ins. Every command that talks to nodes opens one ClusterAccess.
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { createHash } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { UserError } from "../errors.js";
import type { Model, ModelNode } from "../clusterspec/model.js";
import { TalosClient } from "../talos/api/client.js";
import { loadTalosconfig } from "../talos/talosconfig-file.js";
import { readState, updateState, type CairnState, type TwinSlot } from "./state.js";

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
  /** `<dir>/twin`: the twin daemon's state dir (twin only; unused otherwise). */
  twinDir: string;
}

export interface ClusterAccess {
  model: Model;
  paths: ClusterPaths;
  /** True when the nodes are simulated by the twin. */
  twin: boolean;
  /** The address cairn dials for a node: its management address, or its twin address. */
  addressOf(node: string): string;
  /** Where the node answers in maintenance mode: the static machine's address, or its twin address. */
  maintenanceAddressOf(node: string): string;
  /** mTLS client from the cluster's talosconfig; endpoints = the control planes' dial addresses. */
  client(): Promise<TalosClient>;
  /** mTLS client whose only endpoint is this node (no apid forwarding: works while other nodes are down). */
  nodeClient(node: string): Promise<TalosClient>;
  /** Maintenance-mode client straight to one node; pins the fingerprint when one is known. */
  insecureClient(
    node: string,
    fingerprint?: string,
    onFingerprint?: (fingerprint: string) => void,
  ): TalosClient;
  /** The rendered machine config for a node (`<dir>/nodes/<node>.yaml`); secret material, never print it. */
  renderedConfig(node: string): string;
  /** The state file as it is now (sections of every operation). */
  readState(): CairnState;
  /** Atomic read-modify-write of the state file. */
  updateState(mutate: (s: CairnState) => void): CairnState;
  /** Things the user should know about how the access was set up ("started a twin …"), one line each. */
  notices: string[];
  /** Closes every client opened through this access. */
  close(): Promise<void>;
}

export interface OpenClusterAccessOptions {
  file: string;
  twin: boolean;
  /** Per-cluster directory; default `.cairn/<cluster>` next to the spec. */
  dir?: string;
  /** Talos version a newly started twin boots with (default: the spec's). */
  talosVersionOverride?: string;
  /** Loopback /24 for a newly started twin (default: a free 127.0.x.0/24; or $CAIRN_TWIN_SUBNET). */
  twinSubnet?: string;
  /** Simulated reboot duration of a newly started twin (default 1 s; or $CAIRN_TWIN_REBOOT_MS). */
  twinRebootMs?: number;
  /** Skip `render` (the artefacts are known to be fresh). */
  skipRender?: boolean;
}

/** Spare twin slots beyond the spec, so a rehearsal can add a node (or a replacement control plane) later. */
const SPARE_CONTROLPLANES = 1;
const SPARE_WORKERS = 1;

/**
 * The files of a cluster. Secrets, rendered configs and talosconfig are shared by the real cluster and its twin
 * rehearsal (same identity); what records a cluster's life (state, journal, lock, applied configs, fetched
 * kubeconfig) lives under `<dir>/twin/` for the twin, so a rehearsal never touches the real cluster's record.
 */
export function clusterPaths(file: string, clusterName: string, dir?: string, twin = false): ClusterPaths {
  const d = resolve(dir ?? join(dirname(resolve(file)), ".cairn", clusterName));
  const twinDir = join(d, "twin");
  const life = twin ? twinDir : d;
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

export async function openClusterAccess(options: OpenClusterAccessOptions): Promise<ClusterAccess> {
  const { requireModel } = await import("../clusterspec/load.js");
  const { model } = requireModel(options.file);
  const paths = clusterPaths(options.file, model.name, options.dir, options.twin);
  const notices: string[] = [];
  if (!options.skipRender) {
    const { runRender } = await import("../render/render-run.js");
    await runRender({ file: options.file, out: paths.dir });
  }
  const simulated = options.twin;
  const stateOps = {
    read: () => readState(paths.state, model.name, simulated),
    update: (mutate: (s: CairnState) => void) => updateState(paths.state, model.name, simulated, mutate),
  };
  // Fail early on a state file this cairn cannot use (newer schema, other cluster, real vs simulated).
  stateOps.read();

  let mapping: Record<string, TwinSlot> = {};
  if (options.twin) mapping = await ensureTwin(model, paths, options, stateOps, notices);

  const byName = new Map(model.nodes.map((n) => [n.name, n]));
  const nodeOf = (name: string): ModelNode | undefined => byName.get(name);
  const addressOf = (name: string): string => {
    if (options.twin) {
      const slot = mapping[name] ?? stateOps.read().twinMapping?.[name];
      if (!slot) throw new UserError(`node ${name} has no twin slot`);
      return slot.address;
    }
    const n = nodeOf(name);
    const address = n?.address ?? n?.spec.static?.address ?? stateOps.read().nodes[name]?.address;
    if (!address)
      throw new UserError(`node ${name} has no address cairn can dial`, {
        hint: "give its management interface a static address (or `static.address` for a machine in maintenance mode)",
      });
    return address;
  };
  const maintenanceAddressOf = (name: string): string => {
    if (options.twin) return addressOf(name);
    return nodeOf(name)?.spec.static?.address ?? addressOf(name);
  };

  // Every client still open; a client closed by its user leaves the set (pollers open many short-lived ones).
  const opened = new Set<TalosClient>();
  const track = (c: TalosClient): TalosClient => {
    opened.add(c);
    const close = c.close.bind(c);
    c.close = () => {
      opened.delete(c);
      close();
    };
    return c;
  };
  let credsCache: { caPem: string; certPem: string; keyPem: string } | undefined;
  const creds = (): { caPem: string; certPem: string; keyPem: string } => {
    if (credsCache) return credsCache;
    const ctx = loadTalosconfig(paths.talosconfig, model.name);
    credsCache = { caPem: ctx.caPem, certPem: ctx.certPem, keyPem: ctx.keyPem };
    return credsCache;
  };
  let shared: TalosClient | undefined;
  const access: ClusterAccess = {
    model,
    paths,
    twin: options.twin,
    addressOf,
    maintenanceAddressOf,
    async client() {
      if (shared) return shared;
      const endpoints = model.nodes.filter((n) => n.role === "controlplane").map((n) => addressOf(n.name));
      shared = track(TalosClient.mtls(creds(), { endpoints, connectTimeoutMs: 5000 }));
      return shared;
    },
    async nodeClient(node) {
      const c = TalosClient.mtls(creds(), {
        endpoints: [addressOf(node)],
        connectTimeoutMs: 3000,
        // Callers poll nodes that are rebooting; they retry themselves, so fail fast here.
        retry: { attempts: 1 },
      });
      return track(c);
    },
    insecureClient(node, fingerprint, onFingerprint) {
      const c = TalosClient.insecure({
        ...(onFingerprint ? { onFingerprint: (_endpoint: string, fp: string) => onFingerprint(fp) } : {}),
        endpoints: [maintenanceAddressOf(node)],
        connectTimeoutMs: 3000,
        retry: { attempts: 1 },
        ...(fingerprint ? { fingerprint } : {}),
      });
      return track(c);
    },
    renderedConfig(node) {
      const p = join(paths.nodesDir, `${node}.yaml`);
      if (!existsSync(p)) throw new UserError(`${p} is missing; run \`cairn render\` for this spec`);
      return readFileSync(p, "utf8");
    },
    readState: stateOps.read,
    updateState: stateOps.update,
    notices,
    async close() {
      for (const c of [...opened]) c.close();
      shared = undefined;
    },
  };
  return access;
}

// ---- the twin -----------------------------------------------------------------------------------------------

interface StateOps {
  read(): CairnState;
  update(mutate: (s: CairnState) => void): CairnState;
}

interface TwinRecord {
  startedAt: string;
  pid: number;
  subnet: string;
}

function daemonInfo(twinDir: string): { pid: number; startedAt: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(twinDir, "daemon.json"), "utf8")) as {
      pid: number;
      startedAt: string;
    };
  } catch {
    return undefined;
  }
}

async function ensureTwin(
  model: Model,
  paths: ClusterPaths,
  options: OpenClusterAccessOptions,
  state: StateOps,
  notices: string[],
): Promise<Record<string, TwinSlot>> {
  const daemon = await import("../twin/daemon.js");
  let info = daemonInfo(paths.twinDir);
  // A cairn killed while its twin was starting leaves a daemon that writes daemon.json a moment later: wait for it
  // rather than start a second twin on the same addresses.
  const logFile = join(paths.twinDir, "daemon.log");
  if (!info && existsSync(logFile) && Date.now() - statSync(logFile).mtimeMs < 60_000) {
    const deadline = Date.now() + 20_000;
    while (!info && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      info = daemonInfo(paths.twinDir);
    }
  }
  let status: Awaited<ReturnType<typeof daemon.status>>;
  if (info && daemon.processAlive(info.pid)) {
    status = await daemon.status(paths.twinDir);
  } else {
    const cps = model.nodes.filter((n) => n.role === "controlplane").length;
    const workers = model.nodes.length - cps;
    const subnet = options.twinSubnet ?? process.env.CAIRN_TWIN_SUBNET ?? (await freeSubnet(paths.dir));
    const envReboot = Number(process.env.CAIRN_TWIN_REBOOT_MS);
    const rebootMs = options.twinRebootMs ?? (Number.isFinite(envReboot) && envReboot > 0 ? envReboot : 1000);
    status = await daemon.up({
      stateDir: paths.twinDir,
      controlplanes: cps + SPARE_CONTROLPLANES,
      workers: workers + SPARE_WORKERS,
      talosVersion: options.talosVersionOverride ?? model.talosVersion,
      subnet,
      rebootMs,
    });
    notices.push(
      `started a twin (SIMULATED Talos ${status.talosVersion}) for ${model.name}: ${cps}+${SPARE_CONTROLPLANES} control-plane and ` +
        `${workers}+${SPARE_WORKERS} worker slots on ${status.subnet}, reboot ${rebootMs} ms, state ${paths.twinDir}`,
    );
  }
  const now = daemonInfo(paths.twinDir);
  const record: TwinRecord | undefined = now
    ? { pid: now.pid, startedAt: now.startedAt, subnet: status.subnet }
    : undefined;

  // Computed on a copy and written only when something changed: a second cairn refused by the lock must not
  // have rewritten the state file under the running one.
  const s = state.read();
  const before = JSON.stringify(s);
  const previous = s.twin as TwinRecord | undefined;
  // A different daemon than the one the state describes: the simulated machines were wiped, so is the record.
  if (previous && record && (previous.startedAt !== record.startedAt || previous.pid !== record.pid)) {
    notices.push("the twin was restarted since the last run: its machines start over, and so does the state");
    s.nodes = {};
    s.bootstrap = null;
    s.bootstrapIntent = null;
    s.twinMapping = {};
    delete s.kubeconfigFetchedAt;
    rmSync(paths.applied, { recursive: true, force: true });
    rmSync(paths.journal, { force: true });
  }
  if (record) s.twin = record;
  const slots = status.nodes;
  const current = { ...(s.twinMapping ?? {}) };
  for (const [name, slot] of Object.entries(current))
    if (!slots.some((x) => x.name === slot.slot)) delete current[name];
  const used = new Set(Object.values(current).map((x) => x.slot));
  for (const n of model.nodes) {
    if (current[n.name]) continue;
    const free =
      slots.find((x) => !used.has(x.name) && x.plannedRole === n.role) ??
      slots.find((x) => !used.has(x.name));
    if (!free)
      throw new UserError(
        `the twin running from ${paths.twinDir} has no free slot for node ${n.name} (${n.role})`,
        {
          hint: `it has ${slots.length} slots; stop it with \`cairn twin down --state-dir ${paths.twinDir}\` and run again to start a twin sized for the spec (the rehearsal starts over)`,
        },
      );
    used.add(free.name);
    current[n.name] = { slot: free.name, address: free.address };
  }
  s.twinMapping = current;
  if (JSON.stringify(s) !== before) {
    const write = s;
    state.update((draft) => {
      for (const k of Object.keys(draft)) delete draft[k];
      Object.assign(draft, write);
    });
  }
  const mapping = current;
  return mapping;
}

/** A 127.0.x.0/24 whose .1:50000 is free, starting from a spot derived from the directory (stable per cluster). */
async function freeSubnet(dir: string): Promise<string> {
  const start = createHash("sha256").update(dir).digest()[0]! % 200;
  for (let i = 0; i < 200; i++) {
    const x = 20 + ((start + i) % 200);
    if (await portFree(`127.0.${x}.1`, 50000)) return `127.0.${x}.0/24`;
  }
  throw new UserError("no free 127.0.x.0/24 subnet for a twin", { hint: "pass --twin-subnet" });
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createServer();
    s.once("error", () => done(false));
    s.listen(port, host, () => s.close(() => done(true)));
  });
}
