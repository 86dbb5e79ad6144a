// Pure pieces of the simulated controllers: scheduling (node selectors, taints and tolerations), pod status as a
// simulated kubelet reports it (with injected faults), and workload status the way kubectl's rollout checks read it.
import { createHash } from "node:crypto";

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const a = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

export type WorkloadFault = "crash-loop" | "image-pull";

export const rfc3339 = (ms = Date.now()): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The pod-template-hash / controller-revision-hash of a template (stable, short, label-safe). */
export function templateHash(template: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify(template ?? {}))
    .digest("hex")
    .slice(0, 10);
}

export function nodeReady(node: Obj): boolean {
  return a(o(node.status).conditions).some((c) => c.type === "Ready" && c.status === "True");
}

function tolerates(tolerations: Obj[], taint: Obj): boolean {
  return tolerations.some((t) => {
    if (t.effect !== undefined && t.effect !== "" && t.effect !== taint.effect) return false;
    if (t.operator === "Exists") return t.key === undefined || t.key === "" || t.key === taint.key;
    return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
  });
}

/** Can a pod with this spec run on `node`? DaemonSet pods tolerate what the DaemonSet controller adds for them. */
export function fits(podSpec: Obj, node: Obj, daemon: boolean): boolean {
  const labels = o(o(node.metadata).labels);
  for (const [k, v] of Object.entries(o(podSpec.nodeSelector))) if (labels[k] !== v) return false;
  const tolerations = [...a(podSpec.tolerations)];
  if (daemon)
    for (const key of [
      "node.kubernetes.io/not-ready",
      "node.kubernetes.io/unreachable",
      "node.kubernetes.io/unschedulable",
      "node.kubernetes.io/disk-pressure",
      "node.kubernetes.io/memory-pressure",
      "node.kubernetes.io/pid-pressure",
    ])
      tolerations.push({ key, operator: "Exists" });
  else if (o(node.spec).unschedulable === true) return false;
  return a(o(node.spec).taints)
    .filter((t) => t.effect === "NoSchedule" || t.effect === "NoExecute")
    .every((t) => tolerates(tolerations, t));
}

