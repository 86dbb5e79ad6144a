// The twin: a local fleet of simulated Talos nodes in ONE process (many grpc-js servers, one per loopback
// address), with a real etcd member per bootstrapped control plane. It plays the parts of the fleet no single node
// owns: trustd for workers, discovery, etcd joins, and apid's forwarding between nodes.
import * as grpc from "@grpc/grpc-js";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ipaddr from "ipaddr.js";
import { UserError } from "../errors.js";
import { DEFAULT_TALOS_VERSION, parseVersion } from "../talos/versions.js";
import * as etcd from "./etcd.js";
import type { Fault } from "./faults.js";
import { RpcError } from "./handlers.js";
import { TwinNode, type CallContext, type Fleet, type NodeStatus } from "./node.js";
import { ALL_ROLES } from "./rbac.js";
import { TwinKube, type KubeEndpointStatus } from "./kube/cluster.js";
import { runClientStream, runStream, runUnary, startNodeServer } from "./server.js";

export interface TwinOptions {
  controlplanes?: number;
  workers?: number;
  /** Talos version every node starts with, e.g. "v1.13.9". */
  talosVersion?: string;
  /** A loopback /24 (or smaller) the nodes take addresses from, e.g. "127.0.42.0/24". */
  subnet?: string;
  /** Where etcd data, logs and node state live; a fresh temp dir by default. */
  stateDir?: string;
  /** How long a simulated reboot keeps a node off the network. */
  rebootMs?: number;
  /** How long a call forwarded to a partitioned node waits before failing with a dial timeout. */
  dialTimeoutMs?: number;
  /** Where internal errors go (default: stderr). */
  onError?: (node: string, error: unknown) => void;
  /**
   * Nodes come and go through addNode/removeNode (the provider API fakes boot one when a VM or server starts), so
   * the twin may start empty; controlplanes/workers then default to 0.
   */
  dynamic?: boolean;
}

export interface TwinStatus {
  simulated: true;
  talosVersion: string;
  subnet: string;
  stateDir: string;
  nodes: NodeStatus[];
  /** The simulated kube-apiservers of bootstrapped control planes. */
  kube: KubeEndpointStatus[];
  /** Workload faults in the simulated Kubernetes ("crash-loop=ns/name"). */
  kubeFaults: string[];
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Validates the subnet and returns the node addresses (.1, .2, … in order). */
export function planAddresses(subnet: string, count: number): { addresses: string[]; prefixLength: number } {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(subnet);
  } catch {
    throw new UserError(`--subnet "${subnet}" is not a CIDR such as 127.0.42.0/24`);
  }
  const [net, prefix] = parsed;
  if (net.kind() !== "ipv4" || !(net as ipaddr.IPv4).match(ipaddr.IPv4.parse("127.0.0.0"), 8))
    throw new UserError(`--subnet ${subnet} is not a loopback subnet`, {
      hint: "the twin only uses 127.0.0.0/8 addresses, e.g. 127.0.42.0/24",
    });
  if (prefix < 8 || prefix > 30)
    throw new UserError(`--subnet ${subnet}: prefix length must be between /8 and /30`);
  const base = (net as ipaddr.IPv4).toByteArray().reduce((a, b) => a * 256 + b, 0);
  const size = 2 ** (32 - prefix);
  const start = base - (base % size);
  if (count > size - 2)
    throw new UserError(`--subnet ${subnet} has room for ${size - 2} nodes, not ${count}`, {
      hint: "use a larger subnet, e.g. a /24",
    });
  const addresses = [];
  for (let i = 1; i <= count; i++) {
    const n = start + i;
    addresses.push([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join("."));
  }
  return { addresses, prefixLength: prefix };
}

export class Twin implements Fleet {
  readonly nodes: TwinNode[] = [];
  readonly stateDir: string;
  readonly rebootMs: number;
  readonly dialTimeoutMs: number;
  readonly talosVersion: string;
  readonly subnet: string;
  readonly prefixLength: number;
  /** The simulated Kubernetes API of the bootstrapped control planes (src/twin/kube). */
  readonly kube: TwinKube;
  private readonly onError: (node: string, error: unknown) => void;
  private reconciling: Promise<void> = Promise.resolve();
  private reconcileQueued = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** A state directory the twin made itself is scratch space: stop() removes it. One it was given is the caller's. */
  private readonly ownsStateDir: boolean;

