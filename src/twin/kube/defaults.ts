// The defaulting kube-apiserver applies on write that later readers (kubectl rollout status, cairn's checks) rely on.
import type { ResourceType } from "./resources.js";
import { meta, now3339, o, type Obj } from "./store.js";

/** The defaulting kube-apiserver does that later readers rely on. */
export function defaults(type: ResourceType, obj: Obj): void {
  const spec = o(obj.spec);
  if (type.kind === "Deployment" || type.kind === "ReplicaSet" || type.kind === "StatefulSet") {
    if (spec.replicas === undefined) spec.replicas = 1;
    if (type.kind === "Deployment" && spec.strategy === undefined)
      spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } };
    if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
    if (type.kind === "Deployment" && spec.progressDeadlineSeconds === undefined)
      spec.progressDeadlineSeconds = 600;
  }
  if (type.kind === "DaemonSet" && spec.updateStrategy === undefined)
    spec.updateStrategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
  if (type.kind === "Job") {
    if (spec.completions === undefined) spec.completions = 1;
    if (spec.parallelism === undefined) spec.parallelism = 1;
    if (spec.backoffLimit === undefined) spec.backoffLimit = 6;
  }
  if (type.kind === "Service") {
    if (spec.type === undefined) spec.type = "ClusterIP";
    if (spec.clusterIP === undefined && spec.type !== "ExternalName") {
      const h = [...String(o(obj.metadata).name)].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 7);
      spec.clusterIP = `10.96.${(h >> 8) & 255}.${Math.max(2, h & 255)}`;
      spec.clusterIPs = [spec.clusterIP];
    }
    for (const p of Array.isArray(spec.ports) ? (spec.ports as Obj[]) : []) {
      if (p.protocol === undefined) p.protocol = "TCP";
      if (p.targetPort === undefined) p.targetPort = p.port;
    }
  }
  if (type.kind === "Namespace") {
    obj.status = { phase: "Active" };
    meta(obj).labels = { ...o(meta(obj).labels), "kubernetes.io/metadata.name": String(meta(obj).name) };
  }
  if (type.kind === "Secret") {
    if (obj.type === undefined) obj.type = "Opaque";
    // stringData is write-only: kube-apiserver folds it into data (base64) and never stores it.
    const stringData = o(obj.stringData);
    if (Object.keys(stringData).length) {
      const data = { ...o(obj.data) };
      for (const [k, v] of Object.entries(stringData))
        data[k] = Buffer.from(String(v), "utf8").toString("base64");
      obj.data = data;
    }
    delete obj.stringData;
  }
  if (type.kind === "Pod" && obj.status === undefined)
    obj.status = { phase: "Pending", qosClass: "BestEffort" };
  if (type.kind === "CustomResourceDefinition") {
    const names = o(spec.names);
    obj.status = {
      conditions: [
        {
          type: "NamesAccepted",
          status: "True",
          reason: "NoConflicts",
          message: "no conflicts found",
          lastTransitionTime: now3339(),
        },
        {
          type: "Established",
          status: "True",
          reason: "InitialNamesAccepted",
          message: "the initial names have been accepted",
          lastTransitionTime: now3339(),
        },
      ],
      acceptedNames: {
        ...names,
        singular: names.singular ?? String(names.kind ?? "").toLowerCase(),
        listKind: names.listKind ?? `${String(names.kind)}List`,
      },
      storedVersions: (Array.isArray(spec.versions) ? (spec.versions as Obj[]) : [])
        .filter((v) => v.storage)
        .map((v) => v.name),
    };
  }
}