/** The pod's status for a kubelet that is up (`kubeletUp`) or gone, `ageMs` after it was bound. */
export function podStatusFor(
  pod: Obj,
  kubeletUp: boolean,
  ageMs: number,
  startDelayMs: number,
  fault: WorkloadFault | undefined,
  runToCompletion: boolean,
  hostIP: string,
  podIP: string,
): Obj {
  const spec = o(pod.spec);
  const previous = o(pod.status);
  const containers = a(spec.containers);
  const started = ageMs >= startDelayMs;
  const startTime = previous.startTime ?? rfc3339();
  const base: Obj = {
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime,
    qosClass: previous.qosClass ?? "BestEffort",
  };
  const cond = (type: string, status: boolean, reason?: string): Obj => ({
    type,
    status: status ? "True" : "False",
    lastProbeTime: null,
    lastTransitionTime: previous.startTime ?? rfc3339(),
    ...(reason ? { reason } : {}),
  });
  if (!kubeletUp) {
    return {
      ...previous,
      ...base,
      phase: previous.phase ?? "Pending",
      conditions: [
        cond("PodScheduled", true),
        cond("Initialized", true),
        cond("Ready", false, "NodeNotReady"),
        cond("ContainersReady", false),
      ],
      containerStatuses: a(previous.containerStatuses).map((c) => ({ ...c, ready: false })),
    };
  }
  const image = (c: Obj): string => String(c.image ?? "");
  if (!started) {
    return {
      ...base,
      phase: "Pending",
      conditions: [
        cond("PodScheduled", true),
        cond("Initialized", true),
        cond("Ready", false, "ContainersNotReady"),
        cond("ContainersReady", false, "ContainersNotReady"),
      ],
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: image(c),
        imageID: "",
        ready: false,
        restartCount: 0,
        started: false,
        state: { waiting: { reason: "ContainerCreating" } },
      })),
    };
  }
  if (fault === "image-pull") {
    const backoff = ageMs > startDelayMs * 3;
    return {
      ...base,
      phase: "Pending",
      conditions: [
        cond("PodScheduled", true),
        cond("Initialized", true),
        cond("Ready", false, "ContainersNotReady"),
        cond("ContainersReady", false, "ContainersNotReady"),
      ],
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: image(c),
        imageID: "",
        ready: false,
        restartCount: 0,
        started: false,
        state: {
          waiting: {
            reason: backoff ? "ImagePullBackOff" : "ErrImagePull",
            message: `${backoff ? "Back-off pulling image" : "failed to pull image"} "${image(c)}" (simulated fault injected into the cairn twin)`,
          },
        },
      })),
    };
  }
  if (fault === "crash-loop") {
    const restarts = Math.max(1, Math.floor((ageMs - startDelayMs) / Math.max(200, startDelayMs)));
    if (runToCompletion)
      return {
        ...base,
        phase: "Failed",
        conditions: [
          cond("PodScheduled", true),
          cond("Initialized", true),
          cond("Ready", false, "PodFailed"),
          cond("ContainersReady", false, "PodFailed"),
        ],
        containerStatuses: containers.map((c) => ({
          name: c.name,
          image: image(c),
          imageID: `${image(c)}@sha256:simulated`,
          ready: false,
          restartCount: 0,
          started: false,
          state: {
            terminated: {
              exitCode: 1,
              reason: "Error",
              message: "simulated crash (fault injected into the cairn twin)",
            },
          },
        })),
      };
    return {
      ...base,
      phase: "Running",
      conditions: [
        cond("PodScheduled", true),
        cond("Initialized", true),
        cond("Ready", false, "ContainersNotReady"),
        cond("ContainersReady", false, "ContainersNotReady"),
      ],
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: image(c),
        imageID: `${image(c)}@sha256:simulated`,
        ready: false,
        restartCount: restarts,
        started: false,
        state: {
          waiting: {
            reason: "CrashLoopBackOff",
            message: `back-off restarting failed container ${String(c.name)} (simulated fault injected into the cairn twin)`,
          },
        },
        lastState: { terminated: { exitCode: 1, reason: "Error" } },
      })),
    };
  }
  if (runToCompletion && ageMs >= startDelayMs * 2) {
    return {
      ...base,
      phase: "Succeeded",
      conditions: [
        cond("PodScheduled", true),
        cond("Initialized", true),
        cond("Ready", false, "PodCompleted"),
        cond("ContainersReady", false, "PodCompleted"),
      ],
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: image(c),
        imageID: `${image(c)}@sha256:simulated`,
        ready: false,
        restartCount: 0,
        started: false,
        state: { terminated: { exitCode: 0, reason: "Completed" } },
      })),
    };
  }
  return {
    ...base,
    phase: "Running",
    conditions: [
      cond("PodScheduled", true),
      cond("Initialized", true),
      cond("Ready", true),
      cond("ContainersReady", true),
    ],
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: image(c),
      imageID: `${image(c)}@sha256:simulated`,
      ready: true,
      restartCount: 0,
      started: true,
      state: { running: { startedAt: startTime } },
    })),
  };
}

export const podReady = (pod: Obj): boolean =>
  !o(pod.metadata).deletionTimestamp &&
  a(o(pod.status).conditions).some((c) => c.type === "Ready" && c.status === "True");

/** A new pod from a template, owned by `owner`. */
export function podFromTemplate(
  template: Obj,
  owner: Obj,
  ownerKind: string,
  ownerApiVersion: string,
  name: string,
  extraLabels: Record<string, string>,
  nodeName?: string,
): Obj {
  const tm = o(template.metadata);
  const spec = structuredClone(o(template.spec));
  if (nodeName) spec.nodeName = nodeName;
  if (spec.restartPolicy === undefined) spec.restartPolicy = "Always";
  if (spec.terminationGracePeriodSeconds === undefined) spec.terminationGracePeriodSeconds = 30;
  if (spec.dnsPolicy === undefined) spec.dnsPolicy = "ClusterFirst";
  if (spec.schedulerName === undefined) spec.schedulerName = "default-scheduler";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: o(owner.metadata).namespace,
      labels: { ...o(tm.labels), ...extraLabels },
      ...(tm.annotations ? { annotations: tm.annotations } : {}),
      ownerReferences: [
        {
          apiVersion: ownerApiVersion,
          kind: ownerKind,
          name: o(owner.metadata).name,
          uid: o(owner.metadata).uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec,
    status: { phase: "Pending", qosClass: "BestEffort" },
  };
}

export function controllerOf(obj: Obj): Obj | undefined {
  return a(o(obj.metadata).ownerReferences).find((r) => r.controller === true);
}

/** maxUnavailable of a Deployment's rolling update, resolved against its replicas (rounding down, as Kubernetes). */
export function maxUnavailable(deploy: Obj): number {
  const spec = o(deploy.spec);
  const replicas = Number(spec.replicas ?? 1);
  const v = o(o(spec.strategy).rollingUpdate).maxUnavailable ?? "25%";
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(String(v));
  return m ? Math.floor((Number(m[1]) * replicas) / 100) : 0;
}
