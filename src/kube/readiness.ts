// The Kubernetes checks behind `cairn health` and the gates of apply, upgrade and scale: the API server is ready,
// every expected node is registered and Ready with the CNI's pods ready on it, the control-plane static pods run,
// CoreDNS is available, and no node is left cordoned by cairn. Each check returns data; callers decide.
import type { KubeClient } from "./client.js";
import { isCniDaemonSetName } from "./cni.js";
import { CORDONED_BY_CAIRN } from "./drain.js";
import {
  annotations,
  condition,
  controllerOf,
  enc,
  matchLabelsQuery,
  nameOf,
  namespaceOf,
  o,
  podProblem,
  podReady,
} from "./objects.js";

export interface CheckResult {
  name: string;
  ok: boolean;
  /** One line: what is wrong (or what is fine). */
  detail: string;
  /** Items still waiting (node names, pod names), for progress and timeouts. */
  waitingFor: string[];
}

const result = (name: string, waitingFor: string[], okDetail: string, badDetail: string): CheckResult => ({
  name,
  ok: waitingFor.length === 0,
  detail: waitingFor.length === 0 ? okDetail : badDetail,
  waitingFor,
});

/** GET /readyz on the endpoint the client reaches. */
export async function apiReady(client: KubeClient): Promise<CheckResult> {
  try {
    const body = await client.request<string>("GET", "/readyz", { text: true });
    return {
      name: "api",
      ok: body.trim() === "ok",
      detail: body.trim() === "ok" ? `API server ready (${client.endpoint})` : body.trim(),
      waitingFor: body.trim() === "ok" ? [] : ["/readyz"],
    };
  } catch (e) {
    return { name: "api", ok: false, detail: (e as Error).message, waitingFor: ["/readyz"] };
  }
}

export interface NodeState {
  name: string;
  registered: boolean;
  ready: boolean;
  /** Ready condition's reason and message when not Ready. */
  reason?: string;
  unschedulable: boolean;
  cordonedByCairn: boolean;
  kubeletVersion?: string;
}

export async function nodeStates(client: KubeClient, expected: readonly string[]): Promise<NodeState[]> {
  const { items } = await client.list("/api/v1/nodes");
  const names = [...new Set([...expected, ...items.map(nameOf)])];
  return names.map((name) => {
    const n = items.find((x) => nameOf(x) === name);
    if (!n)
      return {
        name,
        registered: false,
        ready: false,
        reason: "not registered",
        unschedulable: false,
        cordonedByCairn: false,
      };
    const ready = condition(n, "Ready");
    return {
      name,
      registered: true,
      ready: ready?.status === "True",
      ...(ready?.status === "True"
        ? {}
        : { reason: `${ready?.reason ?? "NotReady"}${ready?.message ? `: ${ready.message}` : ""}` }),
      unschedulable: o(n.spec).unschedulable === true,
      cordonedByCairn: annotations(n)[CORDONED_BY_CAIRN] !== undefined,
      kubeletVersion: String(o(o(n.status).nodeInfo).kubeletVersion ?? ""),
    };
  });
}

/** Every expected node registered and Ready. */
export async function nodesReady(client: KubeClient, expected: readonly string[]): Promise<CheckResult> {
  const states = (await nodeStates(client, expected)).filter((s) => expected.includes(s.name));
  const bad = states.filter((s) => !s.ready);
  return result(
    "nodes",
    bad.map((s) => `${s.name}: ${s.reason ?? "not ready"}`),
    `${states.length} node(s) Ready`,
    `${bad.length} of ${states.length} node(s) not Ready`,
  );
}

/** No node carries cairn's cordon marker (a drain cairn started and did not finish). */
export async function noneCordonedByCairn(client: KubeClient): Promise<CheckResult> {
  const states = await nodeStates(client, []);
  const left = states.filter((s) => s.cordonedByCairn).map((s) => s.name);
  return result(
    "cordons",
    left,
    "no node left cordoned by cairn",
    `cordoned by cairn and not uncordoned: ${left.join(", ")}`,
  );
}

export interface CniInfo {
  namespace: string;
  name: string;
}

/** The CNI's DaemonSet, if one is installed. */
export async function findCni(client: KubeClient): Promise<CniInfo | undefined> {
  const { items } = await client.list("/apis/apps/v1/daemonsets");
  const ds = items.find((d) => isCniDaemonSetName(nameOf(d)));
  return ds ? { namespace: namespaceOf(ds), name: nameOf(ds) } : undefined;
}