  constructor(options: TwinOptions = {}) {
    const controlplanes = options.controlplanes ?? (options.dynamic ? 0 : 1);
    const workers = options.workers ?? 0;
    if (!Number.isInteger(controlplanes) || controlplanes < 0 || !Number.isInteger(workers) || workers < 0)
      throw new UserError("--controlplanes and --workers must be whole numbers ≥ 0");
    if (controlplanes + workers === 0 && !options.dynamic)
      throw new UserError("a twin needs at least one node");
    this.talosVersion = options.talosVersion ?? DEFAULT_TALOS_VERSION;
    if (!parseVersion(this.talosVersion))
      throw new UserError(`--talos-version "${this.talosVersion}" is not a version such as v1.13.9`);
    if (!this.talosVersion.startsWith("v")) this.talosVersion = `v${this.talosVersion}`;
    this.subnet = options.subnet ?? "127.0.100.0/24";
    const { addresses, prefixLength } = planAddresses(this.subnet, controlplanes + workers);
    this.prefixLength = prefixLength;
    this.ownsStateDir = options.stateDir === undefined;
    this.stateDir = resolve(options.stateDir ?? mkdtempSync(join(tmpdir(), "cairn-twin-")));
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    this.rebootMs = options.rebootMs ?? 1000;
    this.dialTimeoutMs = options.dialTimeoutMs ?? 1000;
    this.onError =
      options.onError ??
      ((node, e) =>
        process.stderr.write(`twin (simulated) ${node}: ${e instanceof Error ? e.message : String(e)}\n`));
    this.kube = new TwinKube(this);
    for (let i = 0; i < controlplanes; i++)
      this.nodes.push(new TwinNode(this, `cp-${i + 1}`, addresses[i]!, "controlplane", this.talosVersion));
    for (let i = 0; i < workers; i++)
      this.nodes.push(
        new TwinNode(this, `worker-${i + 1}`, addresses[controlplanes + i]!, "worker", this.talosVersion),
      );
  }

  /** Powers every node on (maintenance mode) and resolves once all listen. */
  async start(): Promise<void> {
    try {
      await Promise.all(this.nodes.map((n) => n.powerOn()));
    } catch (e) {
      await this.stop();
      const err = e as NodeJS.ErrnoException;
      if (err.code === "EADDRINUSE" || /EADDRINUSE|address already in use/i.test(String(err.message)))
        throw new UserError(`a twin node address in ${this.subnet} is already in use (port 50000)`, {
          hint: "another twin may be running there: `cairn twin down`, or pick another --subnet",
        });
      throw e;
    }
    // Joins are event driven; the slow tick only catches members that could not join at the first attempt.
    this.timer = setInterval(() => this.reconcileSoon(), 2000);
    this.timer.unref();
    this.kube.start();
  }

  node(nameOrAddress: string): TwinNode {
    const n = this.find(nameOrAddress);
    if (!n)
      throw new UserError(`the twin has no node "${nameOrAddress}"`, {
        hint: `nodes: ${this.nodes.map((x) => `${x.name} (${x.address})`).join(", ")}`,
      });
    return n;
  }

  find(target: string): TwinNode | undefined {
    const t = target.replace(/:50000$/, "");
    return (
      this.nodes.find((n) => n.address === t || n.name === t) ?? this.nodes.find((n) => n.hostname === t)
    );
  }

