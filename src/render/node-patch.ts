// The model's facts about one node, expressed as Talos config: a strategic-merge patch for the v1alpha1 document
// plus the extra documents the contract wants. Contracts ≤ 1.11 carry networking inside v1alpha1
// (machine.network); 1.12+ moved it to LinkConfig/VLANConfig/Layer2VIPConfig/ResolverConfig/TimeSyncConfig/
// HostnameConfig documents, whose schemas no longer accept the v1alpha1 fields.
import type { Model, ModelInterface, ModelNode } from "../clusterspec/model.js";
import { compareMinor } from "../talos/versions.js";
import { nodeVlanTag } from "../providers/tagging.js";

export type Doc = Record<string, unknown>;

export interface NodeConfigParts {
  /** Strategic-merge patch for the v1alpha1 document. */
  v1alpha1: Doc;
  /** Whole documents to add (1.12+ networking); a HostnameConfig replaces the generated one. */
  documents: Doc[];
}

interface Link {
  key: string;
  name: string | undefined;
  selector: Record<string, string | boolean> | undefined;
  untagged: ModelInterface[];
  tagged: { vlan: number; iface: ModelInterface }[];
}

function linkKey(i: ModelInterface, index: number): string {
  if (i.link.name) return `name:${i.link.name}`;
  if (i.link.deviceSelector) return `sel:${JSON.stringify(i.link.deviceSelector)}`;
  return `idx:${index}`;
}

function groupLinks(node: ModelNode): Link[] {
  const links = new Map<string, Link>();
  node.interfaces.forEach((iface, index) => {
    const key = linkKey(iface, index);
    let link = links.get(key);
    if (!link) {
      // A lone interface without a name or selector is the node's only link: Talos calls it eth0 by default.
      const name = iface.link.name ?? (iface.link.deviceSelector ? undefined : `eth${index}`);
      link = { key, name, selector: iface.link.deviceSelector, untagged: [], tagged: [] };
      links.set(key, link);
    }
    // Only node tagging becomes a VLAN sub-interface; a hypervisor-tagged VLAN reaches Talos untagged.
    const vlan = nodeVlanTag(iface);
    if (vlan === undefined) link.untagged.push(iface);
    else link.tagged.push({ vlan, iface });
  });
  return [...links.values()];
}

const cidrOf = (i: ModelInterface) => (i.address ? [`${i.address}/${i.prefix}`] : []);

/** The management interface carries the default route; other networks' gateways are for their own subnets. */
function defaultRouteIface(model: Model, node: ModelNode): ModelInterface | undefined {
  return node.interfaces.find(
    (i) => i.gateway && model.spec.networks[i.network]?.carries.includes("management"),
  );
}

function maxMtu(link: Link): number | undefined {
  const mtus = [...link.untagged, ...link.tagged.map((t) => t.iface)]
    .map((i) => i.mtu)
    .filter((m): m is number => m !== undefined);
  return mtus.length ? Math.max(...mtus) : undefined;
}

