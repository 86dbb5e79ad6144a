// The simulated control loops of a twin cluster, run against its etcd: kubelets (Node registration and status,
// mirror pods of the control-plane static pods, pod status), the scheduler, and the Deployment, ReplicaSet,
// DaemonSet, Job, PodDisruptionBudget and garbage collectors — just enough that readiness, rollouts, drains and
// injected faults behave as a user of a real cluster sees them. One tick reads everything, writes only changes.
import { createHash } from "node:crypto";
import { bootstrapInstallObjects, isCniDaemonSet } from "./bootstrap.js";
import { budgetStatus } from "./disruption.js";
import type { KubeFacts } from "./facts.js";
import { BUILTIN_TYPES, type ResourceType } from "./resources.js";
import { meta, o, type Obj, type ObjectStore } from "./store.js";
import {
  controllerOf,
  fits,
  maxUnavailable,
  nodeReady,
  podFromTemplate,
  podReady,
  podStatusFor,
  rfc3339,
  templateHash,
  type WorkloadFault,
} from "./workloads.js";

const a = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const T = (resource: string): ResourceType => BUILTIN_TYPES.find((t) => t.resource === resource)!;

export interface Kubelet {
  /** The Node name (the machine's hostname). */
  name: string;
  address: string;
  controlPlane: boolean;
  /** The machine runs and its kubelet can reach the API. */
  up: boolean;
  bootId: string;
  talosVersion: string;
  facts: KubeFacts;
  /** Whether this kubelet (this boot) still runs at this moment; `up` is as of the start of the look. */
  stillUp?: () => boolean;
}

export interface ControllerOptions {
  /** How long a simulated container takes to start. */
  startDelayMs: number;
  /** Faults by workload ("namespace/name" of a Deployment, DaemonSet, Job or Pod). */
  faults: Map<string, WorkloadFault>;
  /**
   * The boot each Node was registered for, by Node name. The cluster keeps it across controller instances (they
   * are replaced when another control plane's etcd serves them), so a Node deleted under a running kubelet stays
   * gone until that machine boots again.
   */
  registeredBoots?: Map<string, string>;
}

const NOT_READY_TAINTS = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"];

const rand5 = (): string =>
  createHash("sha256").update(`${Math.random()}${Date.now()}`).digest("hex").slice(0, 5);

function podIp(uid: string, cidr: string): string {
  const h = createHash("sha256").update(uid).digest();
  const base = cidr.split("/")[0]!.split(".").map(Number);
  return `${base[0]}.${base[1]}.${h[0]!}.${Math.max(2, h[1]! % 254)}`;
}

export class SimulatedControllers {
  private readonly store: ObjectStore;
  private readonly options: ControllerOptions;
  private readonly registeredBoots: Map<string, string>;

  constructor(store: ObjectStore, options: ControllerOptions) {
    this.store = store;
    this.options = options;
    this.registeredBoots = options.registeredBoots ?? new Map();
  }

  private ignoreConflicts = (e: unknown): undefined => {
    const reason = (e as { reason?: string }).reason;
    if (reason === "Conflict" || reason === "AlreadyExists" || reason === "NotFound") return undefined;
    throw e;
  };

  private async put(type: ResourceType, current: Obj, next: Obj): Promise<void> {
    if (JSON.stringify(current) === JSON.stringify(next)) return;
    this.wrote = true;
    await this.store.replace(type, current, next).catch(this.ignoreConflicts);
  }

  private async create(type: ResourceType, ns: string | undefined, obj: Obj): Promise<void> {
    this.wrote = true;
    await this.store.create(type, ns, obj).catch(this.ignoreConflicts);
  }

  private async remove(type: ResourceType, obj: Obj): Promise<void> {
    this.wrote = true;
    await this.store
      .delete(type, meta(obj).namespace as string | undefined, String(meta(obj).name))
      .catch(this.ignoreConflicts);
  }

  /** The workload a pod belongs to, as faults name it: its top controller (Deployment via ReplicaSet) or itself. */
  private workloadOf(pod: Obj, replicaSets: Obj[]): string {
    const ns = String(meta(pod).namespace);
    const owner = controllerOf(pod);
    if (!owner) return `${ns}/${String(meta(pod).name)}`;
    if (owner.kind === "ReplicaSet") {
      const rs = replicaSets.find((r) => meta(r).uid === owner.uid);
      const top = rs ? controllerOf(rs) : undefined;
      if (top) return `${ns}/${String(top.name)}`;
    }
    return `${ns}/${String(owner.name)}`;
  }