  /**
   * Powers on one more node, in maintenance mode, at `address`: any IPv4 address this host can bind (inside a
   * network namespace, e.g. `ip addr add 10.8.16.20/32 dev lo`), unlike the constructor's loopback slots. This is
   * how a provider fake boots the machine a VM or server start brings up, at the address cairn planned for it.
   */
  async addNode(options: {
    name: string;
    address: string;
    role?: "controlplane" | "worker";
    /** The Talos version the machine boots (its image's); the twin's by default. */
    talosVersion?: string;
  }): Promise<TwinNode> {
    if (!/^[a-zA-Z0-9]([a-zA-Z0-9._-]{0,62})$/.test(options.name))
      throw new UserError(`twin node name "${options.name}" must be 1–63 letters, digits, '.', '_' or '-'`);
    if (!ipaddr.IPv4.isValidFourPartDecimal(options.address))
      throw new UserError(`twin node address "${options.address}" is not an IPv4 address`);
    const clash = this.nodes.find((n) => n.name === options.name || n.address === options.address);
    if (clash)
      throw new UserError(`the twin already has node ${clash.name} at ${clash.address}`, {
        hint: "remove it first (removeNode) or pick another name and address",
      });
    const version = options.talosVersion ?? this.talosVersion;
    if (!parseVersion(version))
      throw new UserError(`twin node version "${version}" is not a version such as v1.13.9`);
    const node = new TwinNode(this, options.name, options.address, options.role ?? "worker", version);
    this.nodes.push(node);
    try {
      await node.powerOn();
    } catch (e) {
      this.nodes.splice(this.nodes.indexOf(node), 1);
      await node.destroy();
      const err = e as NodeJS.ErrnoException;
      if (/EADDRNOTAVAIL|cannot assign requested address/i.test(String(err.message ?? err.code)))
        throw new UserError(`twin node ${options.name}: ${options.address} is not an address of this host`, {
          hint: `inside a network namespace: ip addr add ${options.address}/32 dev lo`,
        });
      if (/EADDRINUSE|address already in use/i.test(String(err.message ?? err.code)))
        throw new UserError(`twin node ${options.name}: ${options.address}:50000 is already in use`);
      throw e;
    }
    return node;
  }

  /** Powers a node off for good and forgets it (its VM or server was deleted); its etcd member stops. */
  async removeNode(nameOrAddress: string): Promise<void> {
    const node = this.node(nameOrAddress);
    this.nodes.splice(this.nodes.indexOf(node), 1);
    await node.destroy();
  }

  async fault(nameOrAddress: string, fault: Fault): Promise<void> {
    const node = this.node(nameOrAddress);
    // Workload faults belong to the node's cluster's simulated Kubernetes, not to the machine.
    if (fault.kind === "crash-loop" || fault.kind === "image-pull")
      return this.kube.fault(fault.kind, fault.workload);
    if (fault.kind === "heal") this.kube.fault("heal");
    await node.fault(fault);
    // A crashed machine's API server is gone at once, not at the next look.
    await this.kube.sync();
  }