export function nodeConfigParts(model: Model, node: ModelNode): NodeConfigParts {
  const multidocNetwork = compareMinor(model.contract, "1.12") >= 0;
  const spec = model.spec;
  const links = groupLinks(node);
  const routeIface = defaultRouteIface(model, node);
  const isIPv6 = (i: ModelInterface) => i.cidr.includes(":");
  const machine: Doc = {};
  const cluster: Doc = {};
  const documents: Doc[] = [];

  // Installation: disk (or selector) and the installer image for this node's schematic.
  const install: Doc = {};
  if (typeof node.installDisk === "string") install.disk = node.installDisk;
  else install.diskSelector = { ...node.installDisk.selector };
  machine.install = install;

  if (Object.keys(node.spec.labels).length) machine.nodeLabels = { ...node.spec.labels };
  if (node.spec.taints.length) {
    machine.nodeTaints = Object.fromEntries(
      node.spec.taints.map((t) => [t.key, t.value ? `${t.value}:${t.effect}` : t.effect]),
    );
  }
  if (node.spec.kernelModules.length)
    machine.kernel = { modules: node.spec.kernelModules.map((name) => ({ name })) };

  if (!multidocNetwork) {
    const network: Doc = { hostname: node.name };
    const interfaces = links.map((link) => {
      const dev: Doc = {};
      if (link.name) dev.interface = link.name;
      else if (link.selector) dev.deviceSelector = { ...link.selector };
      const addresses = link.untagged.flatMap(cidrOf);
      if (addresses.length) dev.addresses = addresses;
      const routed = link.untagged.find((i) => i === routeIface);
      if (routed) dev.routes = [{ network: isIPv6(routed) ? "::/0" : "0.0.0.0/0", gateway: routed.gateway }];
      if (link.tagged.length) {
        dev.vlans = link.tagged.map(({ vlan, iface }) => {
          const v: Doc = {};
          const addrs = cidrOf(iface);
          if (addrs.length) v.addresses = addrs;
          if (iface === routeIface)
            v.routes = [{ network: isIPv6(iface) ? "::/0" : "0.0.0.0/0", gateway: iface.gateway }];
          if (iface.dhcp) v.dhcp = true;
          v.vlanId = vlan;
          if (iface.mtu !== undefined) v.mtu = iface.mtu;
          if (iface.vip) v.vip = { ip: iface.vip };
          return v;
        });
      }
      const mtu = maxMtu(link);
      if (mtu !== undefined) dev.mtu = mtu;
      if (link.untagged.some((i) => i.dhcp)) dev.dhcp = true;
      const vip = link.untagged.find((i) => i.vip)?.vip;
      if (vip) dev.vip = { ip: vip };
      return dev;
    });
    if (interfaces.length) network.interfaces = interfaces;
    if (spec.nameservers.length) network.nameservers = [...spec.nameservers];
    machine.network = network;
    if (spec.ntp.length) machine.time = { servers: [...spec.ntp] };
  } else {
    documents.push({ apiVersion: "v1alpha1", kind: "HostnameConfig", hostname: node.name });
    if (spec.nameservers.length) {
      documents.push({
        apiVersion: "v1alpha1",
        kind: "ResolverConfig",
        nameservers: spec.nameservers.map((address) => ({ address })),
      });
    }
    if (spec.ntp.length)
      documents.push({ apiVersion: "v1alpha1", kind: "TimeSyncConfig", ntp: { servers: [...spec.ntp] } });
    links.forEach((link, k) => {
      let linkName = link.name;
      if (!linkName && link.selector) {
        // Selected links get an alias named after their first network; LinkConfig then refers to the alias.
        linkName = `${(link.untagged[0] ?? link.tagged[0]!.iface).network}-link${k === 0 ? "" : k}`;
        documents.push({
          apiVersion: "v1alpha1",
          kind: "LinkAliasConfig",
          name: linkName,
          selector: { match: celSelector(link.selector) },
        });
      }
      const name = linkName!;
      const linkDoc: Doc = { apiVersion: "v1alpha1", kind: "LinkConfig", name, up: true };
      const mtu = maxMtu(link);
      if (mtu !== undefined) linkDoc.mtu = mtu;
      const addrs = link.untagged.flatMap(cidrOf).map((address) => ({ address }));
      if (addrs.length) linkDoc.addresses = addrs;
      const routed = link.untagged.find((i) => i === routeIface);
      if (routed) linkDoc.routes = [{ gateway: routed.gateway }];
      documents.push(linkDoc);
      if (link.untagged.some((i) => i.dhcp))
        documents.push({ apiVersion: "v1alpha1", kind: "DHCPv4Config", name });
      const vip = link.untagged.find((i) => i.vip)?.vip;
      if (vip) documents.push({ apiVersion: "v1alpha1", kind: "Layer2VIPConfig", name: vip, link: name });
      for (const { vlan, iface } of link.tagged) {
        const vname = `${name}.${vlan}`;
        const v: Doc = {
          apiVersion: "v1alpha1",
          kind: "VLANConfig",
          name: vname,
          vlanID: vlan,
          parent: name,
          up: true,
        };
        if (iface.mtu !== undefined) v.mtu = iface.mtu;
        const a = cidrOf(iface).map((address) => ({ address }));
        if (a.length) v.addresses = a;
        if (iface === routeIface) v.routes = [{ gateway: iface.gateway }];
        documents.push(v);
        if (iface.dhcp) documents.push({ apiVersion: "v1alpha1", kind: "DHCPv4Config", name: vname });
        if (iface.vip)
          documents.push({ apiVersion: "v1alpha1", kind: "Layer2VIPConfig", name: iface.vip, link: vname });
      }
    });
  }

  // A node on several networks must say which one kubelet and etcd use, or each picks whichever address it finds
  // first (a pod, storage or Ceph address on seeds 000 and 003): pin both to the network that carries management.
  // The same fields exist in every contract (v1alpha1 machine.kubelet and cluster.etcd).
  const mgmtSubnets = [
    ...new Set(
      node.interfaces
        .filter((i) => spec.networks[i.network]?.carries.includes("management"))
        .map((i) => i.cidr),
    ),
  ];
  if (new Set(node.interfaces.map((i) => i.network)).size > 1 && mgmtSubnets.length) {
    machine.kubelet = { nodeIP: { validSubnets: mgmtSubnets } };
    if (node.role === "controlplane") cluster.etcd = { advertisedSubnets: [...mgmtSubnets] };
  }

  // Cert SANs, sysctls, DNS domain and scheduling go through the generator's own options (machine-configs.ts), as
  // talosctl's flags do; this patch carries only what the generator has no option for.
  // Cluster-wide facts: only control planes carry the API server, controller manager and proxy settings.
  const k8s = spec.kubernetes;
  cluster.network = { podSubnets: [...k8s.podSubnets], serviceSubnets: [...k8s.serviceSubnets] };
  if (node.role === "controlplane") {
    const extraArgs: Record<string, string> = { ...k8s.apiServerExtraArgs };
    if (k8s.oidc) {
      extraArgs["oidc-issuer-url"] = k8s.oidc.issuerURL;
      extraArgs["oidc-client-id"] = k8s.oidc.clientID;
      extraArgs["oidc-username-claim"] = k8s.oidc.usernameClaim;
      extraArgs["oidc-groups-claim"] = k8s.oidc.groupsClaim;
    }
    const apiServer: Doc = {};
    if (Object.keys(extraArgs).length) apiServer.extraArgs = extraArgs;
    if (Object.keys(apiServer).length) cluster.apiServer = apiServer;
    if (k8s.podBlocks)
      cluster.controllerManager = { extraArgs: { "node-cidr-mask-size": String(k8s.podBlocks.size) } };
  }

  return { v1alpha1: { machine, cluster }, documents };
}

/** A Talos CEL link selector for a deviceSelector-style mapping. */
function celSelector(sel: Record<string, string | boolean>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel)) {
    if (k === "hardwareAddr") parts.push(`mac(link.permanent_addr) == "${String(v).toLowerCase()}"`);
    else if (k === "driver") parts.push(`link.driver == "${String(v)}"`);
    else if (k === "busPath") parts.push(`link.bus_path == "${String(v)}"`);
    else if (k === "pciID") parts.push(`link.pci_id == "${String(v)}"`);
    else if (k === "physical") parts.push(v ? "link.physical" : "!link.physical");
  }
  return parts.join(" && ") || "true";
}
