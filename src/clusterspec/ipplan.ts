// Deterministic IP planning: `address: auto` picks and per-node pod blocks. Pure functions of the spec: the same
// spec always yields the same plan, whatever machine or run. Every obstacle (pools, reserved ranges, explicit
// addresses) is merged into sorted disjoint ranges or a set of bigints, and each network is walked with a single
// forward cursor, so planning is linear in the number of nodes plus obstacles (a 1,000-node spec stays fast).
import { parseCidr, parseIp, parseRange, formatIp, type Cidr, type Family, type Ip } from "../net/ip.js";
import { error, type Finding } from "../findings.js";
import type { ClusterSpec } from "./schema.js";

export interface Span {
  start: bigint;
  end: bigint;
}

const width = (f: Family) => (f === 4 ? 32 : 128);
const lastOf = (c: Cidr) => c.base + (1n << BigInt(width(c.family) - c.prefix)) - 1n;

/** Sorts and merges overlapping or touching spans into disjoint ones. */
export function mergeSpans(spans: Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Span[] = [];
  for (const s of sorted) {
    const prev = out.at(-1);
    if (prev && s.start <= prev.end + 1n) {
      if (s.end > prev.end) prev.end = s.end;
    } else out.push({ start: s.start, end: s.end });
  }
  return out;
}