  status(): TwinStatus {
    return {
      simulated: true,
      talosVersion: this.talosVersion,
      subnet: this.subnet,
      stateDir: this.stateDir,
      nodes: this.nodes.map((n) => n.status()),
      kube: this.kube.status(),
      kubeFaults: [...this.kube.faults].map(([w, f]) => `${f}=${w}`),
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.kube.stop();
    await Promise.all(this.nodes.map((n) => n.destroy()));
    if (this.ownsStateDir) rmSync(this.stateDir, { recursive: true, force: true });
  }

  /** Synchronous last resort for process exit: no etcd member may outlive the twin. */
  killSync(): void {
    for (const n of this.nodes) {
      n.stopServer();
      n.etcd.killSync();
    }
  }

  // ---- services the fleet provides to its nodes ---------------------------------------------------------------

  serve(node: TwinNode, mode: "maintenance" | "normal"): Promise<grpc.Server> {
    return startNodeServer(node, mode);
  }

  logError(node: TwinNode, e: unknown): void {
    if (!this.stopped) this.onError(node.name, e);
  }

  private sameCluster(a: TwinNode, b: TwinNode): boolean {
    return a.config !== undefined && b.config !== undefined && a.config.clusterId === b.config.clusterId;
  }

  /** trustd: a worker holding only the CA certificate gets its apid certificate signed by a control plane. */
  trustdCaKey(caCrt: string): string | undefined {
    return this.nodes.find(
      (n) => n.config?.osCa.crt === caCrt && n.config.osCa.key && n.mode === "normal" && n.reachable,
    )?.config?.osCa.key;
  }

  etcdPeers(node: TwinNode): TwinNode[] {
    return this.nodes.filter((n) => n !== node && n.isControlPlane && this.sameCluster(n, node));
  }

  /** Is some control plane of the node's cluster serving etcd (and so, in the simulation, Kubernetes)? */
  controlPlaneUp(node: TwinNode): boolean {
    return this.nodes.some(
      (n) =>
        n.isControlPlane &&
        this.sameCluster(n, node) &&
        n.etcd.running &&
        !n.partitioned &&
        !n.crashed &&
        n.stage === "running",
    );
  }

  clusterBootstrapped(node: TwinNode): boolean {
    return this.etcdPeers(node).some((n) => n.hasEtcdData || n.bootstrapping || n.etcd.running);
  }

  /** Discovery: the Members a node sees — itself and reachable, configured nodes of its cluster. */
  discoveryMembers(node: TwinNode): TwinNode[] {
    return this.nodes.filter(
      (n) => n === node || (this.sameCluster(n, node) && n.mode === "normal" && n.reachable),
    );
  }

  nameForPeer(peerUrl: string | undefined): string {
    const addr = peerUrl?.replace(/^https?:\/\//, "").replace(/:\d+$/, "");
    return this.nodes.find((n) => n.address === addr)?.hostname ?? addr ?? "unknown";
  }

  memberRemoved(id: string): void {
    const n = this.nodes.find((x) => x.etcdMemberId === id);
    if (n) n.etcdLeft = true;
  }

  etcdProblem(node: TwinNode): string | undefined {
    const cps = this.nodes.filter((n) => n.isControlPlane && this.sameCluster(n, node));
    const down = cps.filter((n) => !n.etcd.running || n.partitioned || n.crashed);
    return down.length ? `etcd is not healthy on ${down.map((n) => n.address).join(", ")}` : undefined;
  }

  readinessProblem(node: TwinNode): string | undefined {
    const members = this.nodes.filter((n) => this.sameCluster(n, node) || n === node);
    const notReady = members.filter((n) => !n.ready || n.crashed || n.partitioned);
    return notReady.length ? `nodes not ready: ${notReady.map((n) => n.address).join(", ")}` : undefined;
  }

  // ---- etcd membership ------------------------------------------------------------------------------------------

  reconcileSoon(): void {
    if (this.reconcileQueued || this.stopped) return;
    this.reconcileQueued = true;
    this.reconciling = this.reconciling.then(async () => {
      this.reconcileQueued = false;
      await this.reconcile().catch(() => undefined);
    });
  }

  /** Joins control planes whose cluster is bootstrapped and whose etcd is empty, one at a time (quorum). */
  private async reconcile(): Promise<void> {
    for (const node of this.nodes) {
      if (this.stopped) return;
      if (!node.isControlPlane || node.stage !== "running" || node.mode !== "normal") continue;
      if (
        node.crashed ||
        node.partitioned ||
        node.etcdLeft ||
        node.etcd.running ||
        node.bootstrapping ||
        node.hasEtcdData
      )
        continue;
      const via = this.etcdPeers(node).find(
        (p) => p.etcd.running && !p.partitioned && !p.crashed && !p.bootstrapping,
      );
      if (!via) continue;
      try {
        await node.joinEtcd(via);
      } catch (e) {
        this.logError(node, e);
      }
    }
  }

  /** Waits until `check` passes (tests and the daemon use it); throws after `timeoutMs`. */
  async waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`twin: timed out after ${timeoutMs} ms waiting for ${what}`);
      await delay(50);
    }
  }

  // ---- apid forwarding ---------------------------------------------------------------------------------------

