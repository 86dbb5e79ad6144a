// The Hetzner part of `cairn plan`/`apply`, pure: from the spec and the project's live state, the actions in Hetzner's
// own terms — private network and subnet, firewall (Talos and Kubernetes API from the operator's CIDRs only),
// spread placement groups, a TCP load balancer in front of the control planes, servers made stopped, attached at
// their planned private address and powered on with the machine config as user_data. Server types, locations and
// the Talos snapshot are checked against the live catalogue; a name taken by something cairn does not own is a
// blocker, never a target.
import type { Action } from "../../engine/types.js";
import { closest } from "../../suggest.js";
import type { NodeBootImage, ProviderNode, ProviderPlan } from "../types.js";
import type { Image, LoadBalancer, Server } from "./client.js";
import { imageLabels } from "./image-recipe.js";
import { labelProblem } from "./labels.js";
import { inCidr, type PrivateNetwork } from "./network.js";
import { ownedBy, type HetznerObservation } from "./observe.js";
import {
  LB_PORTS,
  NODE_LABEL,
  PLACEMENT_GROUP_LIMIT,
  controlPlaneSelector,
  firewallRules,
  names,
  placementGroups,
  sameRules,
  serverLabels,
} from "./resources.js";
import type { HetznerPlacement, HetznerSection } from "./schema.js";
import { USER_DATA_LIMIT } from "./userdata.js";

export interface HetznerPlanInput {
  cluster: string;
  section: HetznerSection;
  nodes: readonly ProviderNode[];
  joining: readonly string[];
  leaving: readonly { name: string; role: "controlplane" | "worker" }[];
  known: readonly string[];
  observed: HetznerObservation;
  network: PrivateNetwork | undefined;
  images: Readonly<Record<string, NodeBootImage | undefined>>;
  /** The encoded user_data of each joining node: its size and the hash of the config it carries. */
  userData: Readonly<Record<string, { bytes: number; configBytes: number; configHash: string } | undefined>>;
  timeouts: { provision: number; deprovision: number };
}

export const placementOf = (n: ProviderNode): HetznerPlacement | undefined =>
  (n.spec as { hetzner?: HetznerPlacement }).hetzner;

const fmt = (n: number): string => n.toLocaleString("en-US");

/** The newest available snapshot made for a schematic+version+architecture. */
function talosSnapshot(
  snapshots: readonly Image[],
  image: NodeBootImage,
  arch: "x86" | "arm",
): Image | undefined {
  const want = imageLabels(image.schematicId, image.talosVersion, arch);
  return snapshots
    .filter((s) => s.status === "available" && Object.entries(want).every(([k, v]) => s.labels?.[k] === v))
    .sort((a, b) => b.id - a.id)[0];
}

/** The owned server of a node (by name and label). */
export const ownedServer = (o: HetznerObservation, cluster: string, node: string): Server | undefined =>
  o.servers.find((s) => s.name === node && ownedBy(cluster, s));

/** What the load balancer lacks: its network attachment, services, the control-plane target. */
export function lbMissing(
  lb: LoadBalancer | undefined,
  cluster: string,
  networkId: number | undefined,
  lbIp: string,
): string[] {
  if (!lb) return ["all"];
  const out: string[] = [];
  const attached = lb.private_net.find((p) => p.network === networkId);
  if (!attached) out.push(`attach it to the private network at ${lbIp}`);
  else if (attached.ip !== lbIp)
    out.push(`its private address is ${attached.ip}, spec ${lbIp} (not changed)`);
  const services = lb.services as { listen_port?: number }[];
  for (const port of LB_PORTS)
    if (!services.some((s) => s.listen_port === port)) out.push(`add the TCP service ${port}`);
  const targets = lb.targets as { type?: string; label_selector?: { selector?: string } }[];
  if (
    !targets.some(
      (t) => t.type === "label_selector" && t.label_selector?.selector === controlPlaneSelector(cluster),
    )
  )
    out.push(`target the control planes (${controlPlaneSelector(cluster)})`);
  return out;
}

