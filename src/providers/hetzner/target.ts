// Hetzner Cloud servers: a cluster's private network, firewall, placement groups, load balancer and servers made,
// changed and deleted through the API. observe reads only (ownership by the label cairn.dev/cluster), plan is pure
// (plan.ts), the handlers look before they act (handlers.ts), and destroy removes exactly what cairn owns.
import type { Action } from "../../engine/types.js";
import type {
  ProviderDestroyPlan,
  ProviderDrift,
  ProviderObservation,
  ProviderPlan,
  ProviderTarget,
  TargetContext,
} from "../types.js";
import { HetznerClient, hetznerEndpoint, hetznerToken } from "./client.js";
import { hetznerHandlers } from "./handlers.js";
import { privateNetwork } from "./network.js";
import { DEFAULT_PUBLIC_IP_URL, observeHetzner, ownedBy, type HetznerObservation } from "./observe.js";
import { lbMissing, ownedServer, placementOf, planHetzner } from "./plan.js";
import { firewallRules, names, sameRules } from "./resources.js";
import type { HetznerSection } from "./schema.js";
import { encodeUserData } from "./userdata.js";

interface Details {
  hc: HetznerObservation;
}

interface Record_ {
  servers?: Record<string, { id: number; ipv4?: string; ip?: string }>;
}

const TIMEOUTS = { provision: 15 * 60_000, deprovision: 10 * 60_000 };

