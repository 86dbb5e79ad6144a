// Server-side printing: the meta.k8s.io/v1 Table kubectl asks for (`Accept: application/json;as=Table;…`), with the
// columns kube-apiserver's printers give each built-in type and a CRD's additionalPrinterColumns for custom ones.
import type { ResourceType } from "./resources.js";

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const a = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

interface Column {
  name: string;
  type: string;
  format?: string;
  priority?: number;
  cell: (obj: Obj, now: number) => unknown;
}

/** apimachinery's duration.HumanDuration, which every AGE column uses. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

const age = (obj: Obj, now: number): string => {
  const ts = o(obj.metadata).creationTimestamp;
  return typeof ts === "string" ? humanDuration(now - Date.parse(ts)) : "<unknown>";
};
const name: Column = { name: "Name", type: "string", format: "name", cell: (x) => o(x.metadata).name };
const ageCol: Column = { name: "Age", type: "string", cell: age };
const num = (v: unknown): number => (typeof v === "number" ? v : 0);

function nodeStatus(n: Obj): string {
  const ready = a(o(n.status).conditions).find((c) => c.type === "Ready");
  const s = ready?.status === "True" ? "Ready" : ready?.status === "False" ? "NotReady" : "Unknown";
  return o(n.spec).unschedulable === true ? `${s},SchedulingDisabled` : s;
}

function nodeRoles(n: Obj): string {
  const roles = Object.keys(o(o(n.metadata).labels))
    .filter((k) => k.startsWith("node-role.kubernetes.io/"))
    .map((k) => k.slice("node-role.kubernetes.io/".length))
    .filter((r) => r);
  return roles.length ? roles.sort().join(",") : "<none>";
}

function podStatus(p: Obj): string {
  const meta = o(p.metadata);
  const status = o(p.status);
  if (meta.deletionTimestamp) return "Terminating";
  let reason = String(status.reason ?? status.phase ?? "Pending");
  for (const c of a(status.containerStatuses)) {
    const waiting = o(o(c.state).waiting);
    const terminated = o(o(c.state).terminated);
    if (waiting.reason) reason = String(waiting.reason);
    else if (terminated.reason && status.phase !== "Running") reason = String(terminated.reason);
  }
  return reason;
}

function podReady(p: Obj): string {
  const cs = a(o(p.status).containerStatuses);
  const total = a(o(p.spec).containers).length;
  return `${cs.filter((c) => c.ready === true).length}/${total}`;
}

function servicePorts(s: Obj): string {
  const ports = a(o(s.spec).ports).map(
    (p) => `${String(p.port)}${p.nodePort ? `:${String(p.nodePort)}` : ""}/${String(p.protocol ?? "TCP")}`,
  );
  return ports.length ? ports.join(",") : "<none>";
}

function conditionTrue(obj: Obj, type: string): boolean {
  return a(o(obj.status).conditions).some((c) => c.type === type && c.status === "True");
}

const COLUMNS: Record<string, Column[]> = {
  Node: [
    name,
    { name: "Status", type: "string", cell: nodeStatus },
    { name: "Roles", type: "string", cell: nodeRoles },
    ageCol,
    { name: "Version", type: "string", cell: (n) => o(o(o(n.status).nodeInfo)).kubeletVersion ?? "" },
    {
      name: "Internal-IP",
      type: "string",
      priority: 1,
      cell: (n) => a(o(n.status).addresses).find((x) => x.type === "InternalIP")?.address ?? "<none>",
    },
    { name: "External-IP", type: "string", priority: 1, cell: () => "<none>" },
    { name: "OS-Image", type: "string", priority: 1, cell: (n) => o(o(n.status).nodeInfo).osImage ?? "" },
    {
      name: "Kernel-Version",
      type: "string",
      priority: 1,
      cell: (n) => o(o(n.status).nodeInfo).kernelVersion ?? "",
    },
    {
      name: "Container-Runtime",
      type: "string",
      priority: 1,
      cell: (n) => o(o(n.status).nodeInfo).containerRuntimeVersion ?? "",
    },
  ],
  Pod: [
    name,
    { name: "Ready", type: "string", cell: podReady },
    { name: "Status", type: "string", cell: podStatus },
    {
      name: "Restarts",
      type: "string",
      cell: (p) => String(a(o(p.status).containerStatuses).reduce((s, c) => s + num(c.restartCount), 0)),
    },
    ageCol,
    { name: "IP", type: "string", priority: 1, cell: (p) => o(p.status).podIP ?? "<none>" },
    { name: "Node", type: "string", priority: 1, cell: (p) => o(p.spec).nodeName ?? "<none>" },
  ],
  Deployment: [
    name,
    {
      name: "Ready",
      type: "string",
      cell: (d) => `${num(o(d.status).readyReplicas)}/${num(o(d.spec).replicas ?? 1)}`,
    },
    { name: "Up-to-date", type: "integer", cell: (d) => num(o(d.status).updatedReplicas) },
    { name: "Available", type: "integer", cell: (d) => num(o(d.status).availableReplicas) },
    ageCol,
  ],
  ReplicaSet: [
    name,
    { name: "Desired", type: "integer", cell: (r) => num(o(r.spec).replicas) },
    { name: "Current", type: "integer", cell: (r) => num(o(r.status).replicas) },
    { name: "Ready", type: "integer", cell: (r) => num(o(r.status).readyReplicas) },
    ageCol,
  ],
  DaemonSet: [
    name,
    { name: "Desired", type: "integer", cell: (d) => num(o(d.status).desiredNumberScheduled) },
    { name: "Current", type: "integer", cell: (d) => num(o(d.status).currentNumberScheduled) },
    { name: "Ready", type: "integer", cell: (d) => num(o(d.status).numberReady) },
    { name: "Up-to-date", type: "integer", cell: (d) => num(o(d.status).updatedNumberScheduled) },
    { name: "Available", type: "integer", cell: (d) => num(o(d.status).numberAvailable) },
    {
      name: "Node Selector",
      type: "string",
      cell: (d) =>
        Object.entries(o(o(o(o(d.spec).template).spec).nodeSelector))
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(",") || "<none>",
    },
    ageCol,
  ],
  Job: [
    name,
    {
      name: "Status",
      type: "string",
      cell: (j) =>
        conditionTrue(j, "Complete") ? "Complete" : conditionTrue(j, "Failed") ? "Failed" : "Running",
    },
    {
      name: "Completions",
      type: "string",
      cell: (j) => `${num(o(j.status).succeeded)}/${num(o(j.spec).completions ?? 1)}`,
    },
    ageCol,
  ],
  Service: [
    name,
    { name: "Type", type: "string", cell: (s) => o(s.spec).type ?? "ClusterIP" },
    { name: "Cluster-IP", type: "string", cell: (s) => o(s.spec).clusterIP ?? "<none>" },
    { name: "External-IP", type: "string", cell: () => "<none>" },
    { name: "Port(s)", type: "string", cell: servicePorts },
    ageCol,
  ],
  Namespace: [name, { name: "Status", type: "string", cell: (n) => o(n.status).phase ?? "Active" }, ageCol],
  ConfigMap: [
    name,
    { name: "Data", type: "integer", cell: (c) => Object.keys({ ...o(c.data), ...o(c.binaryData) }).length },
    ageCol,
  ],
  Secret: [
    name,
    { name: "Type", type: "string", cell: (s) => s.type ?? "Opaque" },
    { name: "Data", type: "integer", cell: (s) => Object.keys(o(s.data)).length },
    ageCol,
  ],
  Lease: [name, { name: "Holder", type: "string", cell: (l) => o(l.spec).holderIdentity ?? "" }, ageCol],
  PodDisruptionBudget: [
    name,
    { name: "Min Available", type: "string", cell: (p) => String(o(p.spec).minAvailable ?? "N/A") },
    { name: "Max Unavailable", type: "string", cell: (p) => String(o(p.spec).maxUnavailable ?? "N/A") },
    { name: "Allowed Disruptions", type: "integer", cell: (p) => num(o(p.status).disruptionsAllowed) },
    ageCol,
  ],
  CustomResourceDefinition: [
    name,
    { name: "Created At", type: "date", cell: (c) => o(c.metadata).creationTimestamp },
  ],
};

/** A small JSONPath for printer columns: `.a.b`, `[n]`, `[?(@.k=="v")]`. */
function jsonPathValue(obj: unknown, path: string): unknown {
  const tokens = path.match(/\.[^.[\]]+|\[\?\(@\.[^=]+==["'][^"']*["']\)\]|\[\d+\]/g) ?? [];
  let cur: unknown = obj;
  for (const t of tokens) {
    if (cur === undefined || cur === null) return undefined;
    if (t.startsWith("[?")) {
      const m = /\[\?\(@\.([^=]+)==["']([^"']*)["']\)\]/.exec(t)!;
      cur = a(cur).find((x) => String(o(x)[m[1]!]) === m[2]);
    } else if (t.startsWith("[")) cur = Array.isArray(cur) ? cur[Number(t.slice(1, -1))] : undefined;
    else cur = o(cur)[t.slice(1)];
  }
  return cur;
}

