// PodDisruptionBudget arithmetic (the disruption controller's and the eviction subresource's): how many of the
// selected pods must stay healthy, how many are, and whether evicting one more is allowed.
import { labelSelectorOf, matches } from "./selectors.js";

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});

function podHealthy(pod: Obj): boolean {
  const status = o(pod.status);
  if (o(pod.metadata).deletionTimestamp) return false;
  return (
    status.phase === "Running" &&
    (Array.isArray(status.conditions) ? (status.conditions as Obj[]) : []).some(
      (c) => c.type === "Ready" && c.status === "True",
    )
  );
}

/** An int-or-percent of `total` (percentages round up, as intstr.GetScaledValueFromIntOrPercent with roundUp). */
function scaled(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(String(v));
  if (!m) return 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

export interface BudgetStatus {
  expectedPods: number;
  currentHealthy: number;
  desiredHealthy: number;
  disruptionsAllowed: number;
}

export function budgetStatus(pdb: Obj, pods: readonly Obj[]): BudgetStatus {
  const ns = o(pdb.metadata).namespace;
  const sel = labelSelectorOf(o(pdb.spec).selector);
  const selected = pods.filter(
    (p) => o(p.metadata).namespace === ns && matches(sel, o(o(p.metadata).labels) as Record<string, string>),
  );
  const expected = selected.length;
  const healthy = selected.filter(podHealthy).length;
  const spec = o(pdb.spec);
  let desired: number;
  if (spec.minAvailable !== undefined) desired = scaled(spec.minAvailable, expected, true);
  else if (spec.maxUnavailable !== undefined)
    desired = Math.max(0, expected - scaled(spec.maxUnavailable, expected, true));
  else desired = expected;
  return {
    expectedPods: expected,
    currentHealthy: healthy,
    desiredHealthy: desired,
    disruptionsAllowed: Math.max(0, healthy - desired),
  };
}

/** Why evicting `pod` would break `pdb` (the message kube-apiserver puts in the cause), or undefined if it may go. */
export function evictionBlocker(pdb: Obj, pod: Obj, pods: readonly Obj[]): string | undefined {
  // An unhealthy pod does not count against the budget (unhealthyPodEvictionPolicy IfHealthyBudget).
  const s = budgetStatus(pdb, pods);
  if (!podHealthy(pod) && s.currentHealthy >= s.desiredHealthy) return undefined;
  if (s.disruptionsAllowed > 0) return undefined;
  return `The disruption budget ${String(o(pdb.metadata).name)} needs ${s.desiredHealthy} healthy pods and has ${s.currentHealthy} currently`;
}
