// The cluster's topology as a layout: networks (and their VLANs) as vertical lanes, nodes as boxes grouped by where
// the provider places them (Proxmox host, Hetzner location, static machines), one port per interface where a node
// meets a lane, and the control-plane VIP and load-balancer pools on the lane that holds them. Pure and
// deterministic: the same model gives the same layout, byte for byte once drawn (src/ui/svg.ts), so `cairn diagram`
// output can be committed and diffed, and the page draws exactly what the diagram shows.
//
// Text widths are estimated from character counts (no font metrics without a browser): generous per-character
// widths keep labels inside their boxes for the fonts a browser or an SVG viewer picks.
import { parseCidr, parseRange, type Cidr, type IpRange } from "../net/ip.js";

/** What the layout reads of the model; the resolved Model satisfies it structurally. */
export interface TopologyModel {
  name: string;
  talosVersion: string;
  kubernetesVersion: string;
  endpoint: { url: string };
  vip: { address: string; network: string } | undefined;
  spec: {
    provider: { type: string; location?: string };
    networks: Record<
      string,
      {
        cidr: string;
        vlan?: number | undefined;
        mtu?: number | undefined;
        gateway?: string | undefined;
        carries?: readonly string[] | undefined;
        dhcp?: boolean | undefined;
      }
    >;
    controlPlane?: { vip?: { type?: string | undefined } | undefined } | undefined;
    addons?:
      | {
          loadBalancer?:
            | {
                type: string;
                pools?: readonly {
                  name: string;
                  network?: string | undefined;
                  addresses: readonly string[];
                }[];
              }
            | undefined;
        }
      | undefined;
  };
  nodes: readonly {
    name: string;
    role: string;
    podBlock?: string | undefined;
    interfaces: readonly {
      network: string;
      address: string | undefined;
      vlan: number | undefined;
      dhcp: boolean;
      link: { name?: string | undefined };
    }[];
    spec: {
      proxmox?: { host: string; vmid: number; cores?: number; memory?: number } | undefined;
      hetzner?:
        | { serverType: string; location?: string | undefined; placementGroup?: string | undefined }
        | undefined;
      static?: { address: string } | undefined;
    };
  }[];
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Lane extends Rect {
  /** The network's name (unique); "" for the pseudo-lane of addresses outside every network. */
  network: string;
  title: string;
  /** Header lines under the title: CIDR, VLAN/MTU/gateway, what it carries. */
  details: string[];
  /** x of the lane's bus line, where ports and services attach. */
  busX: number;
  /** Palette index, so a lane keeps its colour on the page and in the diagram. */
  colour: number;
}

type GroupKind = "proxmox-host" | "hetzner-location" | "static" | "unplaced";

interface Group extends Rect {
  id: string;
  kind: GroupKind;
  label: string;
}

interface NodeBox extends Rect {
  name: string;
  role: "controlplane" | "worker";
  group: string;
  /** Text lines: the name first, then role and placement, then the pod block when the spec plans one. */
  lines: string[];
  /** Baseline of the status line the live page fills in (left empty in the standalone diagram). */
  statusY: number;
}

interface Port {
  node: string;
  network: string;
  /** The interface's address, or "dhcp" when it has none. */
  address: string;
  /** What the diagram writes beside the junction: the address, and a VLAN that differs from the network's. */
  label: string;
  /** Where the connector leaves the node box. */
  fromX: number;
  /** The junction on the lane's bus. */
  x: number;
  y: number;
}

interface Service extends Rect {
  kind: "vip" | "pool";
  name: string;
  network: string;
  /** First line (what it is), then the addresses. */
  lines: string[];
  addresses: string[];
  /** Junction on the lane's bus. */
  portX: number;
  portY: number;
}

export interface Topology {
  width: number;
  height: number;
  title: string;
  subtitle: string;
  lanes: Lane[];
  groups: Group[];
  nodes: NodeBox[];
  ports: Port[];
  services: Service[];
}

// Geometry (px). Character widths are upper estimates for 12–13 px sans-serif and monospace text.
const GEOMETRY = {
  margin: 24,
  headerHeight: 58,
  laneHeadHeight: 78,
  groupHeadHeight: 26,
  groupPad: 10,
  nodeHeight: 74,
  nodeGap: 12,
  groupGap: 16,
  connectorGap: 56,
  laneGap: 14,
  laneMinWidth: 190,
  nodeMinWidth: 210,
  busInset: 18,
  serviceGap: 12,
  lineHeight: 16,
  charSans: 6.8,
  charBold: 7.8,
  charMono: 7.6,
} as const;

const G = GEOMETRY;
const textWidth = (s: string, per: number): number => Math.ceil(s.length * per);

const PROVIDER_LABEL: Record<string, string> = {
  proxmox: "Proxmox VE",
  hetzner: "Hetzner Cloud",
  static: "static machines",
};

interface Placement {
  id: string;
  kind: GroupKind;
  label: string;
  detail: string;
}

function placementOf(model: TopologyModel, node: TopologyModel["nodes"][number]): Placement {
  const s = node.spec;
  if (s.proxmox) {
    const size = [
      `vmid ${s.proxmox.vmid}`,
      ...(s.proxmox.cores ? [`${s.proxmox.cores} cores`] : []),
      ...(s.proxmox.memory ? [`${Math.round(s.proxmox.memory / 1024)} GiB`] : []),
    ];
    return {
      id: `proxmox:${s.proxmox.host}`,
      kind: "proxmox-host",
      label: `Proxmox host ${s.proxmox.host}`,
      detail: size.join(" · "),
    };
  }
  if (s.hetzner) {
    const location = s.hetzner.location ?? model.spec.provider.location ?? "?";
    return {
      id: `hetzner:${location}`,
      kind: "hetzner-location",
      label: `Hetzner ${location}`,
      detail: [
        s.hetzner.serverType,
        ...(s.hetzner.placementGroup ? [`group ${s.hetzner.placementGroup}`] : []),
      ].join(" · "),
    };
  }
  if (s.static || model.spec.provider.type === "static")
    return {
      id: "static",
      kind: "static",
      label: "Static machines (Talos maintenance mode)",
      detail: s.static ? `at ${s.static.address}` : "",
    };
  return {
    id: "unplaced",
    kind: "unplaced",
    label: `${PROVIDER_LABEL[model.spec.provider.type] ?? model.spec.provider.type}: no placement`,
    detail: "",
  };
}

const inRange = (r: IpRange, c: Cidr): boolean => {
  if (r.family !== c.family) return false;
  const bits = BigInt(c.family === 4 ? 32 : 128);
  const last = c.base + (1n << (bits - BigInt(c.prefix))) - 1n;
  return r.start >= c.base && r.end <= last;
};

/** The network that holds every address of a pool: the one it names, else the first that contains it. */
function poolNetwork(model: TopologyModel, addresses: readonly string[], named: string | undefined): string {
  if (named !== undefined && model.spec.networks[named]) return named;
  for (const [name, n] of Object.entries(model.spec.networks)) {
    const c = parseCidr(n.cidr);
    if (typeof c === "string") continue;
    const all = addresses.every((a) => {
      const r = parseRange(a);
      return typeof r !== "string" && inRange(r, c);
    });
    if (all) return name;
  }
  return "";
}

function laneDetails(n: TopologyModel["spec"]["networks"][string]): string[] {
  const l2 = [
    n.vlan !== undefined && n.vlan !== 0 ? `VLAN ${n.vlan}` : "untagged",
    ...(n.mtu ? [`MTU ${n.mtu}`] : []),
    ...(n.gateway ? [`gw ${n.gateway}`] : []),
  ];
  return [
    n.cidr,
    l2.join(" · "),
    `carries ${(n.carries?.length ? n.carries : ["management"]).join(", ")}${n.dhcp ? " · dhcp" : ""}`,
  ];
}

export function layoutTopology(model: TopologyModel): Topology {
  const networks = Object.entries(model.spec.networks);
  const laneNames = networks.map(([name]) => name);

  // Services first: they decide whether a pseudo-lane for addresses outside every network is needed.
  const rawServices: {
    kind: "vip" | "pool";
    name: string;
    network: string;
    lines: string[];
    addresses: string[];
  }[] = [];
  if (model.vip) {
    const type = model.spec.controlPlane?.vip?.type ?? "talos";
    rawServices.push({
      kind: "vip",
      name: "vip",
      network: model.spec.networks[model.vip.network] ? model.vip.network : "",
      lines: [`API VIP (${type})`, model.vip.address],
      addresses: [model.vip.address],
    });
  }
  const lb = model.spec.addons?.loadBalancer;
  for (const p of lb?.pools ?? [])
    rawServices.push({
      kind: "pool",
      name: p.name,
      network: poolNetwork(model, p.addresses, p.network),
      lines: [`pool ${p.name} (${lb!.type})`, ...p.addresses],
      addresses: [...p.addresses],
    });
  const knownNetworks = new Set(laneNames);
  const nodeOutside = model.nodes.some((n) => n.interfaces.some((i) => !knownNetworks.has(i.network)));
  if (rawServices.some((s) => s.network === "") || nodeOutside) laneNames.push("");

  // Groups in order of their first node; nodes in spec order inside a group.
  const placements = new Map<string, { placement: Placement; nodes: TopologyModel["nodes"][number][] }>();
  const detailOf = new Map<string, string>();
  for (const n of model.nodes) {
    const p = placementOf(model, n);
    detailOf.set(n.name, p.detail);
    const entry = placements.get(p.id) ?? { placement: p, nodes: [] };
    entry.nodes.push(n);
    placements.set(p.id, entry);
  }

  const nodeLines = (n: TopologyModel["nodes"][number]): string[] => {
    const role = n.role === "controlplane" ? "control plane" : "worker";
    const detail = detailOf.get(n.name);
    return [n.name, detail ? `${role} · ${detail}` : role, ...(n.podBlock ? [`pods ${n.podBlock}`] : [])];
  };
  const nodeWidth = Math.max(
    G.nodeMinWidth,
    ...model.nodes.map((n) => {
      const [name, ...rest] = nodeLines(n);
      return Math.max(textWidth(name!, G.charBold), ...rest.map((l) => textWidth(l, G.charSans))) + 24;
    }),
    ...[...placements.values()].map((p) => textWidth(p.placement.label, G.charBold) + 4 - 2 * G.groupPad),
  );
  const groupWidth = nodeWidth + 2 * G.groupPad;

  // Ports: one per interface, labelled with its address (and its VLAN when it overrides the network's).
  interface RawPort {
    node: string;
    network: string;
    address: string;
    label: string;
  }
  const rawPorts: RawPort[] = [];
  for (const n of model.nodes)
    for (const i of n.interfaces) {
      const network = knownNetworks.has(i.network) ? i.network : "";
      const netVlan = model.spec.networks[i.network]?.vlan;
      const address = i.address ?? "dhcp";
      const vlan =
        i.vlan !== undefined && i.vlan !== netVlan
          ? ` · ${i.vlan === 0 ? "untagged" : `VLAN ${i.vlan}`}`
          : "";
      const link = i.link.name ? ` ${i.link.name}` : "";
      rawPorts.push({ node: n.name, network, address, label: `${address}${link}${vlan}` });
    }

  // Lanes: wide enough for their header, their port labels and their services.
  const laneInfo = laneNames.map((name, index) => {
    const n = name === "" ? undefined : model.spec.networks[name]!;
    const title = name === "" ? "outside the spec's networks" : name;
    const details = n ? laneDetails(n) : ["addresses no network contains"];
    const ports = rawPorts.filter((p) => p.network === name);
    const services = rawServices.filter((s) => s.network === name);
    const width = Math.max(
      G.laneMinWidth,
      textWidth(title, G.charBold) + 2 * G.busInset,
      ...details.map((d) => textWidth(d, G.charSans) + 2 * G.busInset),
      ...ports.map((p) => G.busInset + 10 + textWidth(p.label, G.charMono) + 10),
      ...services.map(
        (s) => G.busInset + 14 + Math.max(...s.lines.map((l) => textWidth(l, G.charMono))) + 20,
      ),
    );
    return { name, title, details, width, colour: index, n };
  });

  const top = G.margin + G.headerHeight;
  const bodyTop = top + G.laneHeadHeight;

  // Groups and nodes, top to bottom.
  const groups: Group[] = [];
  const nodes: NodeBox[] = [];
  let y = bodyTop;
  const nodeX = G.margin + G.groupPad;
  for (const { placement, nodes: members } of placements.values()) {
    const gy = y;
    let ny = gy + G.groupHeadHeight;
    for (const n of members) {
      const lines = nodeLines(n);
      nodes.push({
        name: n.name,
        role: n.role === "controlplane" ? "controlplane" : "worker",
        group: placement.id,
        lines,
        x: nodeX,
        y: ny,
        width: nodeWidth,
        height: G.nodeHeight,
        statusY: ny + 16 + 3 * G.lineHeight + 2,
      });
      ny += G.nodeHeight + G.nodeGap;
    }
    const height = ny - gy - G.nodeGap + G.groupPad;
    groups.push({
      id: placement.id,
      kind: placement.kind,
      label: placement.label,
      x: G.margin,
      y: gy,
      width: groupWidth,
      height,
    });
    y = gy + height + G.groupGap;
  }
  const nodesBottom = y - G.groupGap;

  // Lanes left to right after the node column.
  const lanes: Lane[] = [];
  let x = G.margin + groupWidth + G.connectorGap;
  for (const l of laneInfo) {
    lanes.push({
      network: l.name,
      title: l.title,
      details: l.details,
      colour: l.colour,
      x,
      y: top,
      width: l.width,
      height: 0,
      busX: x + G.busInset,
    });
    x += l.width + G.laneGap;
  }
  const laneOf = new Map(lanes.map((l) => [l.network, l]));

  const ports: Port[] = rawPorts.map((p) => {
    const box = nodes.find((b) => b.name === p.node)!;
    const lane = laneOf.get(p.network)!;
    return {
      node: p.node,
      network: p.network,
      address: p.address,
      label: p.label,
      fromX: box.x + box.width,
      x: lane.busX,
      y: box.y + Math.round(box.height / 2),
    };
  });

  // Services stacked under the nodes, each lane on its own.
  const services: Service[] = [];
  let bottom = nodesBottom;
  for (const lane of lanes) {
    let sy = nodesBottom + G.serviceGap + 8;
    for (const s of rawServices.filter((r) => r.network === lane.network)) {
      const height = 12 + s.lines.length * G.lineHeight;
      const sx = lane.busX + 14;
      services.push({
        kind: s.kind,
        name: s.name,
        network: lane.network,
        lines: s.lines,
        addresses: s.addresses,
        x: sx,
        y: sy,
        width: lane.x + lane.width - 8 - sx,
        height,
        portX: lane.busX,
        portY: sy + Math.round(height / 2),
      });
      sy += height + G.serviceGap;
      bottom = Math.max(bottom, sy - G.serviceGap);
    }
  }
  const laneBottom = bottom + G.groupPad + 6;
  for (const l of lanes) l.height = laneBottom - l.y;

  const provider = PROVIDER_LABEL[model.spec.provider.type] ?? model.spec.provider.type;
  const width = Math.max(x - G.laneGap + G.margin, G.margin * 2 + groupWidth + 200);
  const height = Math.max(laneBottom, nodesBottom) + G.margin;
  const subtitle = `Talos ${model.talosVersion} · Kubernetes ${model.kubernetesVersion} · ${provider} · API ${model.endpoint.url}`;
  return {
    width: Math.max(width, G.margin * 2 + textWidth(subtitle, G.charSans)),
    height,
    title: `cluster ${model.name}`,
    subtitle,
    lanes,
    groups,
    nodes,
    ports,
    services,
  };
}