/** Load-balancer pool ranges of one family (unparsable entries are the checks' business). */
function poolSpans(spec: ClusterSpec, family: Family): Span[] {
  const out: Span[] = [];
  for (const p of spec.addons.loadBalancer?.pools ?? [])
    for (const a of p.addresses) {
      const r = parseRange(a);
      if (typeof r !== "string" && r.family === family) out.push({ start: r.start, end: r.end });
    }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-node pod blocks

export interface PodBlockPlan {
  /** Per node index: its pod block (explicit or carved), or undefined. */
  blocks: (string | undefined)[];
  /** Per node index: true when cairn carved the block. */
  carved: boolean[];
  /** The first pod subnet and block prefix, when carving applies. */
  subnet: Cidr | undefined;
  size: number | undefined;
  /** Blocks of the subnet that overlap load-balancer pools (skipped). */
  poolBlocks: string[];
  findings: Finding[];
}

/**
 * Carves one block of `kubernetes.podBlocks.size` per node from the first pod subnet, in node order, lowest block
 * first. Blocks given explicitly (`podBlock`) and blocks overlapping load-balancer pools are skipped: a node's
 * pod routes must never capture service addresses that MetalLB or Cilium announce.
 */
// The pod-block plan is a pure function of the spec, asked for by two checks and the resolver: plan it once.
const podBlockPlans = new WeakMap<ClusterSpec, PodBlockPlan>();

export function planPodBlocks(spec: ClusterSpec): PodBlockPlan {
  const hit = podBlockPlans.get(spec);
  if (hit) return hit;
  const plan = planPodBlocksOnce(spec);
  podBlockPlans.set(spec, plan);
  return plan;
}

function planPodBlocksOnce(spec: ClusterSpec): PodBlockPlan {
  const plan: PodBlockPlan = {
    blocks: spec.nodes.map((n) => n.podBlock),
    carved: spec.nodes.map(() => false),
    subnet: undefined,
    size: undefined,
    poolBlocks: [],
    findings: [],
  };
  const size = spec.kubernetes.podBlocks?.size;
  const first = spec.kubernetes.podSubnets[0];
  if (size === undefined || first === undefined) return plan;
  const subnet = parseCidr(first);
  // A bad subnet or size is reported by the podblocks check; nothing to carve then.
  if (typeof subnet === "string" || size < subnet.prefix || size > width(subnet.family)) return plan;
  plan.subnet = subnet;
  plan.size = size;
  const last = lastOf(subnet);
  const bs = 1n << BigInt(width(subnet.family) - size);
  const inSubnet = (s: Span) => s.end >= subnet.base && s.start <= last;

  const explicit: Span[] = [];
  for (const n of spec.nodes) {
    if (!n.podBlock) continue;
    const c = parseCidr(n.podBlock);
    if (typeof c !== "string" && c.family === subnet.family) explicit.push({ start: c.base, end: lastOf(c) });
  }
  const pools = mergeSpans(poolSpans(spec, subnet.family).filter(inSubnet));
  // The blocks a pool touches, for the check's warning and the exhaustion message.
  const poolBlockSet = new Set<bigint>();
  for (const p of pools) {
    const lo = p.start < subnet.base ? subnet.base : p.start;
    const hi = p.end > last ? last : p.end;
    for (let b = subnet.base + ((lo - subnet.base) / bs) * bs; b <= hi; b += bs) {
      poolBlockSet.add(b);
      if (poolBlockSet.size > 4096) break; // only named in messages; a huge pool needs no full list
    }
  }
  plan.poolBlocks = [...poolBlockSet].map((b) => `${formatIp({ family: subnet.family, value: b })}/${size}`);
  const obstacles = mergeSpans([...explicit.filter(inSubnet), ...pools]);

  let cursor = subnet.base;
  let ptr = 0;
  const alignUp = (x: bigint) => subnet.base + ((x - subnet.base + bs - 1n) / bs) * bs;
  const starved: number[] = [];
  let given = 0;
  spec.nodes.forEach((n, i) => {
    if (n.podBlock) return;
    for (;;) {
      const end = cursor + bs - 1n;
      if (end > last) {
        starved.push(i);
        return;
      }
      while (ptr < obstacles.length && obstacles[ptr]!.end < cursor) ptr++;
      const o = obstacles[ptr];
      if (o && o.start <= end) {
        cursor = alignUp(o.end + 1n);
        continue;
      }
      plan.blocks[i] = `${formatIp({ family: subnet.family, value: cursor })}/${size}`;
      plan.carved[i] = true;
      given++;
      cursor += bs;
      return;
    }
  });
  if (starved.length) {
    const i = starved[0]!;
    const total = 1n << BigInt(size - subnet.prefix);
    const explicitCount = spec.nodes.filter((n) => n.podBlock).length;
    const parts = [`${given} carved for earlier nodes`];
    if (explicitCount) parts.push(`${explicitCount} given explicitly`);
    if (poolBlockSet.size) parts.push(`${poolBlockSet.size} overlapping load-balancer pools`);
    plan.findings.push(
      error(
        "podblock.exhausted",
        ["nodes", i],
        `no free /${size} pod block left in ${subnet.text} for node "${spec.nodes[i]!.name}"` +
          (starved.length > 1
            ? ` (nor for ${starved.length - 1} more node${starved.length > 2 ? "s" : ""})`
            : "") +
          `: the subnet has ${total} blocks (${parts.join(", ")})`,
        "use a smaller block (a larger kubernetes.podBlocks.size), a larger pod subnet, or move load-balancer pools out of it",
      ),
    );
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------------------------
// Node addresses

export interface AddressPlan {
  /** addresses[node][interface]: the static address (given or planned), or undefined for DHCP. */
  addresses: (string | undefined)[][];
  planned: boolean[][];
  findings: Finding[];
}

/** Every address written anywhere in the spec: `auto` must never pick one of them. */
function explicitAddresses(spec: ClusterSpec): { 4: Set<bigint>; 6: Set<bigint> } {
  const out = { 4: new Set<bigint>(), 6: new Set<bigint>() };
  const add = (text: string | undefined) => {
    if (!text) return;
    const ip = parseIp(text.replace(/^\[(.*)\]$/, "$1"));
    if (ip) out[ip.family].add(ip.value);
  };
  for (const n of Object.values(spec.networks)) add(n.gateway);
  for (const n of spec.nodes) {
    for (const i of n.interfaces) if (i.address !== "auto" && i.address !== "dhcp") add(i.address);
    add(n.static?.address);
  }
  add(spec.controlPlane.vip?.address);
  for (const s of spec.controlPlane.extraSANs) add(s);
  if (spec.controlPlane.endpoint) {
    try {
      add(new URL(spec.controlPlane.endpoint).hostname);
    } catch {
      // a malformed endpoint is the endpoint check's finding
    }
  }
  for (const s of spec.nameservers) add(s);
  for (const s of spec.ntp) add(s);
  add(spec.addons.ingress?.loadBalancerIP);
  const grafana = spec.addons.observability?.grafana;
  if (typeof grafana === "object") add(grafana.loadBalancerIP);
  add(spec.addons.dns?.address);
  add(spec.addons.storage?.nfs?.server);
  return out;
}

interface NetworkCursor {
  family: Family;
  cidr: Cidr;
  end: bigint;
  cursor: bigint;
  ptr: number;
  obstacles: Span[];
  failed: { node: number; iface: number }[];
}

/**
 * Plans `address: auto`: for each interface in node order, the lowest free host address of its network, skipping
 * the network and broadcast addresses, the gateway, the VIP, every pool, the network's reserved ranges and every
 * address written anywhere in the spec. `address: dhcp` gets no static address.
 */
export function planAddresses(spec: ClusterSpec): AddressPlan {
  const plan: AddressPlan = { addresses: [], planned: [], findings: [] };
  const cursors = new Map<string, NetworkCursor | null>();
  let taken: { 4: Set<bigint>; 6: Set<bigint> } | undefined;
  const pools: Partial<Record<Family, Span[]>> = {};

  const cursorFor = (name: string): NetworkCursor | null => {
    const known = cursors.get(name);
    if (known !== undefined) return known;
    const net = spec.networks[name];
    const c = net ? parseCidr(net.cidr) : "syntax";
    if (!net || typeof c === "string") {
      cursors.set(name, null);
      return null;
    }
    const last = lastOf(c);
    // IPv4 networks up to /30 lose their network and broadcast addresses; /31 and /32 have neither (RFC 3021).
    // IPv6 skips the subnet-router anycast address (the first one).
    const hasEdges = c.family === 6 || c.prefix < 31;
    const spans: Span[] = [...(pools[c.family] ??= poolSpans(spec, c.family))];
    for (const r of net.reserved) {
      const s = parseRange(r);
      if (typeof s !== "string" && s.family === c.family) spans.push({ start: s.start, end: s.end });
    }
    const cur: NetworkCursor = {
      family: c.family,
      cidr: c,
      end: hasEdges && c.family === 4 ? last - 1n : last,
      cursor: hasEdges ? c.base + 1n : c.base,
      ptr: 0,
      obstacles: mergeSpans(spans.filter((s) => s.end >= c.base && s.start <= last)),
      failed: [],
    };
    cursors.set(name, cur);
    return cur;
  };

  spec.nodes.forEach((n, ni) => {
    const addrs: (string | undefined)[] = [];
    const planned: boolean[] = [];
    n.interfaces.forEach((i, ii) => {
      planned.push(false);
      if (i.address === "dhcp") return void addrs.push(undefined);
      if (i.address !== "auto") return void addrs.push(i.address);
      addrs.push(undefined);
      const cur = cursorFor(i.network);
      if (!cur) return;
      taken ??= explicitAddresses(spec);
      const set = taken[cur.family];
      for (;;) {
        if (cur.cursor > cur.end) {
          cur.failed.push({ node: ni, iface: ii });
          return;
        }
        while (cur.ptr < cur.obstacles.length && cur.obstacles[cur.ptr]!.end < cur.cursor) cur.ptr++;
        const o = cur.obstacles[cur.ptr];
        if (o && o.start <= cur.cursor) {
          cur.cursor = o.end + 1n;
          continue;
        }
        if (set.has(cur.cursor)) {
          cur.cursor++;
          continue;
        }
        addrs[ii] = formatIp({ family: cur.family, value: cur.cursor } satisfies Ip);
        planned[ii] = true;
        cur.cursor++;
        return;
      }
    });
    plan.addresses.push(addrs);
    plan.planned.push(planned);
  });

  for (const [name, cur] of cursors) {
    if (!cur || !cur.failed.length) continue;
    const { node, iface } = cur.failed[0]!;
    const more = cur.failed.length - 1;
    plan.findings.push(
      error(
        "ipplan.exhausted",
        ["nodes", node, "interfaces", iface, "address"],
        `no free address left on network "${name}" (${cur.cidr.text}) for node "${spec.nodes[node]!.name}"` +
          (more ? ` (nor for ${more} more interface${more > 1 ? "s" : ""})` : "") +
          ": every host address is the gateway, the VIP, in a pool or reserved range, written elsewhere in the spec, or already picked",
        "use a larger network, shrink pools or reserved ranges, or give this interface an explicit address",
      ),
    );
  }
  return plan;
}
