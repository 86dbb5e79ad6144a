// Kubernetes for the operations: one client per ClusterAccess, with cairn's admin kubeconfig for this cluster and
// the endpoints that reach its API. On a real cluster that is the cluster endpoint (VIP or load balancer) first,
// then each control plane; on the twin only the control planes' twin addresses, where their simulated
// kube-apiservers listen (the spec's VIP or endpoint is not simulated). Node names are the machines' hostnames.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { failoverEndpoints, openKube, readKubeconfig, type KubeClient } from "../kube/index.js";
import type { ClusterAccess } from "./access.js";

/** The spec's nodes as Kubernetes names them. */
export interface KubeTopology {
  /** Node names (hostnames) of every spec node. */
  nodes: string[];
  controlPlanes: string[];
}

/** The Node name of a spec node: its hostname as cairn recorded it, which cairn renders as the node's name. */
export function kubeNodeName(access: ClusterAccess, node: string): string {
  return access.readState().nodes[node]?.hostname ?? node;
}

export function kubeTopology(access: ClusterAccess): KubeTopology {
  const hostnames = access.readState().nodes;
  const name = (n: string): string => hostnames[n]?.hostname ?? n;
  return {
    nodes: access.model.nodes.map((n) => name(n.name)),
    controlPlanes: access.model.nodes.filter((n) => n.role === "controlplane").map((n) => name(n.name)),
  };
}

/**
 * cairn's admin kubeconfig for this cluster: the one apply fetched for this target, else the one cairn renders
 * (in memory, or on disk beside the secrets). Undefined when the cluster has neither yet.
 */
function clusterKubeconfig(access: ClusterAccess): { text: string; source: string } | undefined {
  if (existsSync(access.paths.kubeconfig))
    return { text: readFileSync(access.paths.kubeconfig, "utf8"), source: access.paths.kubeconfig };
  const rendered = access.artefacts.find((a) => a.kind === "kubeconfig");
  if (rendered) return { text: rendered.content, source: "cairn's admin kubeconfig" };
  const file = join(access.paths.dir, "kubeconfig");
  if (existsSync(file)) return { text: readFileSync(file, "utf8"), source: file };
  return undefined;
}

const bracket = (a: string): string => (a.includes(":") && !a.startsWith("[") ? `[${a}]` : a);

/** The API endpoints to try, in order (see the file comment). */
function kubeEndpoints(access: ClusterAccess, server: string): string[] {
  const addresses: string[] = [];
  for (const n of access.model.nodes.filter((x) => x.role === "controlplane")) {
    try {
      addresses.push(access.addressOf(n.name));
    } catch {
      // No address yet (a twin slot not given, a machine not created): not an endpoint to try.
    }
  }
  if (access.simulated)
    return [...new Set(addresses.map((a) => `https://${bracket(a)}:${access.model.endpoint.port}`))];
  return failoverEndpoints(server, addresses);
}

const clients = new WeakMap<ClusterAccess, KubeClient>();

/** The access's Kubernetes client, opened on first use and closed with the access; undefined without a kubeconfig. */
export function kubeClientOf(access: ClusterAccess): KubeClient | undefined {
  const cached = clients.get(access);
  if (cached) return cached;
  const kc = clusterKubeconfig(access);
  if (!kc) return undefined;
  const creds = readKubeconfig(kc.text, kc.source);
  const endpoints = kubeEndpoints(access, creds.server);
  if (endpoints.length === 0) return undefined;
  const client = openKube({
    kubeconfig: kc.text,
    source: kc.source,
    endpoints,
    // Twin endpoints refuse at once when down; a real one may need the full connect timeout.
    connectTimeoutMs: access.simulated ? 2500 : 3000,
    timeoutMs: 10_000,
  });
  clients.set(access, client);
  access.onClose(() => {
    client.close();
    clients.delete(access);
  });
  return client;
}