  /** False while something changes with time alone (containers starting, crash loops): tick again soon. */
  settled = true;
  /** The last tick wrote something (its effects may need another tick). */
  wrote = false;

  async tick(kubelets: readonly Kubelet[]): Promise<void> {
    this.settled = true;
    this.wrote = false;
    const [nodes, pods, rss, deploys, dss, jobs, pdbs] = await Promise.all(
      ["nodes", "pods", "replicasets", "deployments", "daemonsets", "jobs", "poddisruptionbudgets"].map(
        async (r) => (await this.store.list(T(r))).items,
      ),
    );
    const cniPresent = dss!.some(isCniDaemonSet);
    await this.kubelets(kubelets, nodes!, pods!, dss!, cniPresent);
    const liveNodes = (await this.store.list(T("nodes"))).items;
    await this.collectGarbage(liveNodes, pods!, rss!, deploys!, dss!, jobs!);
    await this.deployments(deploys!, rss!, pods!);
    await this.replicaSets(rss!, pods!, liveNodes);
    await this.daemonSets(dss!, pods!, liveNodes);
    await this.jobs(jobs!, pods!, liveNodes);
    await this.podStatuses(pods!, rss!, kubelets, liveNodes);
    await this.budgets(pdbs!, pods!);
    // A node whose CNI pod just turned ready is Ready in this same look, as its kubelet's next status post says.
    if (this.wrote && kubelets.some((k) => k.up)) {
      const [nodes2, pods2] = await Promise.all(
        ["nodes", "pods"].map(async (r) => (await this.store.list(T(r))).items),
      );
      await this.kubelets(kubelets, nodes2!, pods2!, dss!, cniPresent);
    }
  }

  /**
   * Kubelets that just started post their status at once, as a real kubelet does within moments of starting: their
   * pods' statuses first, then their Nodes (Ready once the CNI's pod there runs). The periodic look does the rest.
   */
  async post(started: readonly Kubelet[]): Promise<void> {
    // Only what these kubelets post: their Nodes, the pods bound to them, the DaemonSets that say which is the CNI
    // (and the ReplicaSets only when a fault may name a Deployment). One round of reads, one round of writes.
    const [found, pods, dss, rss] = await Promise.all([
      Promise.all(started.map((k) => this.store.get(T("nodes"), undefined, k.name))),
      this.store.list(T("pods")).then((r) => r.items),
      this.store.list(T("daemonsets")).then((r) => r.items),
      this.options.faults.size ? this.store.list(T("replicasets")).then((r) => r.items) : [],
    ]);
    const nodes = found.filter((n): n is Obj => n !== undefined);
    const names = new Set(started.map((k) => k.name));
    const mine = pods.filter((p) => names.has(String(o(p.spec).nodeName ?? "")));
    const updates = this.podStatusUpdates(mine, rss, started, nodes);
    const after = new Map(updates.map((u) => [u.before, u.after]));
    // The Node's readiness follows its pods' new statuses (the CNI's pod there ready), written together.
    await Promise.all([
      inParallel(updates, (u) => this.put(T("pods"), u.before, u.after)),
      this.kubelets(
        started,
        nodes,
        mine.map((p) => after.get(p) ?? p),
        dss,
        dss.some(isCniDaemonSet),
      ),
    ]);
  }

  // ---- kubelets ---------------------------------------------------------------------------------------------------