export function planHetzner(input: HetznerPlanInput): ProviderPlan {
  const { cluster, section, observed: o, network } = input;
  const n = names(cluster);
  const before: Action[] = [];
  const provision: Record<string, Action> = {};
  const deprovision: Record<string, Action> = {};
  const blockers: string[] = [];
  const warnings: string[] = [];
  const joining = new Set(input.joining);
  const specNames = new Set(input.nodes.map((x) => x.name));
  const owned = <T extends { labels?: Record<string, string> | null }>(x: T): boolean => ownedBy(cluster, x);
  const clash = (
    what: string,
    name: string,
    list: readonly { name: string; labels?: Record<string, string> | null }[],
  ): boolean => {
    const other = list.find((x) => x.name === name && !owned(x));
    if (other)
      blockers.push(
        `a ${what} named ${name} exists in the project but is not cairn's (no label cairn.dev/cluster=${cluster}): cairn never touches it; rename or delete it, or rename the cluster`,
      );
    return other !== undefined;
  };

  const problem = labelProblem("cairn.dev/cluster", cluster);
  if (problem) blockers.push(`the cluster name cannot label Hetzner resources: ${problem}`);
  if (!network) {
    blockers.push("the spec has no network to make the Hetzner private network from");
    return { before, provision, deprovision, blockers, warnings };
  }
  if ("error" in o.operator)
    blockers.push(
      `cannot detect your public address for the firewall (${o.operator.error}); set provider.firewall.talosApiFrom (and kubernetesApiFrom) to your CIDRs`,
    );
  const talosFrom = "cidrs" in o.operator ? o.operator.cidrs : [];
  const kubeFrom = section.firewall.kubernetesApiFrom.length ? section.firewall.kubernetesApiFrom : talosFrom;

  // ---- the live catalogue: server types, locations, snapshots ------------------------------------------------
  const zoneOf = new Map(o.locations.map((l) => [l.name, l.network_zone]));
  const checkLocation = (loc: string, who: string): boolean => {
    const zone = zoneOf.get(loc);
    if (zone === undefined) {
      const guess = closest(loc, [...zoneOf.keys()]);
      blockers.push(
        `${who}: location ${loc} does not exist (Hetzner offers ${[...zoneOf.keys()].join(", ")})${guess ? `; did you mean ${guess}?` : ""}`,
      );
      return false;
    }
    if (zone !== section.networkZone) {
      blockers.push(
        `${who}: location ${loc} is in network zone ${zone}, the private network's subnet is in ${section.networkZone}`,
      );
      return false;
    }
    return true;
  };
  checkLocation(section.location, "provider.location");

  const hetznerNodes = input.nodes.map((x) => ({ node: x, placement: placementOf(x) }));
  const groups = placementGroups(
    cluster,
    hetznerNodes.map(({ node, placement }) => ({ name: node.name, role: node.role, placement })),
    o.servers.filter(owned),
  );
  for (const [g, members] of Object.entries(groups.members))
    if (members.length > PLACEMENT_GROUP_LIMIT)
      blockers.push(
        `placement group ${g} would hold ${members.length} servers; Hetzner's spread groups hold at most ${PLACEMENT_GROUP_LIMIT} (split them with hetzner.placementGroup)`,
      );

  interface Want {
    name: string;
    role: string;
    serverType: string;
    location: string;
    ip: string;
    group: string;
    image: Image | undefined;
  }
  const want = new Map<string, Want>();
  for (const { node, placement } of hetznerNodes) {
    if (!placement) continue;
    const location = placement.location ?? section.location;
    const ip = (node.interfaces ?? []).find((i) => i.network === network.key)?.address;
    if (!ip) blockers.push(`${node.name} has no address on the private network ${network.key}`);
    else {
      if (!inCidr(ip, network.subnet))
        blockers.push(`${node.name}'s address ${ip} is outside the cloud subnet ${network.subnet}`);
      if (ip === network.lbIp)
        blockers.push(
          `${node.name}'s address ${ip} is the load balancer's (provider.loadBalancer.privateIp)`,
        );
    }
    const type = o.serverTypes.find((t) => t.name === placement.serverType);
    let arch: "x86" | "arm" = "x86";
    if (!type) {
      const guess = closest(
        placement.serverType,
        o.serverTypes.map((t) => t.name),
      );
      blockers.push(
        `${node.name}: server type ${placement.serverType} does not exist${guess ? `; did you mean ${guess}?` : ""} (Hetzner's live catalogue)`,
      );
    } else {
      arch = type.architecture;
      if (type.deprecated) warnings.push(`${node.name}: server type ${type.name} is deprecated by Hetzner`);
      if (
        checkLocation(location, node.name) &&
        type.locations &&
        !type.locations.some((l) => l.name === location)
      )
        blockers.push(
          `${node.name}: server type ${type.name} is not offered in ${location} (it is in ${type.locations.map((l) => l.name).join(", ") || "no location"})`,
        );
    }
    const image = input.images[node.name];
    const snapshot = image ? talosSnapshot(o.snapshots, image, arch) : undefined;
    want.set(node.name, {
      name: node.name,
      role: node.role,
      serverType: placement.serverType,
      location,
      ip: ip ?? "",
      group: groups.of[node.name]!,
      image: snapshot,
    });
  }

  // ---- cluster-wide resources --------------------------------------------------------------------------------
  const net = o.networks.find((x) => x.name === n.network);
  const netClash = clash("network", n.network, o.networks);
  const hasSubnet = net?.subnets.some(
    (s) => s.ip_range === network.subnet && s.network_zone === section.networkZone,
  );
  if (!netClash && (!net || !hasSubnet))
    before.push({
      id: "hetzner-network",
      kind: "hetzner-network",
      title: net
        ? `add the cloud subnet ${network.subnet} (${section.networkZone}) to network ${n.network}`
        : `create the private network ${n.network} (${network.cidr}) with the cloud subnet ${network.subnet} in ${section.networkZone}`,
      dependsOn: [],
      params: {
        name: n.network,
        ipRange: network.cidr,
        subnet: network.subnet,
        zone: section.networkZone,
        cluster,
      },
      timeoutMs: 5 * 60_000,
    });

  const fw = o.firewalls.find((x) => x.name === n.firewall);
  const rules = firewallRules(talosFrom, kubeFrom);
  const fwClash = clash("firewall", n.firewall, o.firewalls);
  const applied = (
    fw?.applied_to as { type?: string; label_selector?: { selector?: string } }[] | undefined
  )?.some(
    (t) => t.type === "label_selector" && t.label_selector?.selector === `cairn.dev/cluster=${cluster}`,
  );
  if (!fwClash && talosFrom.length && (!fw || !sameRules(fw.rules, rules) || !applied))
    before.push({
      id: "hetzner-firewall",
      kind: "hetzner-firewall",
      title: `${fw ? "update" : "create"} the firewall ${n.firewall}: in tcp 50000 from ${talosFrom.join(", ")}, tcp 6443 from ${kubeFrom.join(", ")}; everything else in dropped; applied to label cairn.dev/cluster=${cluster}`,
      dependsOn: [],
      params: { name: n.firewall, rules, cluster },
      timeoutMs: 5 * 60_000,
      detail:
        "detected" in o.operator && o.operator.detected
          ? [
              `your public address ${o.operator.detected.ip} (detected via ${o.operator.detected.via}); set provider.firewall.talosApiFrom to fix it`,
            ]
          : ["the private network's traffic is not filtered by Hetzner firewalls"],
    });

  const neededGroups = new Set(
    [...want.values()]
      .filter((w) => joining.has(w.name) && !ownedServer(o, cluster, w.name))
      .map((w) => w.group),
  );
  for (const g of [...neededGroups].sort()) {
    if (clash("placement group", g, o.placementGroups)) continue;
    if (o.placementGroups.some((x) => x.name === g)) continue;
    before.push({
      id: `hetzner-placement-group:${g}`,
      kind: "hetzner-placement-group",
      title: `create the spread placement group ${g} (${groups.members[g]!.length} server${groups.members[g]!.length === 1 ? "" : "s"} on different hosts)`,
      dependsOn: [],
      params: { name: g, cluster },
      timeoutMs: 2 * 60_000,
    });
  }

  const networkAction = before.find((a) => a.id === "hetzner-network");
  if (network.lbIp) {
    const lb = o.loadBalancers.find((x) => x.name === n.loadBalancer);
    if (!clash("load balancer", n.loadBalancer, o.loadBalancers)) {
      const missing = lbMissing(lb, cluster, net?.id, network.lbIp);
      const fixable = missing.filter((m) => !m.includes("(not changed)"));
      for (const m of missing.filter((m) => m.includes("(not changed)")))
        warnings.push(`load balancer ${n.loadBalancer}: ${m}`);
      if (fixable.length)
        before.push({
          id: "hetzner-load-balancer",
          kind: "hetzner-load-balancer",
          title: lb
            ? `load balancer ${n.loadBalancer}: ${fixable.join("; ")}`
            : `create the load balancer ${n.loadBalancer} (${section.loadBalancer.type} in ${section.location}) at ${network.lbIp} in ${n.network}: TCP 6443 and 50000 to the control planes (targets by label, health checks)`,
          dependsOn: networkAction ? [networkAction.id] : [],
          params: {
            name: n.loadBalancer,
            type: section.loadBalancer.type,
            location: section.location,
            network: n.network,
            ip: network.lbIp,
            selector: controlPlaneSelector(cluster),
            cluster,
          },
          timeoutMs: 5 * 60_000,
          detail: [`the cluster endpoint https://${network.lbIp}:6443 survives replacing any control plane`],
        });
    }
  }

  const firstCp = input.nodes.find((x) => x.role === "controlplane")?.name;
  if (section.floatingIp) {
    const fip = o.floatingIps.find((x) => x.name === n.floatingIp);
    const cpServer = firstCp ? ownedServer(o, cluster, firstCp) : undefined;
    if (
      !clash("floating IP", n.floatingIp, o.floatingIps) &&
      (!fip || (cpServer && fip.server !== cpServer.id))
    )
      before.push({
        id: "hetzner-floating-ip",
        kind: "hetzner-floating-ip",
        title: fip
          ? `assign the floating IP ${fip.ip} (${n.floatingIp}) to ${firstCp}`
          : `reserve an IPv4 floating IP ${n.floatingIp} in ${section.location}${firstCp ? `, assigned to ${firstCp}` : ""}`,
        dependsOn: [],
        params: {
          name: n.floatingIp,
          location: section.location,
          server: cpServer ? firstCp : null,
          cluster,
        },
        timeoutMs: 2 * 60_000,
      });
  }

  // ---- servers -----------------------------------------------------------------------------------------------
  const fwAction = before.find((a) => a.id === "hetzner-firewall");
  for (const node of input.nodes) {
    const w = want.get(node.name);
    if (!w) continue;
    const server = ownedServer(o, cluster, node.name);
    if (!server && o.servers.some((s) => s.name === node.name)) clash("server", node.name, o.servers);
    if (!joining.has(node.name)) {
      if (server) {
        if (server.server_type.name !== w.serverType)
          warnings.push(
            `${node.name} is a ${server.server_type.name}, the spec says ${w.serverType}: cairn does not change a server's type in place`,
          );
        const ip = server.private_net.find((p) => p.network === net?.id)?.ip;
        if (ip && ip !== w.ip)
          warnings.push(`${node.name} has private address ${ip}, the spec says ${w.ip} (not changed)`);
        const labels = serverLabels(cluster, node.name, node.role);
        if (Object.entries(labels).some(([k, v]) => server.labels[k] !== v))
          before.push({
            id: `hetzner-server-labels:${node.name}`,
            kind: "hetzner-server-labels",
            node: node.name,
            title: `label server ${node.name} (${server.id}) ${Object.entries(labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(", ")}`,
            dependsOn: [],
            params: { id: server.id, labels: { ...server.labels, ...labels } },
          });
      }
      continue;
    }
    if (!w.image) {
      const image = input.images[node.name];
      blockers.push(
        `no Talos ${image?.talosVersion ?? ""} snapshot for schematic ${image?.schematicId.slice(0, 12) ?? "?"}… in the project for ${node.name}: run \`cairn image hetzner --yes\` (same -f) to build it from Image Factory's hcloud image, then plan again`,
      );
      continue;
    }
    const ud = input.userData[node.name];
    if (!ud) blockers.push(`no machine config for ${node.name} to give it as user_data`);
    else if (ud.bytes > USER_DATA_LIMIT)
      blockers.push(
        `the machine config of ${node.name} is ${fmt(ud.bytes)} bytes as gzip+base64 user_data (${fmt(ud.configBytes)} bytes plain), over Hetzner's ${fmt(USER_DATA_LIMIT)}-byte limit: move large inline manifests or files out of the config`,
      );
    const deps = [
      ...(networkAction ? [networkAction.id] : []),
      ...(fwAction ? [fwAction.id] : []),
      ...before.filter((a) => a.id === `hetzner-placement-group:${w.group}`).map((a) => a.id),
    ];
    const state = !server
      ? `create server ${node.name}`
      : server.status === "running"
        ? `server ${node.name} (${server.id}) runs (made by an earlier run)`
        : `finish server ${node.name} (${server.id}, ${server.status}; made by an earlier run)`;
    provision[node.name] = {
      id: `provision:${node.name}`,
      kind: "provision",
      node: node.name,
      title: `${state}: ${w.serverType} in ${w.location}, Talos snapshot ${w.image.id}, private IP ${w.ip} on ${n.network}, placement group ${w.group}`,
      dependsOn: deps,
      params: {
        node: node.name,
        name: node.name,
        serverType: w.serverType,
        location: w.location,
        image: w.image.id,
        network: n.network,
        ip: w.ip,
        placementGroup: w.group,
        labels: serverLabels(cluster, node.name, node.role),
        configHash: ud?.configHash ?? "",
        floatingIp: section.floatingIp && node.name === firstCp ? n.floatingIp : null,
      },
      timeoutMs: input.timeouts.provision,
      detail: [
        `created stopped with user_data = gzip+base64 of its machine config (${fmt(ud?.bytes ?? 0)} of ${fmt(USER_DATA_LIMIT)} bytes), attached to ${n.network} at ${w.ip}, then powered on`,
        `labels ${Object.entries(serverLabels(cluster, node.name, node.role))
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")}`,
      ],
    };
  }

  // Servers cairn made for nodes neither in the spec nor in its record (an apply stopped before they joined).
  for (const s of o.servers.filter(owned)) {
    const node = s.labels[NODE_LABEL] ?? s.name;
    if (specNames.has(node) || input.known.includes(node) || input.leaving.some((l) => l.name === node))
      continue;
    before.push({
      id: `hetzner-server-delete:${s.name}`,
      kind: "hetzner-server-delete",
      title: `delete server ${s.name} (${s.id}): cairn made it for a node that is no longer in the spec and never joined`,
      dependsOn: [],
      params: { id: s.id, name: s.name, cluster },
      timeoutMs: input.timeouts.deprovision,
    });
  }

  for (const l of input.leaving) {
    const s = ownedServer(o, cluster, l.name);
    deprovision[l.name] = {
      id: `deprovision:${l.name}`,
      kind: "deprovision",
      node: l.name,
      title: s
        ? `delete server ${s.name} (${s.id}, ${s.server_type.name} in ${s.location.name})`
        : `${l.name}: no server of cairn's is left at Hetzner Cloud (nothing to delete)`,
      dependsOn: [],
      params: s ? { node: l.name, id: s.id, name: s.name, cluster } : { node: l.name },
      timeoutMs: input.timeouts.deprovision,
    };
  }

  return {
    before,
    provision,
    deprovision,
    concurrency: Math.max(4, Object.keys(provision).length + before.length),
    blockers,
    warnings,
  };
}
