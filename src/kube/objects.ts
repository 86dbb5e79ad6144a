// The few object shapes cairn reads, and helpers over them (conditions, owners, pod problems).
export type Obj = Record<string, unknown>;
export const o = (v: unknown): Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

const conditions = (obj: Obj): Condition[] => arr(o(obj.status).conditions) as unknown as Condition[];
export const condition = (obj: Obj, type: string): Condition | undefined =>
  conditions(obj).find((c) => c.type === type);
export const nameOf = (obj: Obj): string => String(o(obj.metadata).name ?? "");
export const namespaceOf = (obj: Obj): string => String(o(obj.metadata).namespace ?? "");
export const annotations = (obj: Obj): Record<string, string> =>
  o(o(obj.metadata).annotations) as Record<string, string>;

export function controllerOf(obj: Obj): { kind: string; name: string; uid: string } | undefined {
  const ref = arr(o(obj.metadata).ownerReferences).find((r) => r.controller === true);
  return ref ? { kind: String(ref.kind), name: String(ref.name), uid: String(ref.uid) } : undefined;
}

export const podReady = (pod: Obj): boolean =>
  o(pod.status).phase === "Running" &&
  condition(pod, "Ready")?.status === "True" &&
  !o(pod.metadata).deletionTimestamp;

/** Why a pod is not ready, in kubectl's words (CrashLoopBackOff, ImagePullBackOff, Pending: Unschedulable …). */
export function podProblem(pod: Obj): string | undefined {
  if (podReady(pod)) return undefined;
  const status = o(pod.status);
  for (const c of [...arr(status.initContainerStatuses), ...arr(status.containerStatuses)]) {
    const waiting = o(o(c.state).waiting);
    const terminated = o(o(c.state).terminated);
    if (waiting.reason && waiting.reason !== "ContainerCreating" && waiting.reason !== "PodInitializing")
      return `${String(waiting.reason)}${waiting.message ? `: ${String(waiting.message)}` : ""}${Number(c.restartCount) > 0 ? ` (${String(c.restartCount)} restarts)` : ""}`;
    if (terminated.reason && terminated.exitCode !== 0)
      return `${String(terminated.reason)} (exit ${String(terminated.exitCode)})`;
  }
  const scheduled = condition(pod, "PodScheduled");
  if (scheduled?.status === "False")
    return `${scheduled.reason ?? "Unschedulable"}: ${scheduled.message ?? ""}`.trim();
  return `${String(status.phase ?? "Pending")}, not ready`;
}

export function matchLabelsQuery(selector: unknown): string {
  return Object.entries(o(o(selector).matchLabels))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(",");
}

export const enc = encodeURIComponent;
