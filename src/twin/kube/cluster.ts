// The twin's Kubernetes: one simulated kube-apiserver per bootstrapped control plane (started when its etcd member
// is healthy, stopped when the machine goes down), the bootstrap manifests and inline manifests applied at start,
// and the simulated controllers of each cluster running against one of its members. Workload faults (crash loop,
// image pull failure) live here too. The twin calls start(), stop(), fault() and status(); everything else follows
// the nodes' state, polled — so the node state machine needs no hooks.
import { isIP } from "node:net";
import type { Fleet, TwinNode } from "../node.js";
import {
  DAY_MS,
  issueCertificate,
  loadCertificateAuthority,
  nodeCompatibleKeyPem,
} from "../../talos/pki/index.js";
import { KubeApiServer } from "./apiserver.js";
import { bootstrapObjects, inlineManifestObjects } from "./bootstrap.js";
import { SimulatedControllers, type Kubelet } from "./controllers.js";
import { EtcdKv } from "./etcd-kv.js";
import { firstServiceIp, readKubeFacts, type KubeFacts } from "./facts.js";
import { groupVersion, TypeRegistry } from "./resources.js";
import { meta, ObjectStore, type Obj } from "./store.js";
import { validateObject } from "./validation.js";
import { defaults } from "./defaults.js";
import type { WorkloadFault } from "./workloads.js";

export interface KubeEndpointStatus {
  node: string;
  address: string;
  port: number;
  serving: boolean;
}

export interface TwinKubeOptions {
  /** How long a simulated container takes to start (default 300 ms). */
  startDelayMs?: number;
  /** How often the simulated controllers look at the cluster (default 250 ms). */
  tickMs?: number;
}

interface Served {
  server: KubeApiServer;
  starting?: Promise<void>;
  configText: string;
  /** What the server was started with (see servingSignature): only a change to it restarts the server. */
  signature: string;
}

/**
 * The parts of a machine config kube-apiserver's static pod is built from. Talos restarts the pod only when they
 * change; any other config change (an install image, a label) leaves it, and its clients' connections, alone.
 */
function servingSignature(f: KubeFacts): string {
  return JSON.stringify([
    f.port,
    f.k8sCa,
    f.endpointHost,
    f.certSANs,
    f.serviceSubnets,
    f.dnsDomain,
    f.kubernetesVersion,
  ]);
}

export class TwinKube {
  private readonly twin: Fleet;
  private readonly servers = new Map<TwinNode, Served>();
  private readonly controllers = new Map<
    string,
    { c: SimulatedControllers; store: ObjectStore; seen?: string; at?: number }
  >();
  private readonly factsCache = new Map<string, KubeFacts>();
  readonly faults = new Map<string, WorkloadFault>();
  private readonly startDelayMs: number;
  private readonly tickMs: number;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private stopped = false;