function columnsFor(type: ResourceType): Column[] {
  if (type.crd) {
    const cols = type.crd.printerColumns.map((c): Column => ({
      name: c.name,
      type: c.type,
      priority: c.priority ?? 0,
      cell: (x, now) => {
        const v = jsonPathValue(x, c.jsonPath);
        if (c.type === "date" && typeof v === "string") return humanDuration(now - Date.parse(v));
        return v ?? null;
      },
    }));
    return [name, ...cols, ...(cols.some((c) => c.name === "Age") ? [] : [ageCol])];
  }
  return (
    COLUMNS[type.kind] ?? [
      name,
      { name: "Created At", type: "date", cell: (x) => o(x.metadata).creationTimestamp },
    ]
  );
}

export function toTable(
  type: ResourceType,
  objects: readonly Obj[],
  listMeta: Obj,
  includeObject: "None" | "Metadata" | "Object",
  now = Date.now(),
): Obj {
  const cols = columnsFor(type);
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta,
    columnDefinitions: cols.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? "",
      description: "",
      priority: c.priority ?? 0,
    })),
    rows: objects.map((x) => ({
      cells: cols.map((c) => c.cell(x, now) ?? null),
      object:
        includeObject === "Object"
          ? x
          : includeObject === "None"
            ? null
            : { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: x.metadata },
    })),
  };
}
