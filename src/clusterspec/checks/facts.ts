// Parsed network facts shared by the check modules: every CIDR, range and address in the spec parsed once.
// Values that fail to parse are `undefined` here; the module that owns the field reports the syntax error, the
// others skip the value, so a single typo yields one finding rather than one per rule that touches it.
import {
  formatIp,
  parseCidr,
  parseIp,
  parseRange,
  type Cidr,
  type CidrError,
  type Ip,
  type IpRange,
  type RangeError,
} from "../../net/ip.js";
import type { FieldPath } from "../../findings.js";
import type { ClusterSpec, NetworkSpec } from "../schema.js";

export interface NetworkFacts {
  name: string;
  spec: NetworkSpec;
  cidr: Cidr | undefined;
  gateway: Ip | undefined;
}

interface PoolEntryFacts {
  pool: string;
  poolIndex: number;
  entryIndex: number;
  path: FieldPath;
  text: string;
  range: IpRange | undefined;
}

interface SubnetFacts {
  kind: "pod" | "service";
  index: number;
  path: FieldPath;
  cidr: Cidr | undefined;
}

export interface Facts {
  networks: Map<string, NetworkFacts>;
  podSubnets: SubnetFacts[];
  serviceSubnets: SubnetFacts[];
  poolEntries: PoolEntryFacts[];
  /** False when some network CIDR did not parse: "inside no network" cannot be claimed then. */
  networksParsed: boolean;
  /** True when nodes get their own pod blocks (kubernetes.podBlocks or any node podBlock). */
  perNodePodBlocks: boolean;
}

const cache = new WeakMap<ClusterSpec, Facts>();

export function factsOf(spec: ClusterSpec): Facts {
  const hit = cache.get(spec);
  if (hit) return hit;
  const networks = new Map<string, NetworkFacts>();
  for (const [name, n] of Object.entries(spec.networks)) {
    const c = parseCidr(n.cidr);
    networks.set(name, {
      name,
      spec: n,
      cidr: typeof c === "string" ? undefined : c,
      gateway: n.gateway !== undefined ? parseIp(n.gateway) : undefined,
    });
  }
  const subnets = (kind: "pod" | "service", list: string[], field: string): SubnetFacts[] =>
    list.map((text, index) => {
      const c = parseCidr(text);
      return { kind, index, path: ["kubernetes", field, index], cidr: typeof c === "string" ? undefined : c };
    });
  const poolEntries: PoolEntryFacts[] = [];
  (spec.addons.loadBalancer?.pools ?? []).forEach((p, poolIndex) =>
    p.addresses.forEach((text, entryIndex) => {
      const r = parseRange(text);
      poolEntries.push({
        pool: p.name,
        poolIndex,
        entryIndex,
        path: ["addons", "loadBalancer", "pools", poolIndex, "addresses", entryIndex],
        text,
        range: typeof r === "string" ? undefined : r,
      });
    }),
  );
  const facts: Facts = {
    networks,
    podSubnets: subnets("pod", spec.kubernetes.podSubnets, "podSubnets"),
    serviceSubnets: subnets("service", spec.kubernetes.serviceSubnets, "serviceSubnets"),
    poolEntries,
    networksParsed: [...networks.values()].every((n) => n.cidr !== undefined),
    perNodePodBlocks: spec.kubernetes.podBlocks !== undefined || spec.nodes.some((n) => n.podBlock),
  };
  cache.set(spec, facts);
  return facts;
}

export function describeCidrError(text: string, e: CidrError): string {
  switch (e) {
    case "syntax":
      return `"${text}" is not a CIDR (expected address/prefix, e.g. 10.0.0.0/24)`;
    case "prefix":
      return `"${text}" has a prefix length longer than the address (at most /32 for IPv4, /128 for IPv6)`;
    case "host-bits": {
      const m = /^([^/]+)\/(\d+)$/.exec(text.trim());
      const fixed = m ? networkOf(m[1]!, Number(m[2])) : undefined;
      return `"${text}" has host bits set: it is an address inside ${fixed ?? "a network"}, not a network`;
    }
  }
}

export function describeRangeError(text: string, e: RangeError): string {
  // parseRange folds CIDR problems into "syntax"; name the precise one (host bits set is the usual mistake).
  const c = text.includes("/") ? parseCidr(text) : undefined;
  if (typeof c === "string") return describeCidrError(text, c);
  switch (e) {
    case "syntax":
      return `"${text}" is not an address, a range a.b.c.d-a.b.c.e, or a CIDR`;
    case "reversed":
      return `range "${text}" is reversed: its first address is above its last`;
    case "family":
      return `range "${text}" mixes IPv4 and IPv6`;
  }
}

/** "10.0.0.5", 24 → "10.0.0.0/24": the network a host-bits CIDR was probably meant to be. */
export function networkOf(addr: string, prefix: number): string | undefined {
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const width = ip.family === 4 ? 32 : 128;
  if (prefix > width) return undefined;
  const host = (1n << BigInt(width - prefix)) - 1n;
  return `${fmt({ family: ip.family, value: ip.value & ~host })}/${prefix}`;
}

const fmt = formatIp;

export function familyName(f: 4 | 6): string {
  return f === 4 ? "IPv4" : "IPv6";
}

export function rangeText(r: { start: bigint; end: bigint; family: 4 | 6 }): string {
  return r.start === r.end
    ? fmt({ family: r.family, value: r.start })
    : `${fmt({ family: r.family, value: r.start })}-${fmt({ family: r.family, value: r.end })}`;
}

/** Why an address given in the spec could not be parsed, with the usual mistake (a prefix length) named. */
export { describeAddressError } from "../../net/ip.js";

/** The network whose CIDR contains `ip` (first in spec order), if any. */
export function networkContaining(facts: Facts, ip: Ip): NetworkFacts | undefined {
  for (const n of facts.networks.values()) {
    if (n.cidr && n.cidr.family === ip.family && ip.value >= n.cidr.base && ip.value <= lastOf(n.cidr))
      return n;
  }
  return undefined;
}

export function lastOf(c: Cidr): bigint {
  return c.base + (1n << BigInt((c.family === 4 ? 32 : 128) - c.prefix)) - 1n;
}