  constructor(twin: Fleet, options: TwinKubeOptions = {}) {
    this.twin = twin;
    const envDelay = Number(process.env.CAIRN_TWIN_POD_START_MS);
    this.startDelayMs = options.startDelayMs ?? (Number.isFinite(envDelay) && envDelay > 0 ? envDelay : 300);
    this.tickMs = options.tickMs ?? 250;
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.servers.values()].map((s) => s.server.stop()));
    this.servers.clear();
    for (const { store } of this.controllers.values()) store.close();
  }

  fault(kind: WorkloadFault | "heal", workload?: string): void {
    if (kind === "heal") this.faults.clear();
    else if (workload) this.faults.set(workload, kind);
  }

  status(): KubeEndpointStatus[] {
    return [...this.servers].map(([n, s]) => ({
      node: n.name,
      address: n.address,
      port: s.server.options.port,
      serving: s.server.listening,
    }));
  }

  /** The API server of a node, if it serves (tests and benchmarks use it). */
  serverOf(node: TwinNode): KubeApiServer | undefined {
    const s = this.servers.get(node);
    return s?.server.listening ? s.server : undefined;
  }

  facts(node: TwinNode): KubeFacts | undefined {
    const text = node.config?.text;
    if (!text) return undefined;
    let f = this.factsCache.get(text);
    if (!f) {
      f = readKubeFacts(text);
      this.factsCache.set(text, f);
    }
    return f;
  }

  private shouldServe(n: TwinNode): boolean {
    return (
      n.isControlPlane &&
      n.stage === "running" &&
      n.mode === "normal" &&
      n.server !== undefined &&
      !n.crashed &&
      n.etcd.running &&
      n.etcdHealthy &&
      this.facts(n)?.k8sCa?.key !== undefined
    );
  }

  /** Brings the API servers in line with the nodes now (after a fault), waiting for a running look to finish. */
  async sync(): Promise<void> {
    while (this.ticking) await new Promise((r) => setTimeout(r, 10));
    await this.tick();
  }

  /**
   * A machine changed state (booted, went down): look now instead of at the next tick, as a kubelet posts its
   * status as soon as it starts. A look already running is followed by another.
   */
  nudge(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    setImmediate(() => void this.tick());
  }

  private again = false;
  private readonly started = new Map<TwinNode, (() => void)[]>();
  private readonly booting = new Set<TwinNode>();
  private posting = false;

  /**
   * A machine boots: its simulated kubelet posts its status (see SimulatedControllers.post). As on Talos, whose
   * machine is ready only once its Node is, the twin marks the machine running after the post, waiting at most
   * `boundMs` (a control plane whose etcd serves the cluster's controllers is still starting: the tick follows up).
   */
  kubeletStarting(n: TwinNode, boundMs = 300): Promise<void> {
    if (this.stopped || !n.config || this.controllers.size === 0) return Promise.resolve();
    // Until the machine shows running, every look at the cluster counts its kubelet as up (see kubeletsOf).
    this.booting.add(n);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, boundMs);
      timer.unref();
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.started.set(n, [...(this.started.get(n) ?? []), done]);
      if (!this.posting) setImmediate(() => void this.postStarted());
    });
  }

  private async postStarted(): Promise<void> {
    if (this.posting) return;
    this.posting = true;
    try {
      while (this.started.size > 0 && !this.stopped) {
        const batch = [...this.started];
        this.started.clear();
        const nodes = batch.map(([n]) => n);
        for (const [clusterId, entry] of this.controllers) {
          const names = new Set(
            nodes.filter((n) => n.config?.clusterId === clusterId).map((n) => n.hostname),
          );
          const kubelets = this.kubeletsOf(clusterId).filter((k) => k.up && names.has(k.name));
          if (kubelets.length)
            await entry.c.post(kubelets).catch((e: unknown) => {
              if (!this.stopped && (e as { code?: string }).code !== "twin-kube-etcd")
                this.twin.logError(nodes[0]!, e);
            });
        }
        for (const [, waiters] of batch) for (const w of waiters) w();
      }
    } finally {
      this.posting = false;
    }
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    this.again = false;
    try {
      for (const n of this.twin.nodes) {
        const served = this.servers.get(n);
        const want = this.shouldServe(n);
        if (want && served && served.configText !== n.config?.text) {
          const f = this.facts(n)!;
          if (served.signature !== servingSignature(f)) {
            await served.server.stop();
            this.servers.delete(n);
          } else {
            // Same pod, new config: Talos' manifest controller applies what the new config adds.
            served.configText = n.config!.text;
            await this.applyBootstrap(n, served.server.store, f).catch((e: unknown) =>
              this.twin.logError(n, e),
            );
          }
        }
        if (want && !this.servers.get(n)) await this.startServer(n);
        else if (!want && served) {
          this.servers.delete(n);
          await served.server.stop();
        }
      }
      await this.runControllers();
    } catch (e) {
      const n = this.twin.nodes[0];
      if (n) this.twin.logError(n, e);
    } finally {
      this.ticking = false;
      if (this.again && !this.stopped) setImmediate(() => void this.tick());
    }
  }

  private async startServer(n: TwinNode): Promise<void> {
    const f = this.facts(n)!;
    const ca = loadCertificateAuthority(f.k8sCa!.crt, f.k8sCa!.key!, "Kubernetes CA");
    const names = [
      n.address,
      n.hostname,
      f.endpointHost,
      ...f.certSANs,
      "127.0.0.1",
      "localhost",
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
      `kubernetes.default.svc.${f.dnsDomain}`,
      ...f.serviceSubnets.map(firstServiceIp).filter((x): x is string => x !== undefined),
    ];
    const unique = [...new Set(names.filter((x) => x))];
    const leaf = await issueCertificate(ca, {
      subject: { commonName: "kube-apiserver" },
      keyUsage: ["digitalSignature", "keyEncipherment"],
      extKeyUsage: ["serverAuth"],
      dnsNames: unique.filter((x) => !isIP(x)),
      ipAddresses: unique.filter((x) => isIP(x)),
      now: new Date(),
      backdateMs: 10_000,
      ttlMs: 365 * DAY_MS,
    });
    const store = new ObjectStore(new EtcdKv(n.address));
    const server = new KubeApiServer({
      address: n.address,
      port: f.port,
      cert: leaf.certPem,
      key: nodeCompatibleKeyPem(leaf.keyPem),
      clientCa: f.k8sCa!.crt,
      store,
      kubernetesVersion: f.kubernetesVersion,
      waitReachable: () => n.waitHealed(),
    });
    const entry: Served = { server, configText: n.config!.text, signature: servingSignature(f) };
    try {
      await server.start();
    } catch (e) {
      this.twin.logError(
        n,
        new Error(`simulated kube-apiserver on ${n.address}:${f.port}: ${(e as Error).message}`),
      );
      return;
    }
    this.servers.set(n, entry);
    await this.applyBootstrap(n, store, f).catch((e: unknown) => this.twin.logError(n, e));
  }

  /** Creates what is missing of Talos' bootstrap manifests and the config's inline manifests. */
  private async applyBootstrap(n: TwinNode, store: ObjectStore, f: KubeFacts): Promise<void> {
    const types = new TypeRegistry();
    const createMissing = async (obj: Obj, validate: boolean): Promise<void> => {
      const type = types.byKind(String(obj.apiVersion), String(obj.kind));
      if (!type) {
        this.twin.logError(
          n,
          new Error(
            `inline manifest: no resource type for ${String(obj.apiVersion)} ${String(obj.kind)} (simulated API)`,
          ),
        );
        return;
      }
      const m = meta(obj);
      const ns = type.namespaced ? String(m.namespace ?? "default") : undefined;
      if (await store.get(type, ns, String(m.name))) return;
      if (validate) {
        const result = validateObject(type, obj);
        if (result.causes.length) {
          this.twin.logError(
            n,
            new Error(
              `inline manifest ${groupVersion(type)} ${type.kind} ${String(m.name)} is invalid: ${result.causes.map((c) => `${c.field}: ${c.message}`).join(", ")}`,
            ),
          );
          return;
        }
      }
      defaults(type, obj);
      await store.create(type, ns, obj).catch((e: unknown) => {
        if ((e as { reason?: string }).reason !== "AlreadyExists") throw e;
      });
      if (type.kind === "CustomResourceDefinition") {
        const crdType = types.byKind("apiextensions.k8s.io/v1", "CustomResourceDefinition")!;
        types.setCrds((await store.list(crdType)).items);
      }
    };
    for (const obj of bootstrapObjects(f)) await createMissing(obj, false);
    const { objects, errors } = inlineManifestObjects(f);
    for (const e of errors) this.twin.logError(n, new Error(e));
    for (const obj of objects) await createMissing(obj, true);
  }

  private readonly registrations = new Map<string, Map<string, string>>();

  /** Which boot each Node of a cluster was registered for, kept across controller instances. */
  private registrationsOf(clusterId: string): Map<string, string> {
    let r = this.registrations.get(clusterId);
    if (!r) this.registrations.set(clusterId, (r = new Map()));
    return r;
  }

  private kubeletsOf(clusterId: string): Kubelet[] {
    const out: Kubelet[] = [];
    for (const n of this.twin.nodes) {
      if (n.config?.clusterId !== clusterId) continue;
      const f = this.facts(n);
      if (!f) continue;
      if (this.booting.has(n) && n.stage !== "booting") this.booting.delete(n);
      const bootId = n.bootId;
      // A booting machine's kubelet is up once it posts (kubeletStarting), just before Talos shows it running;
      // it reaches the API through any control plane (a control plane reaches itself).
      const isUp = (): boolean => {
        const starting = this.booting.has(n) && n.stage === "booting";
        return (
          n.bootId === bootId &&
          (n.stage === "running" || starting) &&
          n.mode === "normal" &&
          !n.crashed &&
          !n.partitioned &&
          (this.twin.controlPlaneUp(n) || (starting && n.isControlPlane))
        );
      };
      out.push({
        name: n.hostname,
        address: n.address,
        controlPlane: n.isControlPlane,
        up: isUp(),
        stillUp: isUp,
        bootId,
        talosVersion: n.version,
        facts: f,
      });
    }
    return out;
  }

  private async runControllers(): Promise<void> {
    const clusters = new Map<string, TwinNode>();
    for (const [n, s] of this.servers)
      if (s.server.listening && n.config && !n.partitioned && !clusters.has(n.config.clusterId))
        clusters.set(n.config.clusterId, n);
    for (const [clusterId, leader] of clusters) {
      let entry = this.controllers.get(clusterId);
      if (!entry || entry.store.kv.address !== leader.address) {
        entry?.store.close();
        const store = new ObjectStore(new EtcdKv(leader.address, 5000));
        entry = {
          store,
          c: new SimulatedControllers(store, {
            startDelayMs: this.startDelayMs,
            faults: this.faults,
            registeredBoots: this.registrationsOf(clusterId),
          }),
        };
        this.controllers.set(clusterId, entry);
      }
      // Nothing to do while nothing changed: same store revision, same machines, nothing changing with time.
      // (A look every 2 s still catches deadlines.) This keeps a large, idle twin cheap.
      const kubelets = this.kubeletsOf(clusterId);
      const seen = `${await entry.store.kv.revision().catch(() => -1)}|${kubelets.map((k) => `${k.name}:${k.up}:${k.bootId}:${k.talosVersion}`).join(",")}`;
      if (entry.c.settled && seen === entry.seen && Date.now() - (entry.at ?? 0) < 2000) continue;
      entry.at = Date.now();
      await entry.c.tick(kubelets).catch((e: unknown) => {
        if (!this.stopped && (e as { code?: string }).code !== "twin-kube-etcd")
          this.twin.logError(leader, e);
      });
    }
  }
}
