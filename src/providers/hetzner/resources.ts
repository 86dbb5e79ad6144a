// What a cluster's Hetzner resources should be, as data: names (unique per project, derived from the cluster),
// labels (cairn.dev/cluster marks ownership), the firewall's rules, the load balancer's services and target, and
// which spread placement group each server joins (at most 10 servers each). Pure.
import type { FirewallRule, Server } from "./client.js";
import { CLUSTER_LABEL, labelSelector, ownedLabels } from "./labels.js";
import type { HetznerPlacement } from "./schema.js";

export const NODE_LABEL = "cairn.dev/node";
const ROLE_LABEL = "cairn.dev/role";
/** Spread placement groups hold at most this many servers. */
export const PLACEMENT_GROUP_LIMIT = 10;

export const names = (cluster: string) => ({
  network: cluster,
  firewall: cluster,
  loadBalancer: `${cluster}-api`,
  floatingIp: `${cluster}-api`,
  controlPlaneGroup: `${cluster}-controlplane`,
  workerGroup: (k: number) => `${cluster}-worker-${k}`,
});

export function serverLabels(cluster: string, node: string, role: string): Record<string, string> {
  return ownedLabels(cluster, { [NODE_LABEL]: node, [ROLE_LABEL]: role });
}

/** The selector the load balancer targets: the cluster's control planes. */
export const controlPlaneSelector = (cluster: string): string =>
  labelSelector({ [CLUSTER_LABEL]: cluster, [ROLE_LABEL]: "controlplane" });

export function firewallRules(talosFrom: readonly string[], kubeFrom: readonly string[]): FirewallRule[] {
  return [
    {
      direction: "in",
      protocol: "tcp",
      port: "50000",
      source_ips: [...talosFrom].sort(),
      description: "Talos API (cairn)",
    },
    {
      direction: "in",
      protocol: "tcp",
      port: "6443",
      source_ips: [...kubeFrom].sort(),
      description: "Kubernetes API (cairn)",
    },
  ];
}

/** Rules compared as Hetzner stores them (null ports and empty lists normalised, CIDRs sorted). */
export function sameRules(a: readonly FirewallRule[], b: readonly FirewallRule[]): boolean {
  const key = (r: FirewallRule): string =>
    JSON.stringify([
      r.direction,
      r.protocol,
      r.port ?? null,
      [...(r.source_ips ?? [])].sort(),
      [...(r.destination_ips ?? [])].sort(),
    ]);
  return JSON.stringify(a.map(key).sort()) === JSON.stringify(b.map(key).sort());
}

export const LB_PORTS = [6443, 50000] as const;

export function lbService(port: number): Record<string, unknown> {
  return {
    protocol: "tcp",
    listen_port: port,
    destination_port: port,
    proxyprotocol: false,
    health_check: { protocol: "tcp", port, interval: 15, timeout: 10, retries: 3 },
  };
}

/**
 * Each node's placement group: the spec's name, else the control planes' group, else the first worker group with
 * room (a server already in a group stays there: a running server cannot change group).
 */
export function placementGroups(
  cluster: string,
  nodes: readonly {
    name: string;
    role: "controlplane" | "worker";
    placement: HetznerPlacement | undefined;
  }[],
  servers: readonly Server[],
): { of: Record<string, string>; members: Record<string, string[]> } {
  const n = names(cluster);
  const of: Record<string, string> = {};
  const members: Record<string, string[]> = {};
  const join = (node: string, group: string): void => {
    of[node] = group;
    (members[group] ??= []).push(node);
  };
  const existing = new Map(servers.map((s) => [s.name, s.placement_group?.name]));
  const auto: string[] = [];
  for (const node of nodes) {
    const explicit = node.placement?.placementGroup;
    if (explicit) join(node.name, explicit);
    else if (node.role === "controlplane") join(node.name, n.controlPlaneGroup);
    else if (existing.get(node.name)) join(node.name, existing.get(node.name)!);
    else auto.push(node.name);
  }
  for (const node of auto) {
    let k = 1;
    while ((members[n.workerGroup(k)]?.length ?? 0) >= PLACEMENT_GROUP_LIMIT) k++;
    join(node, n.workerGroup(k));
  }
  return { of, members };
}
