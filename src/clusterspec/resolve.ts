// Spec → Model: pins versions, derives the endpoint, and plans addresses and pod blocks.
// Runs only on a spec that passed the semantic checks, so it may assume networks and versions are sound.
import { contractFor, talosMinor } from "../talos/versions.js";
import type { Finding } from "../findings.js";
import type { Model, ModelInterface, ModelNode } from "./model.js";
import type { ClusterSpec, SchematicSpec } from "./schema.js";
import { parseCidr, parseIp, cidrContainsIp } from "../net/ip.js";
import { planAddresses, planPodBlocks } from "./ipplan.js";
import { providerDefaults, providerEndpointHost } from "../providers/registry.js";
import { PLATFORMS } from "../talos/schematic/urls.js";
import { META_NETWORK_KEY, metaNetworkConfig } from "../talos/schematic/meta-network.js";

export function resolveModel(spec: ClusterSpec): { model: Model | undefined; findings: Finding[] } {
  const findings: Finding[] = [];
  const contract = contractFor(spec.talos.version)!;
  const kubernetesVersion = (
    spec.kubernetes.version ?? talosMinor(spec.talos.version)!.defaultKubernetes
  ).replace(/^v/, "");

  const vipSpec = spec.controlPlane.vip;
  const vipNetwork =
    vipSpec?.network ??
    (vipSpec
      ? Object.keys(spec.networks).find((n) => netContains(spec.networks[n]!.cidr, vipSpec.address))
      : undefined);
  const vip = vipSpec && vipNetwork ? { address: vipSpec.address, network: vipNetwork } : undefined;

  // Pod-block findings (exhaustion) are reported by the podblocks check, which runs the same planner; the resolver
  // only runs on a spec without errors, so here the plan is complete.
  const addressPlan = planAddresses(spec);
  findings.push(...addressPlan.findings);
  const podBlocks = planPodBlocks(spec);

  const defaults = providerDefaults(spec.provider.type);
  const defaultTagging = defaults.vlanTagging;
  const platform = spec.talos.image.platform ?? defaults.platform;
  const image = {
    platform,
    format: spec.talos.image.format ?? PLATFORMS[platform]!.diskImageSuffix,
    networkMeta: spec.talos.image.networkMeta,
  };
  const nodes: ModelNode[] = spec.nodes.map((n, index) => {
    const interfaces: ModelInterface[] = n.interfaces.map((i, k) => {
      const net = spec.networks[i.network]!;
      const c = parseCidr(net.cidr);
      const prefix = typeof c === "string" ? 0 : c.prefix;
      const dhcpOnly = i.address === "dhcp";
      const link: ModelInterface["link"] = {};
      if (i.name) link.name = i.name;
      const selector: Record<string, string | boolean> = {};
      for (const [k, v] of Object.entries(i.deviceSelector ?? {})) if (v !== undefined) selector[k] = v;
      if (i.mac) selector.hardwareAddr = i.mac;
      if (Object.keys(selector).length) link.deviceSelector = selector;
      return {
        network: i.network,
        address: addressPlan.addresses[index]![k],
        prefix,
        cidr: net.cidr,
        gateway: net.gateway,
        vlan: (i.vlan ?? net.vlan) || undefined,
        tagging: i.tagging ?? net.tagging ?? defaultTagging,
        mtu: i.mtu ?? net.mtu,
        dhcp: i.dhcp ?? (dhcpOnly || net.dhcp),
        link,
        // A kube-vip VIP is held by the kube-vip add-on, not by Talos.
        vip:
          n.role === "controlplane" && vip && vipSpec?.type !== "kube-vip" && vip.network === i.network
            ? vip.address
            : undefined,
        planned: addressPlan.planned[index]![k]!,
      };
    });
    const mgmt =
      interfaces.find((i) => spec.networks[i.network]!.carries.includes("management")) ?? interfaces[0];
    return {
      name: n.name,
      role: n.role,
      index,
      interfaces,
      // The configured management address; a static machine's maintenance-mode address only when it has none.
      address: mgmt?.address ?? n.static?.address,
      podBlock: podBlocks.blocks[index],
      schematic: withNetworkMeta(
        { ...spec.talos.schematic, ...(n.schematic ?? {}) },
        image.networkMeta ? { name: n.name, interfaces, spec } : undefined,
      ),
      installDisk: n.installDisk ?? spec.talos.installDisk,
      spec: n,
    };
  });

  const firstCp = nodes.find((n) => n.role === "controlplane");
  // A provider that serves the endpoint (Hetzner's load balancer) names it; else the first control plane.
  const defaultHost = vip?.address ?? providerEndpointHost(spec) ?? firstCp?.address ?? "127.0.0.1";
  // An IPv6 host needs brackets in a URL.
  const url =
    spec.controlPlane.endpoint ??
    `https://${defaultHost.includes(":") ? `[${defaultHost}]` : defaultHost}:6443`;
  const u = new URL(url);
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  const model: Model = {
    spec,
    name: spec.name,
    talosVersion: spec.talos.version,
    contract,
    kubernetesVersion,
    endpoint: { url, host, port: Number(u.port || 443) },
    image,
    vip,
    certSANs: spec.controlPlane.extraSANs,
    nodes,
  };
  return { model: findings.some((f) => f.severity === "error") ? undefined : model, findings };
}

/**
 * The node's schematic with META key 10 derived from its planned interfaces (talos.image.networkMeta). The checks
 * ensure every interface has a link name (or is the node's only one, eth0) and no Talos-tagged VLAN.
 */
function withNetworkMeta(
  schematic: SchematicSpec,
  node: { name: string; interfaces: ModelInterface[]; spec: ClusterSpec } | undefined,
): SchematicSpec {
  if (!node) return schematic;
  // Link names as the renderer gives them: the spec's, else eth<index> (node-patch.ts).
  const named = node.interfaces.map((i, k) => ({ i, name: i.link.name ?? `eth${k}` }));
  const links = named
    .filter(({ i }) => i.address)
    .map(({ i, name }) => ({
      name,
      addresses: [`${i.address}/${i.prefix}`],
      ...(i.mtu !== undefined ? { mtu: i.mtu } : {}),
    }));
  const route = named.find(
    ({ i }) => i.gateway && node.spec.networks[i.network]?.carries.includes("management"),
  );
  const value = metaNetworkConfig({
    hostname: node.name,
    links,
    routes: route ? [{ gateway: route.i.gateway!, link: route.name }] : [],
    nameservers: node.spec.nameservers,
    timeServers: node.spec.ntp,
  });
  return { ...schematic, meta: [...(schematic.meta ?? []), { key: META_NETWORK_KEY, value }] };
}

function netContains(cidrText: string, addr: string): boolean {
  const c = parseCidr(cidrText);
  const ip = parseIp(addr);
  return typeof c !== "string" && !!ip && cidrContainsIp(c, ip);
}
