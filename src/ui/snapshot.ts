// What the page shows of the cluster's health: one entry per node (stage, versions, etcd role, readiness, twin
// faults, and a verdict with its reasons) plus the cluster-wide checks (etcd, certificate expiry). Pure: built from
// the same report `cairn health --output json` prints, so the page and the terminal never disagree.

type Verdict = "ok" | "warn" | "fail";

/** The slice of a `cairn health` report this view reads (src/ops/health.ts HealthReport satisfies it). */
export interface HealthReportLike {
  cluster: string;
  simulated: boolean;
  ok: boolean;
  checks: readonly { check: string; subject: string; status: Verdict; message: string }[];
  nodes: readonly {
    name: string;
    role: "controlplane" | "worker";
    endpoint: string | undefined;
    addresses: readonly string[];
    reachable: boolean;
    talosVersion?: string | undefined;
    kubernetesVersion?: string | undefined;
    stage?: string | undefined;
    ready?: boolean | undefined;
    unmet?: readonly string[] | undefined;
    etcd?: string | undefined;
    error?: string | undefined;
  }[];
}

interface NodeHealth {
  name: string;
  role: "controlplane" | "worker";
  /** Where cairn dials it (the twin's loopback address when simulated). */
  endpoint: string | null;
  addresses: string[];
  reachable: boolean;
  stage: string | null;
  talosVersion: string | null;
  kubernetesVersion: string | null;
  etcd: string | null;
  ready: boolean | null;
  /** Faults injected into the node's twin stand-in (`cairn twin fault`); empty off the twin. */
  faults: string[];
  verdict: Verdict;
  /** The failing and warning checks about this node, worst first. */
  problems: string[];
}

interface ClusterCheck {
  check: string;
  subject: string;
  status: Verdict;
  message: string;
}

export interface HealthSnapshot {
  cluster: string;
  simulated: boolean;
  /** When the sweep started and how long it took. */
  at: string;
  ms: number;
  ok: boolean;
  nodes: NodeHealth[];
  /** Checks not about one node: etcd, certificate expiry. */
  checks: ClusterCheck[];
  /** Set when the sweep itself failed (the previous nodes are kept so the page does not go blank). */
  error?: string;
}

const rank: Record<Verdict, number> = { fail: 2, warn: 1, ok: 0 };

function worst(a: Verdict, b: Verdict): Verdict {
  return rank[a] >= rank[b] ? a : b;
}

export function healthSnapshot(
  report: HealthReportLike,
  faults: ReadonlyMap<string, readonly string[]>,
  at: string,
  ms: number,
): HealthSnapshot {
  const nodeNames = new Set(report.nodes.map((n) => n.name));
  const nodes = report.nodes.map((n): NodeHealth => {
    const mine = report.checks
      .filter((c) => c.subject === n.name && c.status !== "ok")
      .sort((a, b) => rank[b.status] - rank[a.status]);
    let verdict: Verdict = n.reachable ? "ok" : "fail";
    for (const c of mine) verdict = worst(verdict, c.status);
    const f = [...(faults.get(n.name) ?? [])];
    const problems = mine.map((c) => `${c.check}: ${c.message}`);
    if (!n.reachable && !mine.some((c) => c.check === "reachable"))
      problems.unshift(`reachable: ${n.error ?? "unreachable"}`);
    return {
      name: n.name,
      role: n.role,
      endpoint: n.endpoint ?? null,
      addresses: [...n.addresses],
      reachable: n.reachable,
      stage: n.stage ?? null,
      talosVersion: n.talosVersion ?? null,
      kubernetesVersion: n.kubernetesVersion ?? null,
      etcd: n.etcd ?? null,
      ready: n.ready ?? null,
      faults: f,
      verdict,
      problems,
    };
  });
  return {
    cluster: report.cluster,
    simulated: report.simulated,
    at,
    ms: Math.round(ms),
    ok: report.ok,
    nodes,
    checks: report.checks
      .filter((c) => !nodeNames.has(c.subject))
      .map((c) => ({ check: c.check, subject: c.subject, status: c.status, message: c.message })),
  };
}
