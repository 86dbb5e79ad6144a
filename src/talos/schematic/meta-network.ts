// Talos' META key 10 ("network config", 0x0a): the platform network configuration a metal image applies at first
// boot, before any machine config, so a node comes up on its static address without DHCP (seed 004). The format is
// Talos' PlatformNetworkConfig in YAML; each section mirrors the .spec of the resource it creates (AddressSpec,
// LinkSpec, RouteSpec, HostnameSpec, ResolverSpec, TimeServerSpec) with layer "platform". Only the metal platform
// reads it (Talos docs, "Metal network configuration").

export const META_NETWORK_KEY = 10;

interface MetaNetworkLink {
  name: string;
  /** CIDRs, e.g. 10.0.1.1/16. */
  addresses: string[];
  mtu?: number;
}

export interface MetaNetworkInput {
  hostname: string;
  links: MetaNetworkLink[];
  /** Default routes. */
  routes: { gateway: string; link: string }[];
  nameservers: string[];
  timeServers: string[];
}

const family = (addr: string) => (addr.includes(":") ? "inet6" : "inet4");
const q = (s: string) => (/^[A-Za-z0-9_.:/-]+$/.test(s) && !/^[0-9.]+$/.test(s) ? s : JSON.stringify(s));

/** The META key 10 value for one node, deterministic for the same input. */
export function metaNetworkConfig(n: MetaNetworkInput): string {
  const out: string[] = [];
  const list = (name: string, items: string[][]) => {
    if (!items.length) return;
    out.push(`${name}:`);
    for (const lines of items) lines.forEach((l, i) => out.push(`${i === 0 ? "    - " : "      "}${l}`));
  };
  list(
    "addresses",
    n.links.flatMap((l) =>
      l.addresses.map((a) => [
        `address: ${a}`,
        `linkName: ${q(l.name)}`,
        `family: ${family(a)}`,
        "scope: global",
        "flags: permanent",
        "layer: platform",
      ]),
    ),
  );
  list(
    "links",
    n.links.map((l) => [
      `name: ${q(l.name)}`,
      "up: true",
      ...(l.mtu !== undefined ? [`mtu: ${l.mtu}`] : []),
      "layer: platform",
    ]),
  );
  list(
    "routes",
    n.routes.map((r) => [
      `family: ${family(r.gateway)}`,
      `gateway: ${q(r.gateway)}`,
      `outLinkName: ${q(r.link)}`,
      "table: main",
      // Talos' default route priorities: 1024 for IPv4, 2048 for IPv6.
      `priority: ${family(r.gateway) === "inet6" ? 2048 : 1024}`,
      "scope: global",
      "type: unicast",
      "protocol: static",
      "layer: platform",
    ]),
  );
  list("hostnames", [[`hostname: ${q(n.hostname)}`, "layer: platform"]]);
  if (n.nameservers.length)
    list("resolvers", [["dnsServers:", ...n.nameservers.map((s) => `    - ${q(s)}`), "layer: platform"]]);
  if (n.timeServers.length)
    list("timeServers", [["timeServers:", ...n.timeServers.map((s) => `    - ${q(s)}`), "layer: platform"]]);
  return out.join("\n") + "\n";
}