  private nodeObject(k: Kubelet, existing: Obj | undefined, cniRunning: boolean): Obj {
    const f = k.facts;
    const labels: Record<string, string> = {
      "beta.kubernetes.io/arch": "amd64",
      "beta.kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "kubernetes.io/hostname": k.name,
      "kubernetes.io/os": "linux",
      ...(k.controlPlane ? { "node-role.kubernetes.io/control-plane": "" } : {}),
      ...f.nodeLabels,
    };
    const taints: Obj[] = Object.entries(f.nodeTaints).map(([key, v]) => {
      const [value, effect] = v.includes(":") ? v.split(":") : ["", v];
      return { key, ...(value ? { value } : {}), effect };
    });
    if (k.controlPlane && !f.allowSchedulingOnControlPlanes)
      taints.push({ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" });
    const ready = k.up && cniRunning;
    if (!ready) taints.push({ key: "node.kubernetes.io/not-ready", effect: "NoSchedule" });
    const prev = existing ? o(existing.status) : {};
    const prevReady = a(prev.conditions).find((c) => c.type === "Ready");
    const status = !k.up ? "Unknown" : ready ? "True" : "False";
    const reason = !k.up ? "NodeStatusUnknown" : ready ? "KubeletReady" : "KubeletNotReady";
    const message = !k.up
      ? "Kubelet stopped posting node status."
      : ready
        ? "kubelet is posting ready status (simulated by the cairn twin)"
        : "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized (no CNI installed yet)";
    const since = prevReady && prevReady.status === status ? prevReady.lastTransitionTime : rfc3339();
    const heartbeat = prevReady && prevReady.status === status ? prevReady.lastHeartbeatTime : rfc3339();
    const cond = (type: string, st: string, r: string, m: string): Obj => ({
      type,
      status: st,
      lastHeartbeatTime: heartbeat,
      lastTransitionTime: since,
      reason: r,
      message: m,
    });
    const base: Obj = existing
      ? structuredClone(existing)
      : { apiVersion: "v1", kind: "Node", metadata: { name: k.name } };
    const m = meta(base);
    m.labels = { ...o(m.labels), ...labels };
    m.annotations = {
      ...o(m.annotations),
      "cairn.dev/simulated": "true",
      "node.alpha.kubernetes.io/ttl": "0",
    };
    const spec = o(base.spec);
    base.spec = spec;
    const userTaints = a(spec.taints).filter(
      (t) =>
        ![
          "node.kubernetes.io/not-ready",
          "node-role.kubernetes.io/control-plane",
          ...Object.keys(f.nodeTaints),
          "node.kubernetes.io/unschedulable",
        ].includes(String(t.key)),
    );
    if (spec.unschedulable === true)
      userTaints.push({
        key: "node.kubernetes.io/unschedulable",
        effect: "NoSchedule",
        timeAdded: rfc3339(),
      });
    const allTaints = [...taints, ...userTaints];
    if (allTaints.length) spec.taints = allTaints;
    else delete spec.taints;
    spec.podCIDR =
      spec.podCIDR ??
      (f.podSubnets[0] ?? "10.244.0.0/16").replace(
        /\d+\.\d+\/\d+$/,
        `${createHash("sha256").update(k.name).digest()[0]!}.0/24`,
      );
    base.status = {
      capacity: { cpu: "2", "ephemeral-storage": "10Gi", memory: "4Gi", pods: "110" },
      allocatable: { cpu: "1950m", "ephemeral-storage": "9Gi", memory: "3800Mi", pods: "110" },
      conditions: [
        cond(
          "MemoryPressure",
          k.up ? "False" : "Unknown",
          k.up ? "KubeletHasSufficientMemory" : "NodeStatusUnknown",
          k.up ? "kubelet has sufficient memory available" : "Kubelet stopped posting node status.",
        ),
        cond(
          "DiskPressure",
          k.up ? "False" : "Unknown",
          k.up ? "KubeletHasNoDiskPressure" : "NodeStatusUnknown",
          k.up ? "kubelet has no disk pressure" : "Kubelet stopped posting node status.",
        ),
        cond(
          "PIDPressure",
          k.up ? "False" : "Unknown",
          k.up ? "KubeletHasSufficientPID" : "NodeStatusUnknown",
          k.up ? "kubelet has sufficient PID available" : "Kubelet stopped posting node status.",
        ),
        cond("Ready", status, reason, message),
      ],
      addresses: [
        { type: "InternalIP", address: k.address },
        { type: "Hostname", address: k.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: createHash("sha256").update(`m${k.name}`).digest("hex").slice(0, 32),
        systemUUID: createHash("sha256").update(`s${k.name}`).digest("hex").slice(0, 32),
        bootID: k.bootId,
        kernelVersion: "6.12.0-talos (simulated)",
        osImage: `Talos (${k.talosVersion}) — simulated by the cairn twin`,
        containerRuntimeVersion: "containerd://2.1.0 (simulated)",
        kubeletVersion: `v${f.kubeletVersion}`,
        kubeProxyVersion: "",
        operatingSystem: "linux",
        architecture: "amd64",
      },
    };
    return base;
  }

  private async kubelets(
    kubelets: readonly Kubelet[],
    nodes: Obj[],
    pods: Obj[],
    dss: Obj[],
    cniPresent: boolean,
  ): Promise<void> {
    const cniDs = dss.filter(isCniDaemonSet).map((d) => meta(d).uid);
    // Each kubelet posts on its own: their writes go to etcd at once, not one after the other.
    await inParallel(kubelets, async (k) => {
      const existing = nodes.find((n) => meta(n).name === k.name);
      // The CNI runs on a node once its DaemonSet pod there is ready (that is when the real kubelet finds a CNI config).
      const cniRunning =
        cniPresent &&
        pods.some(
          (p) => o(p.spec).nodeName === k.name && cniDs.includes(controllerOf(p)?.uid) && podReady(p),
        );
      if (!existing) {
        // A kubelet registers its Node when it starts; a Node deleted under a running kubelet stays gone until the next boot.
        // Registration is checked against the machine as it is now: the look may have begun before it went down.
        if (!k.up || this.registeredBoots.get(k.name) === k.bootId || k.stillUp?.() === false) return;
        this.registeredBoots.set(k.name, k.bootId);
        await this.create(T("nodes"), undefined, this.nodeObject(k, undefined, false));
        return;
      }
      if (k.up) this.registeredBoots.set(k.name, k.bootId);
      await this.put(T("nodes"), existing, this.nodeObject(k, existing, cniRunning));
      if (k.controlPlane && k.up) await this.mirrorPods(k, existing, pods);
    });
  }

  /** kube-apiserver, kube-controller-manager and kube-scheduler run as static pods; the kubelet mirrors them. */
  private async mirrorPods(k: Kubelet, node: Obj, pods: Obj[]): Promise<void> {
    const v = k.facts.kubernetesVersion;
    for (const component of ["kube-apiserver", "kube-controller-manager", "kube-scheduler"]) {
      const name = `${component}-${k.name}`;
      if (pods.some((p) => meta(p).name === name && meta(p).namespace === "kube-system")) continue;
      await this.create(T("pods"), "kube-system", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name,
          namespace: "kube-system",
          labels: { "k8s-app": component, tier: "control-plane" },
          annotations: {
            "kubernetes.io/config.mirror": templateHash(name),
            "kubernetes.io/config.source": "file",
            "cairn.dev/simulated": "true",
          },
          ownerReferences: [
            { apiVersion: "v1", kind: "Node", name: k.name, uid: meta(node).uid, controller: true },
          ],
        },
        spec: {
          nodeName: k.name,
          hostNetwork: true,
          priorityClassName: "system-cluster-critical",
          containers: [{ name: component, image: `registry.k8s.io/${component}:v${v}` }],
        },
        status: { phase: "Pending" },
      });
    }
  }

  // ---- garbage collection -----------------------------------------------------------------------------------------

  private async collectGarbage(
    nodes: Obj[],
    pods: Obj[],
    rss: Obj[],
    deploys: Obj[],
    dss: Obj[],
    jobs: Obj[],
  ): Promise<void> {
    const uids = new Set([...nodes, ...rss, ...deploys, ...dss, ...jobs].map((x) => meta(x).uid));
    const nodeNames = new Set(nodes.map((n) => meta(n).name));
    for (const rs of rss) {
      const c = controllerOf(rs);
      if (c && !uids.has(c.uid)) await this.remove(T("replicasets"), rs);
    }
    for (const p of pods) {
      const c = controllerOf(p);
      const orphan = c && !uids.has(c.uid);
      const nodeGone = o(p.spec).nodeName !== undefined && !nodeNames.has(o(p.spec).nodeName);
      if (orphan || nodeGone) await this.remove(T("pods"), p);
    }
  }

  // ---- workloads --------------------------------------------------------------------------------------------------

  private async deployments(deploys: Obj[], rss: Obj[], pods: Obj[]): Promise<void> {
    for (const d of deploys) {
      if (meta(d).deletionTimestamp) continue;
      const spec = o(d.spec);
      const ns = String(meta(d).namespace);
      const replicas = Number(spec.replicas ?? 1);
      const hash = templateHash(spec.template);
      const owned = rss.filter((r) => controllerOf(r)?.uid === meta(d).uid);
      let current = owned.find((r) => o(o(meta(r).labels))["pod-template-hash"] === hash);
      if (!current) {
        const tmpl = structuredClone(o(spec.template));
        const tm = o(tmpl.metadata);
        tmpl.metadata = { ...tm, labels: { ...o(tm.labels), "pod-template-hash": hash } };
        const rs: Obj = {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          metadata: {
            name: `${String(meta(d).name)}-${hash}`,
            namespace: ns,
            labels: { ...o(tm.labels), "pod-template-hash": hash },
            annotations: { "deployment.kubernetes.io/revision": String(owned.length + 1) },
            ownerReferences: [
              {
                apiVersion: "apps/v1",
                kind: "Deployment",
                name: meta(d).name,
                uid: meta(d).uid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: {
            replicas,
            selector: { matchLabels: { ...o(o(spec.selector).matchLabels), "pod-template-hash": hash } },
            template: tmpl,
          },
        };
        await this.create(T("replicasets"), ns, rs);
        current = rs;
      } else if (o(current.spec).replicas !== replicas) {
        const next = structuredClone(current);
        o(next.spec).replicas = replicas;
        await this.put(T("replicasets"), current, next);
      }
      const readyOf = (r: Obj): number =>
        pods.filter((p) => controllerOf(p)?.uid === meta(r).uid && podReady(p)).length;
      const countOf = (r: Obj): number =>
        pods.filter((p) => controllerOf(p)?.uid === meta(r).uid && !meta(p).deletionTimestamp).length;
      const newReady = meta(current).uid ? readyOf(current) : 0;
      const old = owned.filter((r) => r !== current);
      // Rolling update, simplified: old ReplicaSets scale down once the new one is fully ready.
      if (newReady >= replicas)
        for (const r of old)
          if (Number(o(r.spec).replicas) !== 0) {
            const next = structuredClone(r);
            o(next.spec).replicas = 0;
            await this.put(T("replicasets"), r, next);
          }
      const updated = meta(current).uid ? countOf(current) : 0;
      const total = updated + old.reduce((s, r) => s + countOf(r), 0);
      const ready = newReady + old.reduce((s, r) => s + readyOf(r), 0);
      const available = ready >= replicas - maxUnavailable(d);
      const complete = newReady >= replicas && old.every((r) => countOf(r) === 0) && updated === replicas;
      const prev = o(d.status);
      const prevProgress = a(prev.conditions).find((c) => c.type === "Progressing");
      const startedAt = Date.parse(
        String(prevProgress?.lastUpdateTime ?? meta(d).creationTimestamp ?? rfc3339()),
      );
      const deadline = Number(spec.progressDeadlineSeconds ?? 600) * 1000;
      const stalled = !complete && Date.now() - startedAt > deadline;
      const condition = (type: string, status: boolean, reason: string, message: string): Obj => {
        const before = a(prev.conditions).find((c) => c.type === type);
        const same = before && before.status === (status ? "True" : "False") && before.reason === reason;
        return {
          type,
          status: status ? "True" : "False",
          lastUpdateTime: same ? before.lastUpdateTime : rfc3339(),
          lastTransitionTime: same ? before.lastTransitionTime : rfc3339(),
          reason,
          message,
        };
      };
      const name = String(meta(current).name);
      const status: Obj = {
        observedGeneration: meta(d).generation,
        replicas: total,
        updatedReplicas: updated,
        readyReplicas: ready,
        availableReplicas: ready,
        ...(total - ready > 0 ? { unavailableReplicas: Math.max(0, replicas - ready) } : {}),
        conditions: [
          condition(
            "Available",
            available,
            available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
            available
              ? "Deployment has minimum availability."
              : "Deployment does not have minimum availability.",
          ),
          stalled
            ? condition(
                "Progressing",
                false,
                "ProgressDeadlineExceeded",
                `ReplicaSet "${name}" has timed out progressing.`,
              )
            : condition(
                "Progressing",
                true,
                complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                complete
                  ? `ReplicaSet "${name}" has successfully progressed.`
                  : `ReplicaSet "${name}" is progressing.`,
              ),
        ],
      };
      if (ready === 0) delete status.readyReplicas;
      if (ready === 0) delete status.availableReplicas;
      if (JSON.stringify(stripTimes(prev)) !== JSON.stringify(stripTimes(status)))
        await this.put(T("deployments"), d, { ...d, status });
    }
  }

  private schedule(spec: Obj, nodes: Obj[], pods: Obj[]): string | undefined {
    // As kube-scheduler: a NotReady node carries the not-ready (or unreachable) taint, so only pods that tolerate
    // it land there (cairn's bootstrap Job, which runs before any CNI); a NotReady node without one takes nothing.
    const candidates = nodes.filter(
      (n) =>
        (nodeReady(n) || a(o(n.spec).taints).some((t) => NOT_READY_TAINTS.includes(String(t.key)))) &&
        fits(spec, n, false),
    );
    if (candidates.length === 0) return undefined;
    const load = (n: Obj): number => pods.filter((p) => o(p.spec).nodeName === meta(n).name).length;
    candidates.sort((x, y) => load(x) - load(y) || String(meta(x).name).localeCompare(String(meta(y).name)));
    return String(meta(candidates[0]!).name);
  }

  private async replicaSets(rss: Obj[], pods: Obj[], nodes: Obj[]): Promise<void> {
    for (const rs of rss) {
      if (meta(rs).deletionTimestamp) continue;
      const ns = String(meta(rs).namespace);
      const want = Number(o(rs.spec).replicas ?? 1);
      const mine = pods.filter((p) => controllerOf(p)?.uid === meta(rs).uid && !meta(p).deletionTimestamp);
      for (let i = mine.length; i < want; i++) {
        const spec = o(o(o(rs.spec).template).spec);
        const node = this.schedule(spec, nodes, pods);
        const pod = podFromTemplate(
          o(o(rs.spec).template),
          rs,
          "ReplicaSet",
          "apps/v1",
          `${String(meta(rs).name)}-${rand5()}`,
          {},
          node,
        );
        if (!node)
          pod.status = {
            phase: "Pending",
            conditions: [
              {
                type: "PodScheduled",
                status: "False",
                reason: "Unschedulable",
                message: `0/${nodes.length} nodes are available (simulated scheduler: no Ready node fits, nor a NotReady one whose taint it tolerates)`,
              },
            ],
          };
        await this.create(T("pods"), ns, pod);
        pods.push(pod);
      }
      for (const p of mine.slice(want)) await this.remove(T("pods"), p);
      const ready = mine.slice(0, want).filter(podReady).length;
      const status: Obj = {
        replicas: Math.min(mine.length, want),
        fullyLabeledReplicas: Math.min(mine.length, want),
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: meta(rs).generation,
      };
      if (JSON.stringify(o(rs.status)) !== JSON.stringify(status))
        await this.put(T("replicasets"), rs, { ...rs, status });
    }
    // Unscheduled pods get a node once one fits (a node turned Ready, a cordon lifted).
    for (const p of pods) {
      if (o(p.spec).nodeName || meta(p).deletionTimestamp || !meta(p).uid) continue;
      const node = this.schedule(o(p.spec), nodes, pods);
      if (!node) continue;
      const next = structuredClone(p);
      o(next.spec).nodeName = node;
      next.status = { phase: "Pending", qosClass: "BestEffort" };
      await this.put(T("pods"), p, next);
      o(p.spec).nodeName = node;
    }
  }

  private async daemonSets(dss: Obj[], pods: Obj[], nodes: Obj[]): Promise<void> {
    for (const ds of dss) {
      if (meta(ds).deletionTimestamp) continue;
      const ns = String(meta(ds).namespace);
      const template = o(o(ds.spec).template);
      const hash = templateHash(template);
      const eligible = nodes.filter((n) => fits(o(template.spec), n, true));
      const mine = pods.filter((p) => controllerOf(p)?.uid === meta(ds).uid && !meta(p).deletionTimestamp);
      for (const n of eligible) {
        const name = String(meta(n).name);
        const here = mine.filter((p) => o(p.spec).nodeName === name);
        const current = here.find((p) => o(meta(p).labels)["controller-revision-hash"] === hash);
        for (const p of here) if (p !== current) await this.remove(T("pods"), p);
        if (!current)
          await this.create(
            T("pods"),
            ns,
            podFromTemplate(
              template,
              ds,
              "DaemonSet",
              "apps/v1",
              `${String(meta(ds).name)}-${rand5()}`,
              {
                "controller-revision-hash": hash,
                "pod-template-generation": String(meta(ds).generation ?? 1),
              },
              name,
            ),
          );
      }
      for (const p of mine)
        if (!eligible.some((n) => meta(n).name === o(p.spec).nodeName)) await this.remove(T("pods"), p);
      const onEligible = mine.filter((p) => eligible.some((n) => meta(n).name === o(p.spec).nodeName));
      const updated = onEligible.filter((p) => o(meta(p).labels)["controller-revision-hash"] === hash);
      const ready = updated.filter(podReady).length;
      const status: Obj = {
        currentNumberScheduled: new Set(onEligible.map((p) => o(p.spec).nodeName)).size,
        desiredNumberScheduled: eligible.length,
        numberMisscheduled: 0,
        numberReady: onEligible.filter(podReady).length,
        observedGeneration: meta(ds).generation,
        updatedNumberScheduled: updated.length,
        numberAvailable: ready,
        ...(eligible.length - ready > 0 ? { numberUnavailable: eligible.length - ready } : {}),
      };
      if (JSON.stringify(o(ds.status)) !== JSON.stringify(status))
        await this.put(T("daemonsets"), ds, { ...ds, status });
    }
  }

  private async jobs(jobs: Obj[], pods: Obj[], nodes: Obj[]): Promise<void> {
    for (const j of jobs) {
      if (meta(j).deletionTimestamp) continue;
      const spec = o(j.spec);
      const ns = String(meta(j).namespace);
      const completions = Number(spec.completions ?? 1);
      const parallelism = Number(spec.parallelism ?? 1);
      const backoffLimit = Number(spec.backoffLimit ?? 6);
      const mine = pods.filter((p) => controllerOf(p)?.uid === meta(j).uid);
      const succeeded = mine.filter((p) => o(p.status).phase === "Succeeded").length;
      const failed = mine.filter((p) => o(p.status).phase === "Failed").length;
      const active = mine.filter(
        (p) => !["Succeeded", "Failed"].includes(String(o(p.status).phase)) && !meta(p).deletionTimestamp,
      ).length;
      const prev = o(j.status);
      const done = a(prev.conditions).some(
        (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
      );
      const failedOut = failed > backoffLimit;
      if (!done && !failedOut && succeeded < completions)
        for (let i = active; i < Math.min(parallelism, completions - succeeded); i++) {
          const tspec = o(o(spec.template).spec);
          const node = this.schedule(tspec, nodes, pods);
          const pod = podFromTemplate(
            o(spec.template),
            j,
            "Job",
            "batch/v1",
            `${String(meta(j).name)}-${rand5()}`,
            { "batch.kubernetes.io/job-name": String(meta(j).name), "job-name": String(meta(j).name) },
            node,
          );
          o(pod.spec).restartPolicy = o(o(spec.template).spec).restartPolicy ?? "Never";
          await this.create(T("pods"), ns, pod);
          pods.push(pod);
        }
      const now = rfc3339();
      const conditions: Obj[] = [...a(prev.conditions)];
      if (!done && succeeded >= completions)
        conditions.push(
          {
            type: "SuccessCriteriaMet",
            status: "True",
            reason: "CompletionsReached",
            message: "Reached expected number of succeeded pods",
            lastProbeTime: now,
            lastTransitionTime: now,
          },
          {
            type: "Complete",
            status: "True",
            reason: "CompletionsReached",
            message: "Reached expected number of succeeded pods",
            lastProbeTime: now,
            lastTransitionTime: now,
          },
        );
      if (!done && failedOut)
        conditions.push(
          {
            type: "FailureTarget",
            status: "True",
            reason: "BackoffLimitExceeded",
            message: "Job has reached the specified backoff limit",
            lastProbeTime: now,
            lastTransitionTime: now,
          },
          {
            type: "Failed",
            status: "True",
            reason: "BackoffLimitExceeded",
            message: "Job has reached the specified backoff limit",
            lastProbeTime: now,
            lastTransitionTime: now,
          },
        );
      const status: Obj = {
        startTime: prev.startTime ?? now,
        ...(active ? { active } : {}),
        ...(succeeded ? { succeeded } : {}),
        ...(failed ? { failed } : {}),
        ready: mine.filter(podReady).length,
        ...(conditions.length ? { conditions } : {}),
        ...(succeeded >= completions ? { completionTime: prev.completionTime ?? now } : {}),
        uncountedTerminatedPods: {},
      };
      if (JSON.stringify(stripTimes(prev)) !== JSON.stringify(stripTimes(status)))
        await this.put(T("jobs"), j, { ...j, status });
      // cairn's bootstrap Job done: what its steps would have installed appears (simulated).
      if (!done && succeeded >= completions)
        for (const obj of bootstrapInstallObjects(j)) {
          const type = T(
            obj.kind === "Namespace" ? "namespaces" : obj.kind === "DaemonSet" ? "daemonsets" : "deployments",
          );
          await this.create(type, meta(obj).namespace as string | undefined, obj);
        }
    }
  }

  // ---- pod status -------------------------------------------------------------------------------------------------

  private async podStatuses(
    pods: Obj[],
    rss: Obj[],
    kubelets: readonly Kubelet[],
    nodes: Obj[],
  ): Promise<void> {
    // Every kubelet reports its pods at once.
    await inParallel(this.podStatusUpdates(pods, rss, kubelets, nodes), (p) =>
      this.put(T("pods"), p.before, p.after),
    );
  }

  /** The pods whose status changes, old and new (no write). */
  private podStatusUpdates(
    pods: Obj[],
    rss: Obj[],
    kubelets: readonly Kubelet[],
    nodes: Obj[],
  ): { before: Obj; after: Obj }[] {
    const updates: { before: Obj; after: Obj }[] = [];
    for (const p of pods) {
      if (!meta(p).uid || meta(p).deletionTimestamp) continue;
      const nodeName = o(p.spec).nodeName;
      if (!nodeName) continue;
      const k = kubelets.find((x) => x.name === nodeName);
      const node = nodes.find((n) => meta(n).name === nodeName);
      if (!node) continue;
      const bound = Date.parse(String(o(p.status).startTime ?? meta(p).creationTimestamp));
      const fault = this.options.faults.get(this.workloadOf(p, rss));
      const owner = controllerOf(p)?.kind;
      if (
        fault ||
        !["Running", "Succeeded", "Failed"].includes(String(o(p.status).phase)) ||
        Date.now() - bound < this.options.startDelayMs * 3
      )
        this.settled = false;
      const status = podStatusFor(
        p,
        k?.up ?? false,
        Date.now() - bound,
        this.options.startDelayMs,
        fault,
        owner === "Job",
        k?.address ?? "",
        o(p.spec).hostNetwork === true
          ? (k?.address ?? "")
          : podIp(String(meta(p).uid), k?.facts.podSubnets[0] ?? "10.244.0.0/16"),
      );
      if (["Succeeded", "Failed"].includes(String(o(p.status).phase)) && owner === "Job") continue;
      if (JSON.stringify(stripTimes(o(p.status))) !== JSON.stringify(stripTimes(status)))
        updates.push({ before: p, after: { ...p, status } });
    }
    return updates;
  }

  private async budgets(pdbs: Obj[], pods: Obj[]): Promise<void> {
    for (const pdb of pdbs) {
      const s = budgetStatus(pdb, pods);
      const status: Obj = {
        observedGeneration: meta(pdb).generation,
        currentHealthy: s.currentHealthy,
        desiredHealthy: s.desiredHealthy,
        expectedPods: s.expectedPods,
        disruptionsAllowed: s.disruptionsAllowed,
        conditions: [
          {
            type: "DisruptionAllowed",
            status: s.disruptionsAllowed > 0 ? "True" : "False",
            reason: s.disruptionsAllowed > 0 ? "SufficientPods" : "InsufficientPods",
            message: "",
            observedGeneration: meta(pdb).generation,
            lastTransitionTime: rfc3339(),
          },
        ],
      };
      if (JSON.stringify(stripTimes(o(pdb.status))) !== JSON.stringify(stripTimes(status)))
        await this.put(T("poddisruptionbudgets"), pdb, { ...pdb, status });
    }
  }
}

/** Runs `f` over `items`, at most `limit` at a time (writes to etcd in parallel, bounded). */
async function inParallel<T>(items: readonly T[], f: (x: T) => Promise<void>, limit = 16): Promise<void> {
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < items.length) await f(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

/** Status without timestamps, to tell a real change from a re-stamp. */
function stripTimes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripTimes);
  if (typeof v !== "object" || v === null) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v))
    if (!/Time$|^startTime$|^startedAt$|^time$/.test(k)) out[k] = stripTimes(x);
  return out;
}
