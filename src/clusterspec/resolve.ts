// Spec → Model: pins versions, derives the endpoint, and plans addresses and pod blocks.
// Runs only on a spec that passed the semantic checks, so it may assume networks and versions are sound.
import { contractFor, talosMinor } from "../talos/versions.js";
import type { Finding } from "../findings.js";
import type { Model, ModelInterface, ModelNode } from "./model.js";
import type { ClusterSpec } from "./schema.js";
import { parseCidr, parseIp, cidrContainsIp } from "../net/ip.js";
import { planAddresses, planPodBlocks } from "./ipplan.js";

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
        vlan: i.vlan ?? net.vlan,
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
      schematic: { ...spec.talos.schematic, ...(n.schematic ?? {}) },
      installDisk: n.installDisk ?? spec.talos.installDisk,
      spec: n,
    };
  });

  const firstCp = nodes.find((n) => n.role === "controlplane");
  const defaultHost = vip?.address ?? firstCp?.address ?? "127.0.0.1";
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
    vip,
    certSANs: spec.controlPlane.extraSANs,
    nodes,
  };
  return { model: findings.some((f) => f.severity === "error") ? undefined : model, findings };
}

function netContains(cidrText: string, addr: string): boolean {
  const c = parseCidr(cidrText);
  const ip = parseIp(addr);
  return typeof c !== "string" && !!ip && cidrContainsIp(c, ip);
}
