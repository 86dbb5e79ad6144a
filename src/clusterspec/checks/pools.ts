// Load-balancer pools: well-formed ranges inside a network that carries loadBalancers, unique names, and no
// overlap with each other, service subnets or pod space that nodes use. A pool inside a pod subnet is tolerated
// (with a warning) only when nodes get per-node pod blocks and the pool sits in space no node's block uses: cairn
// then never carves a block there (seed 000 puts its pool in the fourth /26 of a /24 shared by three nodes).
import { firstEarlierOverlap, parseIp, parseRange, type Cidr, type IpRange } from "../../net/ip.js";
import { error, warning, type Finding } from "../../findings.js";
import type { ClusterSpec } from "../schema.js";
import { closest } from "../../suggest.js";
import { planPodBlocks } from "../ipplan.js";
import { parseCidr } from "../../net/ip.js";
import {
  describeAddressError,
  describeRangeError,
  factsOf,
  lastOf,
  rangeText,
  type NetworkFacts,
} from "./facts.js";

const inside = (r: IpRange, c: Cidr) => r.family === c.family && r.start >= c.base && r.end <= lastOf(c);
const touches = (r: IpRange, c: Cidr) => r.family === c.family && r.start <= lastOf(c) && r.end >= c.base;

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${s}`;
}

export function checkPools(spec: ClusterSpec): Finding[] {
  const out: Finding[] = [];
  const lb = spec.addons.loadBalancer;
  const facts = factsOf(spec);
  const pools = lb?.pools ?? [];
  const base = ["addons", "loadBalancer", "pools"] as const;
  const networkNames = [...facts.networks.keys()];

  const names = new Map<string, number>();
  pools.forEach((p, i) => {
    const prev = names.get(p.name);
    if (prev !== undefined)
      out.push(
        error(
          "pool.duplicate-name",
          [...base, i, "name"],
          `pool name "${p.name}" is already used by pools[${prev}]`,
          "give every pool a unique name",
        ),
      );
    else names.set(p.name, i);
    if (p.network !== undefined && !facts.networks.has(p.network)) {
      const guess = closest(p.network, networkNames);
      out.push(
        error(
          "pool.unknown-network",
          [...base, i, "network"],
          `pool network "${p.network}" is not defined under networks`,
          guess ? `did you mean "${guess}"?` : "name one of the networks, or leave network out",
        ),
      );
    }
  });

  const podPlan = facts.perNodePodBlocks ? planPodBlocks(spec) : undefined;
  const assigned: { node: string; cidr: Cidr }[] = [];
  podPlan?.blocks.forEach((b, i) => {
    const c = b ? parseCidr(b) : "syntax";
    if (typeof c !== "string") assigned.push({ node: spec.nodes[i]!.name, cidr: c });
  });

  // Each entry that overlaps an earlier one is reported once, against the first of them (one sweep over all).
  const earlier = firstEarlierOverlap(facts.poolEntries.map((e) => e.range));
  for (const [k, e] of facts.poolEntries.entries()) {
    const p = pools[e.poolIndex]!;
    if (!e.range) {
      const r = parseRange(e.text);
      const why = typeof r === "string" ? r : "syntax";
      out.push(
        error(
          why === "reversed" ? "pool.range-reversed" : "pool.range-syntax",
          e.path,
          `pool "${e.pool}": ${describeRangeError(e.text, why)}`,
          why === "reversed"
            ? "write the lower address first"
            : "write a range a.b.c.d-a.b.c.e, a single address, or a CIDR",
        ),
      );
      continue;
    }
    const r = e.range;
    const text = rangeText(r);

    // Where the pool lives: its named network, else the network containing it. L2 pools are answered by ARP/NDP on
    // that network, so they must lie inside it; BGP pools are routed and only must not collide with other networks.
    let home: NetworkFacts | undefined;
    if (p.network !== undefined) home = facts.networks.get(p.network);
    else home = [...facts.networks.values()].find((n) => n.cidr && inside(r, n.cidr));
    const bgp = lb?.mode === "bgp";
    if (p.network !== undefined && home?.cidr && !inside(r, home.cidr))
      out.push(
        error(
          "pool.outside-network",
          e.path,
          `pool "${e.pool}" range ${text} is not inside its network "${home.name}" (${home.cidr.text})`,
          `use addresses inside ${home.cidr.text}`,
        ),
      );
    else if (!home && p.network === undefined && !bgp && facts.networksParsed)
      out.push(
        error(
          "pool.outside-network",
          e.path,
          `pool "${e.pool}" range ${text} is not inside any network`,
          "an L2 pool must lie inside the network that carries loadBalancers; set network: and use free addresses of it",
        ),
      );
    else if (home && !home.spec.carries.includes("loadBalancers"))
      out.push(
        error(
          "pool.network-role",
          e.path,
          `pool "${e.pool}" lies in network "${home.name}", which does not carry loadBalancers (carries: ${home.spec.carries.join(", ")})`,
          `add loadBalancers to networks.${home.name}.carries, or move the pool to a network that carries them`,
        ),
      );
    if (bgp && !home)
      for (const n of facts.networks.values())
        if (n.cidr && touches(r, n.cidr))
          out.push(
            error(
              "pool.overlap",
              e.path,
              `pool "${e.pool}" range ${text} overlaps network "${n.name}" (${n.cidr.text})`,
              "keep BGP pools out of node networks, or set network: to a network that carries loadBalancers",
            ),
          );

    const o = earlier[k] === undefined ? undefined : facts.poolEntries[earlier[k]!];
    if (o?.range)
      out.push(
        error(
          "pool.overlap",
          e.path,
          `pool "${e.pool}" range ${text} overlaps pool "${o.pool}" (${rangeText(o.range)})`,
          "give every pool its own addresses",
        ),
      );

    for (const s of facts.serviceSubnets)
      if (s.cidr && touches(r, s.cidr))
        out.push(
          error(
            "pool.overlap",
            e.path,
            `pool "${e.pool}" range ${text} overlaps service subnet ${s.cidr.text}`,
            "load-balancer addresses must be outside the service (ClusterIP) range",
          ),
        );

    for (const s of facts.podSubnets) {
      if (!s.cidr || !touches(r, s.cidr)) continue;
      if (!podPlan) {
        out.push(
          error(
            "pool.overlap",
            e.path,
            `pool "${e.pool}" range ${text} overlaps pod subnet ${s.cidr.text}, which the CNI hands out to pods`,
            "move the pool out of the pod subnet, or give nodes per-node pod blocks (kubernetes.podBlocks) so cairn keeps pool space out of them",
          ),
        );
        continue;
      }
      const hit = assigned.find((a) => touches(r, a.cidr));
      if (hit) {
        out.push(
          error(
            "pool.overlaps-pod-block",
            e.path,
            `pool "${e.pool}" range ${text} overlaps pod block ${hit.cidr.text} of node "${hit.node}"`,
            "move the pool, or change that node's podBlock so pods and load-balancer addresses never share space",
          ),
        );
        continue;
      }
      let tail = "";
      if (
        podPlan.subnet &&
        podPlan.size !== undefined &&
        podPlan.subnet.base === s.cidr.base &&
        podPlan.subnet.prefix === s.cidr.prefix
      ) {
        const total = 1n << BigInt(podPlan.size - s.cidr.prefix);
        const used = BigInt(
          assigned.filter((a) =>
            inside({ family: a.cidr.family, start: a.cidr.base, end: lastOf(a.cidr), text: "" }, s.cidr!),
          ).length,
        );
        const free = total - used - BigInt(podPlan.poolBlocks.length);
        tail =
          free <= 0n
            ? `; cairn never carves a /${podPlan.size} block that overlaps a pool, so this subnet has room for ${used} node blocks and a ${ordinal(Number(used) + 1)} node would find none`
            : `; cairn skips the block${podPlan.poolBlocks.length > 1 ? "s" : ""} it touches (${podPlan.poolBlocks.slice(0, 4).join(", ")}), leaving ${free} free /${podPlan.size} block${free === 1n ? "" : "s"}`;
      }
      out.push(
        warning(
          "pool.in-pod-subnet",
          e.path,
          `pool "${e.pool}" range ${text} lies inside pod subnet ${s.cidr.text}, in space no node's pod block uses${tail}`,
          "move the pool out of the pod subnet to leave room for more nodes, or keep it and mind the limit",
        ),
      );
    }
  }

  const ingress = spec.addons.ingress;
  if (ingress?.pool !== undefined && !names.has(ingress.pool)) {
    const guess = closest(ingress.pool, names.keys());
    out.push(
      error(
        "addons.unknown-pool",
        ["addons", "ingress", "pool"],
        `ingress pool "${ingress.pool}" is not a load-balancer pool`,
        guess
          ? `did you mean "${guess}"?`
          : names.size
            ? `defined pools: ${[...names.keys()].join(", ")}`
            : "define it under addons.loadBalancer.pools",
      ),
    );
  }
  if (ingress?.loadBalancerIP !== undefined) {
    const ip = parseIp(ingress.loadBalancerIP);
    const path = ["addons", "ingress", "loadBalancerIP"];
    if (!ip)
      out.push(
        error(
          "addons.address-syntax",
          path,
          `ingress loadBalancerIP ${describeAddressError(ingress.loadBalancerIP)}`,
          "write a plain address from a load-balancer pool",
        ),
      );
    else if (ingress.pool !== undefined && names.has(ingress.pool)) {
      const ok = facts.poolEntries.some(
        (x) =>
          x.pool === ingress.pool &&
          x.range &&
          x.range.family === ip.family &&
          ip.value >= x.range.start &&
          ip.value <= x.range.end,
      );
      if (!ok)
        out.push(
          error(
            "addons.ingress-ip-outside-pool",
            path,
            `ingress loadBalancerIP ${ingress.loadBalancerIP} is not in pool "${ingress.pool}"`,
            "pick an address from that pool, or drop loadBalancerIP to let the pool assign one",
          ),
        );
    }
  }
  return out;
}
