// One node back in Kubernetes after a reboot: its Node Ready as posted by the kubelet of the machine's current boot
// (nodeInfo.bootID, so a Ready condition left over from before the reboot does not count), and the CNI's pod on that
// node ready. Node-scoped reads only (one Node, the pods on that node), so a wave of nodes polling at once stays cheap.
import type { KubeClient } from "./client.js";
import type { CniInfo } from "./readiness.js";
import { isNotFound } from "./errors.js";
import { condition, controllerOf, enc, matchLabelsQuery, nameOf, o, podProblem } from "./objects.js";
import { CORDONED_BY_CAIRN } from "./drain.js";

export interface NodeBackState {
  registered: boolean;
  /** The kubelet of the current boot (and expected version) posted status (true when neither is given). */
  currentBoot: boolean;
  ready: boolean;
  /** The CNI pod on the node is ready (true when no CNI is installed: nothing to wait for). */
  cniReady: boolean;
  cordonedByCairn: boolean;
  unschedulable: boolean;
  /** The boot ID the kubelet posted (empty when none). */
  postedBootId: string;
  /** What is still missing, in a user's words (empty when back). */
  waiting: string;
}

/** Which kubelet counts: that of one boot, or of any boot but one (the boot before a reboot whose ID is unknown yet). */
export type BootMatch = { id: string } | { not: string };

/** The CNI DaemonSet's identity and pod selector, read once per wait (what the node's CNI pod is matched by). */
export interface CniDaemonSet extends CniInfo {
  uid: string;
  selector: string;
}

export async function cniDaemonSet(client: KubeClient, cni: CniInfo): Promise<CniDaemonSet> {
  const ds = await client.get(`/apis/apps/v1/namespaces/${enc(cni.namespace)}/daemonsets/${enc(cni.name)}`);
  return { ...cni, uid: String(o(ds.metadata).uid), selector: matchLabelsQuery(o(ds.spec).selector) };
}

export async function nodeBackState(
  client: KubeClient,
  node: string,
  cni: CniDaemonSet | undefined,
  boot?: BootMatch,
  kubeletVersion?: string,
): Promise<NodeBackState> {
  // The Node and the CNI's pod on it, read at once: one round trip per look.
  const [n, pods] = await Promise.all([
    client.get(`/api/v1/nodes/${enc(node)}`).catch((e: unknown) => {
      if (isNotFound(e)) return undefined;
      throw e;
    }),
    cni
      ? client.list(`/api/v1/namespaces/${enc(cni.namespace)}/pods`, {
          labelSelector: cni.selector,
          fieldSelector: `spec.nodeName=${node}`,
        })
      : undefined,
  ]);
  if (!n)
    return {
      registered: false,
      currentBoot: false,
      ready: false,
      cniReady: false,
      cordonedByCairn: false,
      unschedulable: false,
      postedBootId: "",
      waiting: "Node not registered yet",
    };
  const info = o(o(n.status).nodeInfo);
  const posted = String(info.bootID ?? "");
  // The kubelet that posted is the one expected: of the machine's current boot, at the expected version.
  const bootMatches = !boot || !posted || ("id" in boot ? posted === boot.id : posted !== boot.not);
  const currentBoot =
    bootMatches &&
    (!kubeletVersion ||
      String(info.kubeletVersion ?? "").replace(/^v/, "") === kubeletVersion.replace(/^v/, ""));
  const readyCond = condition(n, "Ready");
  const ready = currentBoot && readyCond?.status === "True";
  const unschedulable = o(n.spec).unschedulable === true;
  const cordonedByCairn =
    (o(o(n.metadata).annotations) as Record<string, string>)[CORDONED_BY_CAIRN] !== undefined;
  let cniReady = true;
  let cniWhy = "";
  if (cni) {
    const pod = pods?.items.find((p) => controllerOf(p)?.uid === cni.uid);
    const problem = pod ? podProblem(pod) : `no ${cni.name} pod yet`;
    cniReady = problem === undefined;
    if (pod && problem) cniWhy = `${nameOf(pod)} ${problem}`;
    else if (problem) cniWhy = problem;
  }
  const waiting = !currentBoot
    ? kubeletVersion
      ? `the kubelet reports ${String(info.kubeletVersion ?? "no version")}, not v${kubeletVersion.replace(/^v/, "")} yet`
      : "the kubelet has not posted status since the reboot"
    : !ready
      ? `NotReady: ${readyCond?.reason ?? "no Ready condition"}${readyCond?.message ? ` (${readyCond.message})` : ""}`
      : !cniReady
        ? `${cni!.name}: ${cniWhy}`
        : "";
  return {
    registered: true,
    currentBoot,
    ready,
    cniReady,
    cordonedByCairn,
    unschedulable,
    postedBootId: posted,
    waiting,
  };
}
