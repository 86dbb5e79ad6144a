// The Kubernetes checks of `cairn health` and of every gate (apply's final gate, the upgrade gates), as one sweep:
// the API server's /readyz; every spec node registered and Ready, with the CNI's pod ready on it; the control-plane
// static pods running; CoreDNS ready; no node left cordoned by cairn. Without a CNI installed nodes cannot be Ready
// (nor CoreDNS run), so the sweep says "no CNI installed" as a warning instead of failing — or waiting — on them.
import {
  apiReady,
  controlPlanePodsRunning,
  coreDnsReady,
  daemonSetReadyOn,
  findCni,
  nodeStates,
  type CheckResult,
  type CniInfo,
  type KubeClient,
  type NodeState,
} from "../kube/index.js";
import type { KubeTopology } from "./kube.js";

type KubeCheckStatus = "ok" | "warn" | "fail";

interface KubeFinding {
  /** api, cni, control-plane-pods, coredns, cordons — or a Node name for that node's registration and readiness. */
  subject: string;
  /** True for a node's own finding. */
  node?: boolean;
  status: KubeCheckStatus;
  message: string;
}

export interface KubeSweep {
  findings: KubeFinding[];
  /** The CNI DaemonSet, when one is installed. */
  cni?: CniInfo;
  /** No finding fails (warnings, such as "no CNI installed", do not). */
  ok: boolean;
  /** The first failing findings, one line each, for a gate's progress and timeout message. */
  waitingFor: string[];
}

/** What nodes cannot do without a CNI, said once. */
export const NO_CNI =
  "no CNI installed: nodes stay NotReady and CoreDNS cannot run until one is (install the spec's CNI add-on, or apply one)";

export interface SweepOptions {
  /** Only these Node names (a gate about one node); default every node of the topology. */
  nodes?: readonly string[];
  /** Skip the cordon check (a node under an operation is cordoned on purpose). */
  cordons?: boolean;
}

/** One sweep of the Kubernetes checks. Never throws: an unreachable API is a failing finding. */
export async function kubernetesSweep(
  client: KubeClient,
  topology: KubeTopology,
  options: SweepOptions = {},
): Promise<KubeSweep> {
  const findings: KubeFinding[] = [];
  const done = (cni?: CniInfo): KubeSweep => {
    const failing = findings.filter((f) => f.status === "fail");
    return {
      findings,
      ...(cni ? { cni } : {}),
      ok: failing.length === 0,
      waitingFor: failing.map((f) => `${f.subject}: ${f.message}`),
    };
  };
  const api = await apiReady(client);
  findings.push({ subject: "api", status: api.ok ? "ok" : "fail", message: api.detail });
  if (!api.ok) return done();
  const guard = async (subject: string, f: () => Promise<void>): Promise<void> => {
    try {
      await f();
    } catch (e) {
      findings.push({ subject, status: "fail", message: (e as Error).message.split("\n")[0]! });
    }
  };
  const nodes = options.nodes ?? topology.nodes;
  // Two rounds of reads in parallel: what is there (the CNI, every Node), then what runs on it.
  let cni: CniInfo | undefined;
  let states: NodeState[] | undefined;
  await Promise.all([
    guard("cni", async () => {
      cni = await findCni(client);
    }),
    guard("nodes", async () => {
      states = await nodeStates(client, nodes);
    }),
  ]);
  if (!states || findings.some((f) => f.subject === "cni")) return done();
  const cps = topology.controlPlanes.filter((c) => nodes.includes(c));
  let cniPods: CheckResult | undefined;
  const rest: KubeFinding[] = [];
  await Promise.all([
    guard("cni", async () => {
      if (cni) cniPods = await daemonSetReadyOn(client, cni.namespace, cni.name, nodes);
    }),
    guard("control-plane-pods", async () => {
      if (cps.length) rest.push(finding("control-plane-pods", await controlPlanePodsRunning(client, cps)));
    }),
    guard("coredns", async () => {
      if (options.nodes) return;
      const dns = finding("coredns", await coreDnsReady(client));
      // CoreDNS needs the pod network: without a CNI its pods stay Pending, which is the CNI's finding.
      if (!cni && dns.status === "fail") dns.status = "warn";
      rest.push(dns);
    }),
  ]);
  const byName = new Map(states.map((x) => [x.name, x]));
  // Without a CNI every registered node is NotReady for that one reason: said once, in the CNI's finding, rather
  // than as a warning per node (a node that did not register is still its own failure).
  const waitingForCni = cni ? [] : nodes.filter((n) => byName.get(n)?.registered && !byName.get(n)?.ready);
  for (const name of nodes)
    if (!waitingForCni.includes(name)) findings.push(nodeFinding(name, byName.get(name), cni, cniPods));
  if (!findings.some((f) => f.subject === "cni"))
    findings.push(
      cni
        ? { subject: "cni", status: "ok", message: `${cni.name} (${cni.namespace}) installed` }
        : {
            subject: "cni",
            status: "warn",
            message: waitingForCni.length
              ? `${NO_CNI}; ${waitingForCni.length} node(s) registered and NotReady for it`
              : NO_CNI,
          },
    );
  findings.push(...rest.sort((a, b) => a.subject.localeCompare(b.subject)));
  if (options.cordons !== false) {
    // Every Node, in the spec or not: a drain cairn started and did not finish.
    const left = states.filter((x) => x.cordonedByCairn).map((x) => x.name);
    findings.push(
      left.length
        ? {
            subject: "cordons",
            status: "fail",
            message: `cordoned by cairn and not uncordoned: ${left.join(", ")}`,
          }
        : { subject: "cordons", status: "ok", message: "no node left cordoned by cairn" },
    );
  }
  return done(cni);
}

function finding(subject: string, r: CheckResult): KubeFinding {
  const detail = r.ok || r.waitingFor.length === 0 ? r.detail : `${r.detail}: ${r.waitingFor.join("; ")}`;
  return { subject, status: r.ok ? "ok" : "fail", message: detail };
}

function nodeFinding(
  name: string,
  s: NodeState | undefined,
  cni: CniInfo | undefined,
  cniPods: CheckResult | undefined,
): KubeFinding {
  const base = { subject: name, node: true };
  if (!s?.registered)
    return { ...base, status: "fail", message: "not registered in Kubernetes (no Node object)" };
  const cordon = s.unschedulable ? `, cordoned${s.cordonedByCairn ? " by cairn" : ""}` : "";
  if (!s.ready)
    return cni
      ? { ...base, status: "fail", message: `NotReady: ${s.reason ?? "not ready"}${cordon}` }
      : { ...base, status: "warn", message: `NotReady: no CNI installed${cordon}` };
  const pod = cniPods?.waitingFor.find((w) => w.startsWith(`${name}: `));
  if (pod) return { ...base, status: "fail", message: `Ready, but ${pod.slice(name.length + 2)}${cordon}` };
  return {
    ...base,
    status: "ok",
    message: `Ready${s.kubeletVersion ? ` (kubelet ${s.kubeletVersion})` : ""}${cni ? `, ${cni.name} pod ready` : ""}${cordon}`,
  };
}

/** Where apply's final gate records what Kubernetes still lacks (for the apply's report); "kubernetes" is the version record (kubernetes-pin.ts). */
export const KUBERNETES_HEALTH_SECTION = "kubernetesHealth";

export interface KubernetesRecord {
  checkedAt: string;
  /** False when there was no kubeconfig to check with. */
  checked: boolean;
  /** What the cluster still lacks, one line each ("no CNI installed: …"). */
  missing: string[];
}