/** Pods of a DaemonSet ready on each of `nodes`. */
export async function daemonSetReadyOn(
  client: KubeClient,
  namespace: string,
  name: string,
  nodes: readonly string[],
): Promise<CheckResult> {
  const ds = await client.get(`/apis/apps/v1/namespaces/${enc(namespace)}/daemonsets/${enc(name)}`);
  const uid = String(o(ds.metadata).uid);
  const { items } = await client.list(`/api/v1/namespaces/${enc(namespace)}/pods`, {
    labelSelector: matchLabelsQuery(o(ds.spec).selector),
  });
  const mine = items.filter((p) => controllerOf(p)?.uid === uid);
  const waiting = nodes.flatMap((node) => {
    const pod = mine.find((p) => o(p.spec).nodeName === node);
    if (!pod) return [`${node}: no ${name} pod`];
    const problem = podProblem(pod);
    return problem ? [`${node}: ${nameOf(pod)} ${problem}`] : [];
  });
  return result(
    `daemonset/${namespace}/${name}`,
    waiting,
    `${name} ready on ${nodes.length} node(s)`,
    `${name} not ready on ${waiting.length} node(s)`,
  );
}

/** The CNI's pods on every node; says plainly when no CNI is installed instead of waiting for one. */
export async function cniReady(
  client: KubeClient,
  nodes: readonly string[],
): Promise<CheckResult & { cni?: CniInfo }> {
  const cni = await findCni(client);
  if (!cni)
    return {
      name: "cni",
      ok: false,
      detail: "no CNI installed: nodes stay NotReady until one is (add addons.cni to the spec)",
      waitingFor: ["a CNI DaemonSet"],
    };
  const r = await daemonSetReadyOn(client, cni.namespace, cni.name, nodes);
  return { ...r, name: "cni", cni };
}

const CONTROL_PLANE_COMPONENTS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const;

/** The static pods of each control plane (mirror pods <component>-<node> in kube-system) running and ready. */
export async function controlPlanePodsRunning(
  client: KubeClient,
  controlPlanes: readonly string[],
): Promise<CheckResult> {
  const { items } = await client.list("/api/v1/namespaces/kube-system/pods");
  const waiting: string[] = [];
  for (const node of controlPlanes)
    for (const c of CONTROL_PLANE_COMPONENTS) {
      const pod = items.find((p) => nameOf(p) === `${c}-${node}`);
      if (!pod) waiting.push(`${c}-${node}: missing`);
      else if (!podReady(pod)) waiting.push(`${c}-${node}: ${podProblem(pod)}`);
    }
  return result(
    "control-plane-pods",
    waiting,
    `control-plane static pods running on ${controlPlanes.length} node(s)`,
    `${waiting.length} control-plane pod(s) not running`,
  );
}

/** CoreDNS (kube-system/coredns, pods k8s-app=kube-dns) available. */
export async function coreDnsReady(client: KubeClient): Promise<CheckResult> {
  const { items } = await client.list("/api/v1/namespaces/kube-system/pods", {
    labelSelector: "k8s-app=kube-dns",
  });
  if (items.length === 0)
    return result("coredns", ["no CoreDNS pods"], "", "CoreDNS is not running (no pods k8s-app=kube-dns)");
  const ready = items.filter(podReady);
  const waiting = ready.length > 0 ? [] : items.map((p) => `${nameOf(p)}: ${podProblem(p)}`);
  return result(
    "coredns",
    waiting,
    `CoreDNS ready (${ready.length}/${items.length} pods)`,
    "no CoreDNS pod ready",
  );
}

export interface KubernetesHealthInput {
  /** Node names (hostnames) the spec expects. */
  nodes: readonly string[];
  controlPlanes: readonly string[];
}

/** All Kubernetes checks, in the order a user reads them; later checks are skipped when the API is down. */
export async function kubernetesHealth(
  client: KubeClient,
  input: KubernetesHealthInput,
): Promise<CheckResult[]> {
  const api = await apiReady(client);
  if (!api.ok) return [api];
  const out: CheckResult[] = [api];
  const guard = async (name: string, f: () => Promise<CheckResult>): Promise<void> => {
    try {
      out.push(await f());
    } catch (e) {
      out.push({ name, ok: false, detail: (e as Error).message, waitingFor: [name] });
    }
  };
  await guard("nodes", () => nodesReady(client, input.nodes));
  await guard("cni", () => cniReady(client, input.nodes));
  await guard("control-plane-pods", () => controlPlanePodsRunning(client, input.controlPlanes));
  await guard("coredns", () => coreDnsReady(client));
  await guard("cordons", () => noneCordonedByCairn(client));
  return out;
}