  /** Resolves a forwarding target as apid's dial would, failing like the network would. */
  private async dial(
    from: TwinNode,
    target: string,
    ctx: CallContext,
  ): Promise<{ node: TwinNode; ctx: CallContext }> {
    const host = target.replace(/:50000$/, "");
    const refused = (): RpcError =>
      new RpcError(
        grpc.status.UNAVAILABLE,
        `connection error: desc = "transport: Error while dialing: dial tcp ${host}:50000: connect: connection refused"`,
      );
    const timeout = async (): Promise<never> => {
      await Promise.race([delay(this.dialTimeoutMs), ctx.cancelled]);
      throw new RpcError(
        grpc.status.UNAVAILABLE,
        `connection error: desc = "transport: Error while dialing: dial tcp ${host}:50000: i/o timeout"`,
      );
    };
    if (from.partitioned) return timeout();
    const node = this.find(host);
    if (!node) throw refused();
    if (node.partitioned) return timeout();
    if (!node.server || node.crashed) throw refused();
    if (node.mode !== "normal" || node.config?.osCa.crt !== from.config?.osCa.crt)
      throw new RpcError(
        grpc.status.UNAVAILABLE,
        'connection error: desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority"',
      );
    await Promise.race([node.waitHealed(), ctx.cancelled]);
    if (ctx.isCancelled()) throw new RpcError(grpc.status.CANCELLED, "context canceled");
    const metadata = ctx.metadata.clone();
    metadata.remove("nodes");
    metadata.remove("node");
    metadata.remove("talos-role");
    metadata.set("proxyfrom", from.address);
    for (const r of ctx.roles) metadata.add("talos-role", r);
    const roles = node.config?.rbac === false ? new Set<string>(ALL_ROLES) : ctx.roles;
    return { node, ctx: { ...ctx, node, mode: "normal", roles, metadata } };
  }

  private logForwarded(node: TwinNode, from: TwinNode, ctx: CallContext, err?: RpcError): void {
    node.record({
      at: new Date().toISOString(),
      method: ctx.path,
      mode: "normal",
      roles: [...ctx.roles],
      proxiedFrom: from.address,
      code: err?.code ?? grpc.status.OK,
      ...(err ? { message: err.message } : {}),
    });
  }

  private async forward<R>(
    from: TwinNode,
    target: string,
    ctx: CallContext,
    run: (node: TwinNode, ctx: CallContext) => Promise<R>,
  ): Promise<R> {
    const d = await this.dial(from, target, ctx);
    try {
      const r = await run(d.node, d.ctx);
      this.logForwarded(d.node, from, d.ctx);
      return r;
    } catch (e) {
      this.logForwarded(
        d.node,
        from,
        d.ctx,
        e instanceof RpcError ? e : new RpcError(grpc.status.INTERNAL, String(e)),
      );
      throw e;
    }
  }

  forwardUnary(from: TwinNode, target: string, path: string, req: Buffer, ctx: CallContext): Promise<Buffer> {
    return this.forward(from, target, { ...ctx, path }, (n, c) => runUnary(n, "normal", path, req, c));
  }

  forwardStream(
    from: TwinNode,
    target: string,
    path: string,
    req: Buffer,
    ctx: CallContext,
    send: (b: Buffer) => void,
  ): Promise<void> {
    return this.forward(from, target, { ...ctx, path }, (n, c) => runStream(n, "normal", path, req, c, send));
  }

  forwardClientStream(
    from: TwinNode,
    target: string,
    path: string,
    reqs: Buffer[],
    ctx: CallContext,
  ): Promise<Buffer> {
    return this.forward(from, target, { ...ctx, path }, (n, c) =>
      runClientStream(n, "normal", path, reqs, c),
    );
  }
}

/** Starts a twin: every node listening in maintenance mode. Always `stop()` it. */
export async function startTwin(options: TwinOptions = {}): Promise<Twin> {
  const twin = new Twin(options);
  await twin.start();
  return twin;
}

export { etcd };
