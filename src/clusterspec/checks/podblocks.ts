// Per-node pod blocks: the block size fits the first pod subnet, explicit blocks are aligned CIDRs inside a pod
// subnet that do not overlap, and there are enough blocks for every node (the planner's own verdict, so the check
// and the resolver can never disagree).
import { cidrAsRange, firstEarlierOverlap, parseCidr, type Cidr } from "../../net/ip.js";
import { error, type Finding } from "../../findings.js";
import type { ClusterSpec } from "../schema.js";
import { planPodBlocks } from "../ipplan.js";
import { describeCidrError, factsOf, lastOf, networkOf } from "./facts.js";

export function checkPodBlocks(spec: ClusterSpec): Finding[] {
  const out: Finding[] = [];
  const facts = factsOf(spec);
  const size = spec.kubernetes.podBlocks?.size;
  const first = facts.podSubnets[0]?.cidr;
  const sizePath = ["kubernetes", "podBlocks", "size"];
  let sizeOk = true;
  if (size !== undefined && first) {
    const bits = first.family === 4 ? 32 : 128;
    if (size > bits) {
      sizeOk = false;
      out.push(
        error(
          "podblock.size-range",
          sizePath,
          `pod block size /${size} is longer than an ${first.family === 4 ? "IPv4" : "IPv6"} address (/${bits}); blocks are carved from the first pod subnet ${first.text}`,
          first.family === 4
            ? "use a prefix from the pod subnet's length up to /30, e.g. 24 or 26"
            : "use a prefix such as 80 or 96",
        ),
      );
    } else if (size < first.prefix) {
      sizeOk = false;
      out.push(
        error(
          "podblock.size-too-large",
          sizePath,
          `pod block size /${size} is larger than the pod subnet ${first.text} it is carved from`,
          `use a prefix length of at least ${first.prefix} (e.g. /${Math.min(first.prefix + 2, bits)} gives ${first.prefix + 2 <= bits ? 4 : 1} blocks)`,
        ),
      );
    }
  }

  // Blocks that parse and lie in a pod subnet, in node order; each overlap is reported once, against the first
  // earlier block it overlaps (found by one sweep, not by comparing every pair).
  const blocks: { node: number; cidr: Cidr; path: (string | number)[] }[] = [];
  spec.nodes.forEach((n, i) => {
    if (n.podBlock === undefined) return;
    const path = ["nodes", i, "podBlock"];
    const c = parseCidr(n.podBlock);
    if (typeof c === "string") {
      const m = /^([^/]+)\/(\d+)$/.exec(n.podBlock.trim());
      const fixed = m ? networkOf(m[1]!, Number(m[2])) : undefined;
      out.push(
        error(
          c === "host-bits" ? "podblock.misaligned" : "podblock.syntax",
          path,
          `pod block ${describeCidrError(n.podBlock, c)}`,
          c === "host-bits" && fixed
            ? `a block starts on its own boundary: did you mean ${fixed}?`
            : "write the block as a CIDR inside a pod subnet, e.g. 10.244.1.0/24",
        ),
      );
      return;
    }
    const home = facts.podSubnets.find(
      (s) => s.cidr && s.cidr.family === c.family && c.base >= s.cidr.base && lastOf(c) <= lastOf(s.cidr),
    );
    if (!home) {
      const list = facts.podSubnets.flatMap((s) => (s.cidr ? [s.cidr.text] : []));
      out.push(
        error(
          "podblock.outside-subnet",
          path,
          `pod block ${c.text} of node "${n.name}" is not inside a pod subnet (${list.join(", ") || "none"})`,
          "pick a block inside kubernetes.podSubnets",
        ),
      );
      return;
    }
    blocks.push({ node: i, cidr: c, path });
  });
  const earlier = firstEarlierOverlap(blocks.map((b) => cidrAsRange(b.cidr)));
  blocks.forEach((b, k) => {
    const o = earlier[k];
    if (o === undefined) return;
    const other = blocks[o]!;
    out.push(
      error(
        "podblock.overlap",
        b.path,
        `pod block ${b.cidr.text} of node "${spec.nodes[b.node]!.name}" overlaps ${other.cidr.text} of node "${spec.nodes[other.node]!.name}"`,
        "give every node its own block",
      ),
    );
  });

  if (size !== undefined && sizeOk && first) out.push(...planPodBlocks(spec).findings);
  return out;
}