export function hetznerTarget(ctx: TargetContext): ProviderTarget {
  const { model } = ctx;
  const section = model.spec.provider as unknown as HetznerSection;
  const env = ctx.env ?? process.env;
  const cluster = model.name;
  const byName = new Map(model.nodes.map((n) => [n.name, n]));
  const network = model.spec.networks
    ? privateNetwork({ provider: section, networks: model.spec.networks })
    : undefined;
  const record = (): Record_ => (ctx.state.get() as Record_ | undefined) ?? {};
  const seen = new Map<string, string>();
  const address = (node: string): string | undefined => {
    if (section.dial === "private") return byName.get(node)?.address ?? ctx.known()[node]?.address;
    return record().servers?.[node]?.ipv4 ?? seen.get(node) ?? ctx.known()[node]?.address;
  };
  let client: HetznerClient | undefined;
  const connect = (): HetznerClient => {
    client ??= new HetznerClient({ token: hetznerToken(env, section.tokenEnv), env });
    return client;
  };

  const observe = async (): Promise<ProviderObservation> => {
    const hc = connect();
    const observed = await observeHetzner(hc, {
      given: section.firewall.talosApiFrom,
      publicIpUrl: env.CAIRN_PUBLIC_IP_URL?.trim() || DEFAULT_PUBLIC_IP_URL,
    });
    for (const s of observed.servers)
      if (ownedBy(cluster, s) && s.public_net.ipv4) seen.set(s.name, s.public_net.ipv4.ip);
    const found = model.nodes.filter((n) => ownedServer(observed, cluster, n.name)).length;
    const owned = observed.servers.filter((s) => ownedBy(cluster, s)).length;
    const lb = observed.loadBalancers.find(
      (l) => l.name === names(cluster).loadBalancer && ownedBy(cluster, l),
    );
    const details: Details = { hc: observed };
    return {
      summary: `Hetzner Cloud at ${hetznerEndpoint(env)}: ${found} of ${model.nodes.length} servers of ${cluster} found (label cairn.dev/cluster=${cluster})${owned > found ? `, ${owned - found} more of cairn's` : ""}${lb ? `; load balancer ${lb.public_net.ipv4.ip ?? ""} / ${network?.lbIp ?? ""}` : ""}`,
      fresh: false,
      details,
    };
  };

  const userData = (nodes: readonly string[]) =>
    Object.fromEntries(
      nodes.map((n) => {
        const c = ctx.config?.(n);
        if (!c) return [n, undefined];
        const e = encodeUserData(c.text);
        return [n, { bytes: e.bytes, configBytes: e.configBytes, configHash: c.hash }];
      }),
    );

  const plan = (input: Parameters<ProviderTarget["plan"]>[0]): ProviderPlan => {
    const { hc } = input.observed.details as Details;
    const joining = input.joining.map((n) => n.name);
    return planHetzner({
      cluster,
      section,
      nodes: model.nodes,
      joining,
      leaving: input.leaving,
      known: Object.keys(ctx.known()),
      observed: hc,
      network,
      images: Object.fromEntries(model.nodes.map((n) => [n.name, ctx.bootImage?.(n.name)])),
      userData: userData(joining),
      timeouts: TIMEOUTS,
    });
  };

  const drift = (observed: ProviderObservation): ProviderDrift[] => {
    const { hc } = observed.details as Details;
    const out: ProviderDrift[] = [];
    const n = names(cluster);
    const net = hc.networks.find((x) => x.name === n.network && ownedBy(cluster, x));
    for (const node of model.nodes) {
      const p = placementOf(node);
      const s = ownedServer(hc, cluster, node.name);
      if (!p) continue;
      if (!s) {
        if (ctx.known()[node.name]) out.push({ subject: node.name, changes: ["its server is missing"] });
        continue;
      }
      const changes: string[] = [];
      if (s.server_type.name !== p.serverType)
        changes.push(`server type: ${s.server_type.name}, spec ${p.serverType}`);
      const loc = p.location ?? section.location;
      if (s.location.name !== loc) changes.push(`location: ${s.location.name}, spec ${loc}`);
      const want = (node.interfaces ?? []).find((i) => i.network === network?.key)?.address;
      const ip = s.private_net.find((x) => x.network === net?.id)?.ip;
      if (want && ip !== want) changes.push(`private IP: ${ip ?? "not attached"}, spec ${want}`);
      if (s.status !== "running") changes.push(`status ${s.status}`);
      if (changes.length) out.push({ subject: `${node.name} (server ${s.id})`, changes });
    }
    const fw = hc.firewalls.find((x) => x.name === n.firewall && ownedBy(cluster, x));
    if ("cidrs" in hc.operator && fw) {
      const kube = section.firewall.kubernetesApiFrom.length
        ? section.firewall.kubernetesApiFrom
        : hc.operator.cidrs;
      if (!sameRules(fw.rules, firewallRules(hc.operator.cidrs, kube)))
        out.push({
          subject: `firewall ${fw.name}`,
          changes: ["rules differ from the spec's (Talos API and Kubernetes API from the operator's CIDRs)"],
        });
    }
    if (network?.lbIp) {
      const lb = hc.loadBalancers.find((x) => x.name === n.loadBalancer && ownedBy(cluster, x));
      const missing = lbMissing(lb, cluster, net?.id, network.lbIp);
      if (missing.length)
        out.push({
          subject: `load balancer ${n.loadBalancer}`,
          changes: missing.map((m) => (m === "all" ? "missing" : m)),
        });
    }
    return out;
  };

  const destroy = (observed: ProviderObservation): ProviderDestroyPlan => {
    const { hc } = observed.details as Details;
    const actions: Action[] = [];
    const mine = <T extends { labels?: Record<string, string> | null }>(x: T): boolean => ownedBy(cluster, x);
    const servers = hc.servers.filter(mine);
    for (const s of servers)
      actions.push({
        id: `hetzner-server-delete:${s.name}`,
        kind: "hetzner-server-delete",
        node: s.name,
        title: `delete server ${s.name} (${s.id}, ${s.server_type.name} in ${s.location.name})`,
        dependsOn: [],
        params: { id: s.id, name: s.name, node: s.name, cluster },
        timeoutMs: TIMEOUTS.deprovision,
      });
    const afterServers = actions.map((a) => a.id);
    const one = (kind: string, what: string, x: { id: number; name: string }, deps: string[]): Action => ({
      id: `${kind}:${x.name}`,
      kind,
      title: `delete ${what} ${x.name} (${x.id})`,
      dependsOn: deps,
      params: { id: x.id, name: x.name },
      timeoutMs: 5 * 60_000,
    });
    const lbs = hc.loadBalancers
      .filter(mine)
      .map((x) => one("hetzner-lb-delete", "load balancer", x, afterServers));
    actions.push(...lbs);
    actions.push(
      ...hc.floatingIps.filter(mine).map((x) => one("hetzner-fip-delete", "floating IP", x, afterServers)),
    );
    actions.push(
      ...hc.firewalls.filter(mine).map((x) => one("hetzner-firewall-delete", "firewall", x, afterServers)),
    );
    actions.push(
      ...hc.placementGroups
        .filter(mine)
        .map((x) => one("hetzner-pg-delete", "placement group", x, afterServers)),
    );
    actions.push(
      ...hc.networks
        .filter(mine)
        .map((x) => one("hetzner-network-delete", "network", x, [...afterServers, ...lbs.map((a) => a.id)])),
    );
    const others = (
      what: string,
      list: readonly { name: string; id: number; labels?: Record<string, string> | null }[],
    ) =>
      list
        .filter((x) => !mine(x))
        .map(
          (x) =>
            `${what} ${x.name} (${x.id}): ${x.labels?.["cairn.dev/cluster"] ? `cluster ${x.labels["cairn.dev/cluster"]}` : "no cairn.dev/cluster label"}`,
        );
    return {
      actions,
      leftAlone: [
        ...others("server", hc.servers),
        ...others("network", hc.networks),
        ...others("firewall", hc.firewalls),
        ...others("placement group", hc.placementGroups),
        ...others("load balancer", hc.loadBalancers),
        ...others("floating IP", hc.floatingIps),
      ],
      kept: hc.snapshots.map(
        (s) =>
          `Talos snapshot ${s.id} (${s.description}): images are shared by every cluster of the project; \`hcloud image delete ${s.id}\` removes it`,
      ),
      blockers: [],
    };
  };

  return {
    type: "hetzner",
    simulated: false,
    label: "Hetzner Cloud",
    address,
    maintenanceAddress: address,
    observe,
    plan,
    handlers: () =>
      hetznerHandlers({
        client: connect,
        config: (node) => ctx.config?.(node),
        record: (node, server) => {
          const r = record();
          const servers = { ...(r.servers ?? {}) };
          if (server) servers[node] = server;
          else delete servers[node];
          ctx.state.set({ ...r, servers });
        },
      }),
    prepare: async () => [],
    drift,
    destroy,
  };
}
