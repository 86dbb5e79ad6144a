// One simulated Talos node: its stage machine (maintenance → installing → running → upgrading/rebooting →
// resetting), its applied config, its real etcd member (control planes) and the faults injected into it. The gRPC
// surface lives in server.ts and handlers.ts; this module owns state transitions only.
import { randomUUID, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as grpc from "@grpc/grpc-js";
import { maintenanceIdentity, issueServerCert, type CertKeyPem } from "./certs.js";
import type { AppliedConfig } from "./config.js";
import * as etcd from "./etcd.js";
import type { Fault } from "./faults.js";

export type Stage =
  | "maintenance"
  | "installing"
  | "booting"
  | "running"
  | "rebooting"
  | "upgrading"
  | "resetting"
  | "shutting down"
  | "stopped";

export type NodeMode = "maintenance" | "normal";

/** The end of the reboot pause the boot itself runs in (at most a quarter of R). */
const BOOT_ALLOWANCE_MS = 250;

/** apid's certificate made ahead of a boot, for the config it was made from. */
interface PreparedIdentity {
  configText: string;
  identity: CertKeyPem;
}

/** What a call on a node carries: the node, its mode, the method, the caller's roles and metadata. */
export interface CallContext {
  node: TwinNode;
  mode: NodeMode;
  path: string;
  roles: ReadonlySet<string>;
  metadata: grpc.Metadata;
  cancelled: Promise<void>;
  isCancelled(): boolean;
}

/**
 * The fleet a node belongs to (the Twin): what a node, its API handlers and the simulated Kubernetes ask of the
 * other nodes — declared here, so the node does not depend on the fleet's implementation.
 */
export interface Fleet {
  readonly nodes: readonly TwinNode[];
  readonly stateDir: string;
  readonly rebootMs: number;
  readonly prefixLength: number;
  serve(node: TwinNode, mode: NodeMode): Promise<grpc.Server>;
  logError(node: TwinNode, e: unknown): void;
  trustdCaKey(caCrt: string): string | undefined;
  etcdPeers(node: TwinNode): TwinNode[];
  controlPlaneUp(node: TwinNode): boolean;
  clusterBootstrapped(node: TwinNode): boolean;
  discoveryMembers(node: TwinNode): TwinNode[];
  nameForPeer(peerUrl: string | undefined): string;
  memberRemoved(id: string): void;
  etcdProblem(node: TwinNode): string | undefined;
  readinessProblem(node: TwinNode): string | undefined;
  reconcileSoon(): void;
  /** The simulated Kubernetes API (src/twin/kube): a booting machine's kubelet posts its Node there. */
  readonly kube: { kubeletStarting(node: TwinNode): Promise<void> };
  forwardUnary(from: TwinNode, target: string, path: string, req: Buffer, ctx: CallContext): Promise<Buffer>;
  forwardStream(
    from: TwinNode,
    target: string,
    path: string,
    req: Buffer,
    ctx: CallContext,
    send: (b: Buffer) => void,
  ): Promise<void>;
  forwardClientStream(
    from: TwinNode,
    target: string,
    path: string,
    reqs: Buffer[],
    ctx: CallContext,
  ): Promise<Buffer>;
}

export interface CallRecord {
  at: string;
  method: string;
  mode: NodeMode;
  /** Roles the call was authorised with ("*" when RBAC is off). */
  roles: string[];
  /** Set for calls another twin node forwarded (apid `proxyfrom`). */
  proxiedFrom?: string;
  /** `nodes`/`node` targets when this node fanned the call out. */
  forwardedTo?: string[];
  code: number;
  message?: string;
}

export interface NodeStatus {
  name: string;
  address: string;
  plannedRole: "controlplane" | "worker";
  machineType: string | undefined;
  hostname: string;
  stage: Stage;
  ready: boolean;
  version: string;
  listening: boolean;
  mode: NodeMode | undefined;
  maintenanceFingerprint: string | undefined;
  etcd: { running: boolean; pid: number | undefined; dataDir: string };
  faults: string[];
  calls: number;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class TwinNode {
  readonly name: string;
  readonly address: string;
  readonly plannedRole: "controlplane" | "worker";
  readonly twin: Fleet;
  readonly nodeId = randomBytes(16).toString("base64url").slice(0, 22);
  readonly log: CallRecord[] = [];
  readonly etcd: etcd.EtcdProcess;
  readonly stateDir: string;

  version: string;
  stage: Stage = "stopped";
  config: AppliedConfig | undefined;
  /** A config staged with mode STAGED, applied on the next reboot. */
  stagedConfig: AppliedConfig | undefined;
  identity: CertKeyPem | undefined;
  maintenanceFingerprint: string | undefined;
  mode: NodeMode | undefined;
  server: grpc.Server | undefined;
  bootId = randomUUID();
  bootedAt = new Date();
  /** This node's etcd member ID (decimal), once its member has been seen healthy. */
  etcdMemberId: string | undefined;
  /** The local member answered with a leader since it last started. */
  etcdHealthy = false;
  /** Bumped on every power transition so timers of an interrupted sequence stop. */
  generation = 0;

  crashed = false;
  hung = false;
  partitioned = false;
  refuseUpgrade = false;
  /** A version installed by the lifecycle upgrade API, booted (or refused) at the next reboot. */
  installedVersion: string | undefined;
  slowRebootMs: number | undefined;
  /** The member left etcd (EtcdLeaveCluster): etcd stays down until the next boot, as in Talos. */
  etcdLeft = false;
  bootstrapping = false;

  private healWaiters: (() => void)[] = [];

  constructor(
    twin: Fleet,
    name: string,
    address: string,
    plannedRole: "controlplane" | "worker",
    version: string,
  ) {
    this.twin = twin;
    this.name = name;
    this.address = address;
    this.plannedRole = plannedRole;
    this.version = version;
    this.stateDir = join(twin.stateDir, "nodes", name);
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    const paths = etcd.etcdPaths(twin.stateDir, name);
    mkdirSync(join(twin.stateDir, "logs"), { recursive: true });
    this.etcd = new etcd.EtcdProcess(name, address, paths.dataDir, paths.logFile);
  }

  get hostname(): string {
    return this.config?.hostname ?? this.name;
  }

  get isControlPlane(): boolean {
    return this.config !== undefined && this.config.machineType !== "worker";
  }

  get recoverySnapshotPath(): string {
    return join(this.stateDir, "etcd.snapshot");
  }

  get reachable(): boolean {
    return this.server !== undefined && !this.crashed && !this.partitioned;
  }

  get hasEtcdData(): boolean {
    return etcd.hasEtcdData(this.etcd.dataDir);
  }

  /** Ready as MachineStatus reports it: running and, for control planes, etcd up; workers need a control plane. */
  get ready(): boolean {
    if (this.stage !== "running" || this.mode !== "normal") return false;
    if (this.isControlPlane) return this.etcd.running && this.etcdHealthy;
    return this.twin.controlPlaneUp(this);
  }

  unmetConditions(): { name: string; reason: string }[] {
    if (this.stage !== "running") return [{ name: "stage", reason: `machine is ${this.stage}` }];
    if (this.mode !== "normal") return [{ name: "config", reason: "machine is in maintenance mode" }];
    if (this.isControlPlane && !(this.etcd.running && this.etcdHealthy))
      return [{ name: "services", reason: "some services are not healthy: etcd" }];
    if (!this.isControlPlane && !this.twin.controlPlaneUp(this))
      return [{ name: "nodeReady", reason: "node is not ready: kubelet cannot reach the control plane" }];
    return [];
  }

  faults(): string[] {
    const out: string[] = [];
    if (this.crashed) out.push("crash");
    if (this.hung) out.push("hang");
    if (this.partitioned) out.push("partition");
    if (this.refuseUpgrade) out.push("refuse-upgrade");
    if (this.slowRebootMs !== undefined) out.push(`slow-reboot=${this.slowRebootMs}ms`);
    return out;
  }

  status(): NodeStatus {
    return {
      name: this.name,
      address: this.address,
      plannedRole: this.plannedRole,
      machineType: this.config?.machineType,
      hostname: this.hostname,
      stage: this.stage,
      ready: this.ready,
      version: this.version,
      listening: this.server !== undefined,
      mode: this.server ? this.mode : undefined,
      maintenanceFingerprint: this.mode === "maintenance" ? this.maintenanceFingerprint : undefined,
      etcd: { running: this.etcd.running, pid: this.etcd.pid, dataDir: this.etcd.dataDir },
      faults: this.faults(),
      calls: this.log.length,
    };
  }

  record(entry: CallRecord): void {
    this.log.push(entry);
    // Bounded: a long rehearsal must not grow the daemon without limit.
    if (this.log.length > 5000) this.log.splice(0, this.log.length - 5000);
  }

  // ---- faults -------------------------------------------------------------------------------------------------

  /** Resolves once the node is neither hung nor partitioned (calls into a hung node wait here). */
  waitHealed(): Promise<void> {
    if (!this.hung && !this.partitioned) return Promise.resolve();
    return new Promise((resolve) => this.healWaiters.push(resolve));
  }

  async fault(f: Fault): Promise<void> {
    switch (f.kind) {
      case "crash":
        this.generation++;
        this.crashed = true;
        this.stopServer();
        await this.etcd.kill();
        return;
      case "hang":
        this.hung = true;
        return;
      case "partition":
        this.partitioned = true;
        this.etcd.freeze();
        return;
      case "refuse-upgrade":
        this.refuseUpgrade = true;
        return;
      case "slow-reboot":
        this.slowRebootMs = f.ms;
        return;
      case "heal": {
        const wasDown = this.crashed || this.stage === "stopped";
        this.hung = false;
        this.partitioned = false;
        this.refuseUpgrade = false;
        this.slowRebootMs = undefined;
        this.etcd.thaw();
        for (const w of this.healWaiters.splice(0)) w();
        if (wasDown) {
          this.crashed = false;
          await this.powerOn();
        }
        this.twin.reconcileSoon();
        return;
      }
    }
  }

  // ---- power ------------------------------------------------------------------------------------------------

  /**
   * Boots from whatever is "on disk": maintenance without a config, normal mode with one. Within a reboot,
   * `prepared` is apid's certificate made during the pause for the config this boot uses (used only if that config
   * is still the one), and `readyAt` is when the simulated downtime ends.
   */
  async powerOn(prepared?: Promise<PreparedIdentity | undefined>, readyAt?: number): Promise<void> {
    const gen = ++this.generation;
    this.bootId = randomUUID();
    this.bootedAt = new Date();
    this.etcdLeft = false;
    if (this.stagedConfig) {
      this.config = this.stagedConfig;
      this.stagedConfig = undefined;
    }
    if (!this.config) {
      this.stage = "maintenance";
      const id = await maintenanceIdentity([this.address], this.hostname);
      if (gen !== this.generation) return;
      this.identity = id;
      this.maintenanceFingerprint = id.fingerprint;
      if (readyAt !== undefined && readyAt > Date.now()) await delay(readyAt - Date.now());
      if (gen !== this.generation) return;
      await this.listen("maintenance");
      return;
    }
    this.stage = "booting";
    const ready = await prepared;
    const identity =
      ready && ready.configText === this.config.text ? ready.identity : await this.serverIdentity(gen);
    if (!identity || gen !== this.generation) return;
    this.identity = identity;
    // Within a reboot (readyAt) the kubelet's first post happens in the pause's last part and apid comes up when
    // the simulated downtime ends: reachable exactly at R, and ready at once. A power-on posts once apid listens.
    if (readyAt !== undefined) {
      await this.twin.kube.kubeletStarting(this);
      if (readyAt > Date.now()) await delay(readyAt - Date.now());
      if (gen !== this.generation) return;
    }
    const listening = this.listen("normal");
    const kubelet = readyAt === undefined ? this.twin.kube.kubeletStarting(this) : undefined;
    await listening;
    if (gen !== this.generation) return;
    if (this.isControlPlane && this.hasEtcdData) {
      this.etcdHealthy = false;
      this.etcd.start(`${this.hostname}=${etcd.peerUrl(this.address)}`, "existing");
      // Like Talos' etcd service: running at once, healthy when the member has a leader again.
      void etcd
        .waitHealthy(this.address, 60_000)
        .then((s) => {
          if (gen === this.generation) {
            this.etcdMemberId = s.memberId;
            this.etcdHealthy = true;
          }
        })
        .catch(() => undefined);
    }
    // Its kubelet starts with the machine and posts the Node's status; Talos is ready once the Node is.
    await kubelet;
    if (gen !== this.generation) return;
    this.stage = "running";
    this.twin.reconcileSoon();
  }

  /** apid's certificate for the next boot, made now (during the reboot pause); undefined if it must wait. */
  private prepareIdentity(gen: number): Promise<PreparedIdentity | undefined> {
    const config = this.stagedConfig ?? this.config;
    if (!config || (!config.osCa.key && !this.twin.trustdCaKey(config.osCa.crt)))
      return Promise.resolve(undefined);
    const configText = config.text;
    return this.serverIdentity(gen, config)
      .then((identity) => (identity ? { configText, identity } : undefined))
      .catch(() => undefined);
  }

  /**
   * apid's certificate: control planes sign it with machine.ca; workers only hold the CA certificate and get it
   * from trustd on a control plane, so they wait until one with the same CA is configured.
   */
  private async serverIdentity(gen: number, config = this.config!): Promise<CertKeyPem | undefined> {
    const sans = [this.address, ...config.certSANs, this.hostname];
    for (;;) {
      const key = config.osCa.key ?? this.twin.trustdCaKey(config.osCa.crt);
      if (key) return issueServerCert(config.osCa.crt, key, this.hostname, sans);
      await delay(250);
      if (gen !== this.generation) return undefined;
    }
  }

  private async listen(mode: NodeMode): Promise<void> {
    this.stopServer();
    this.mode = mode;
    this.server = await this.twin.serve(this, mode);
  }

  stopServer(): void {
    const server = this.server;
    this.server = undefined;
    server?.forceShutdown();
  }

  rebootDelay(): number {
    return this.slowRebootMs ?? this.twin.rebootMs;
  }

  /**
   * Runs a power sequence after the reply to the triggering call went out: `before` stage, stop services, the
   * reboot pause, `work` (install, wipe, swap version), then boot again. The reboot duration R is the whole
   * simulated downtime from the call to ready again: the short `before` stage is taken out of the reboot pause, the
   * boot's own work (apid's certificate, the kubelet's first status post: simulator work that grows with the fleet's
   * load) runs inside the pause's last part, and apid comes up at R, so a rehearsal's waits are R per node however
   * busy the twin is, and benchmarks can compare against R-based floors.
   */
  schedule(
    before: Stage,
    work: () => Promise<void> | void,
    options: { gracefulEtcd?: boolean; powerOff?: boolean } = {},
  ): void {
    const gen = ++this.generation;
    void (async () => {
      const started = Date.now();
      await delay(20);
      if (gen !== this.generation) return;
      this.stage = before;
      await delay(Math.min(200, this.twin.rebootMs / 4));
      if (gen !== this.generation) return;
      this.stopServer();
      if (options.gracefulEtcd === false) await this.etcd.kill();
      else await this.etcd.stop();
      await work();
      if (gen !== this.generation) return;
      if (options.powerOff) {
        this.stage = "stopped";
        return;
      }
      this.stage = "rebooting";
      const prepared = this.prepareIdentity(gen);
      const r = this.rebootDelay();
      await delay(Math.max(0, r - Math.min(BOOT_ALLOWANCE_MS, r / 4) - (Date.now() - started)));
      if (gen !== this.generation) return;
      await this.powerOn(prepared, started + r);
    })().catch((e: unknown) => this.twin.logError(this, e));
  }

  // ---- lifecycle operations behind the API ---------------------------------------------------------------------

  applyFromMaintenance(config: AppliedConfig): void {
    this.config = config;
    this.schedule("installing", () => {
      writeFileSync(join(this.stateDir, "config.yaml"), config.text, { mode: 0o600 });
    });
  }

  reboot(): void {
    this.schedule("rebooting", () => this.bootInstalled());
  }

  shutdown(): void {
    this.schedule("shutting down", () => undefined, { powerOff: true });
  }

  upgrade(toVersion: string): void {
    this.schedule("upgrading", () => {
      this.installedVersion = undefined;
      // A/B: with refuse-upgrade the new image fails to boot and the bootloader falls back to the old one.
      if (!this.refuseUpgrade) this.version = toVersion;
    });
  }

  /**
   * LifecycleService/Upgrade (1.13): the image goes into the other A/B slot and boots at the next reboot, which
   * the client asks for afterwards (rebooting here would race that Reboot and lose the upgrade).
   */
  installUpgrade(toVersion: string): void {
    this.installedVersion = toVersion;
  }

  private bootInstalled(): void {
    const v = this.installedVersion;
    this.installedVersion = undefined;
    if (v !== undefined && !this.refuseUpgrade) this.version = v;
  }

  /** Talos reset: leave etcd if graceful, wipe EPHEMERAL (etcd data) and STATE (config), come back in maintenance. */
  reset(graceful: boolean, wipeState: boolean, wipeEphemeral: boolean): void {
    this.schedule(
      "resetting",
      async () => {
        if (wipeEphemeral) this.etcd.wipe();
        rmSync(this.recoverySnapshotPath, { force: true });
        if (wipeState) {
          this.config = undefined;
          this.stagedConfig = undefined;
          rmSync(join(this.stateDir, "config.yaml"), { force: true });
        }
      },
      { gracefulEtcd: graceful },
    );
  }

  /** Removes this member from etcd through a healthy peer (or itself), as `etcd leave` does on graceful reset. */
  async leaveEtcd(): Promise<void> {
    if (!this.etcd.running) return;
    const s = await etcd.status(this.address);
    const peer = this.twin.etcdPeers(this).find((n) => n.etcd.running && !n.partitioned);
    // The last member cannot remove itself (no quorum would be left to commit it); it just stops.
    if (peer) await etcd.memberRemove(peer.address, s.memberId);
    this.etcdLeft = true;
    await this.etcd.stop(2000);
    this.etcd.wipe();
  }

  /** Bootstrap: start a new single-member cluster, or restore the uploaded snapshot first (recover_etcd). */
  async bootstrapEtcd(recover: boolean, skipHashCheck: boolean): Promise<void> {
    this.bootstrapping = true;
    try {
      if (recover) {
        await etcd.snapshotRestore(
          this.recoverySnapshotPath,
          this.hostname,
          this.address,
          this.etcd.dataDir,
          skipHashCheck,
        );
        rmSync(this.recoverySnapshotPath, { force: true });
      } else {
        mkdirSync(this.etcd.dataDir, { recursive: true, mode: 0o700 });
      }
      this.etcdHealthy = false;
      this.etcdLeft = false;
      this.etcd.start(`${this.hostname}=${etcd.peerUrl(this.address)}`, "new");
      this.etcdMemberId = (await etcd.waitHealthy(this.address, 30_000)).memberId;
      this.etcdHealthy = true;
    } finally {
      this.bootstrapping = false;
    }
    this.twin.reconcileSoon();
  }

  /** Joins an existing cluster: member add through a healthy peer, then start with initial-cluster-state existing. */
  async joinEtcd(via: TwinNode): Promise<void> {
    const { added, members } = await etcd.memberAdd(via.address, this.address);
    const initial = members
      .map(
        (m) =>
          `${m.id === added.id ? this.hostname : m.name || this.twin.nameForPeer(m.peerURLs[0])}=${m.peerURLs[0]}`,
      )
      .join(",");
    this.etcdHealthy = false;
    this.etcd.start(initial, "existing");
    try {
      this.etcdMemberId = (await etcd.waitHealthy(this.address, 20_000)).memberId;
      this.etcdHealthy = true;
    } catch (e) {
      // Undo the half-join so quorum does not count a member that never came up.
      await this.etcd.kill();
      this.etcd.wipe();
      await etcd.memberRemove(via.address, added.id).catch(() => undefined);
      throw e;
    }
  }

  writeRecoverySnapshot(data: Buffer): void {
    mkdirSync(this.stateDir, { recursive: true });
    writeFileSync(this.recoverySnapshotPath, data, { mode: 0o600 });
  }

  hasRecoverySnapshot(): boolean {
    return existsSync(this.recoverySnapshotPath);
  }

  /** Stops everything for good (twin shutdown). */
  async destroy(): Promise<void> {
    this.generation++;
    this.stopServer();
    for (const w of this.healWaiters.splice(0)) w();
    this.etcd.thaw();
    await this.etcd.stop(3000);
  }
}
