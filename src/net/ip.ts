// Address arithmetic on bigints: enough for CIDR overlap checks, range checks and deterministic IP planning,
// for IPv4 and IPv6 alike. Parsing is ipaddr.js's; the arithmetic is ours because no mainstream library does
// range/CIDR set operations on both families.
import ipaddr from "ipaddr.js";

export type Family = 4 | 6;

export interface Ip {
  family: Family;
  value: bigint;
}

export interface Cidr {
  family: Family;
  /** First address (network address). */
  base: bigint;
  prefix: number;
  /** The text as written, for messages. */
  text: string;
}

export interface IpRange {
  family: Family;
  start: bigint;
  end: bigint;
  text: string;
}

const bits = (f: Family) => (f === 4 ? 32 : 128);

// Plain dotted quads without leading zeros: most addresses in a spec, parsed without ipaddr.js's allocations
// (a 50,000-node spec parses ~300,000 of them). Anything else takes the general path below.
const DOTTED_QUAD = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

export function parseIp(text: string): Ip | undefined {
  const q = DOTTED_QUAD.exec(text);
  if (q) {
    const [a, b, c, d] = [Number(q[1]), Number(q[2]), Number(q[3]), Number(q[4])];
    if (a > 255 || b > 255 || c > 255 || d > 255) return undefined;
    return { family: 4, value: BigInt(((a * 256 + b) * 256 + c) * 256 + d) };
  }
  const t = text.trim();
  if (!ipaddr.isValid(t)) return undefined;
  // ipaddr.js accepts shorthand like "10.1" and octal-looking parts; Talos and users mean dotted quads only.
  if (t.includes(".") && !t.includes(":") && !ipaddr.IPv4.isValidFourPartDecimal(t)) return undefined;
  const a = ipaddr.parse(t);
  const bytes = a.toByteArray();
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return { family: a.kind() === "ipv4" ? 4 : 6, value: v };
}

export function formatIp(ip: Ip): string {
  const n = ip.family === 4 ? 4 : 16;
  const bytes: number[] = [];
  let v = ip.value;
  for (let i = 0; i < n; i++) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

export type CidrError = "syntax" | "prefix" | "host-bits";

/** Parses a.b.c.d/n; host bits set is an error (10.0.0.1/24 is not a network). */
export function parseCidr(text: string): Cidr | CidrError {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return "syntax";
  const ip = parseIp(m[1]!);
  if (!ip) return "syntax";
  const prefix = Number(m[2]);
  if (prefix > bits(ip.family)) return "prefix";
  const host = hostMask(ip.family, prefix);
  if ((ip.value & host) !== 0n) return "host-bits";
  return { family: ip.family, base: ip.value, prefix, text: text.trim() };
}

function hostMask(f: Family, prefix: number): bigint {
  return (1n << BigInt(bits(f) - prefix)) - 1n;
}

export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(bits(c.family) - c.prefix);
}

export function cidrLast(c: Cidr): bigint {
  return c.base + cidrSize(c) - 1n;
}

export function cidrContainsIp(c: Cidr, ip: Ip): boolean {
  return c.family === ip.family && ip.value >= c.base && ip.value <= cidrLast(c);
}

export function rangesOverlap(
  a: { start: bigint; end: bigint; family: Family },
  b: { start: bigint; end: bigint; family: Family },
): boolean {
  return a.family === b.family && a.start <= b.end && b.start <= a.end;
}

export function cidrAsRange(c: Cidr): IpRange {
  return { family: c.family, start: c.base, end: cidrLast(c), text: c.text };
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return rangesOverlap(cidrAsRange(a), cidrAsRange(b));
}

/** Is `inner` entirely inside `outer`? */
export function rangeWithin(inner: IpRange, outer: IpRange): boolean {
  return inner.family === outer.family && inner.start >= outer.start && inner.end <= outer.end;
}

export type RangeError = "syntax" | "reversed" | "family";

/** Parses "a-b", a single address, or a CIDR into an inclusive range. */
export function parseRange(text: string): IpRange | RangeError {
  const t = text.trim();
  if (t.includes("/")) {
    const c = parseCidr(t);
    return typeof c === "string" ? "syntax" : cidrAsRange(c);
  }
  const dash = t.indexOf("-");
  if (dash < 0) {
    const ip = parseIp(t);
    return ip ? { family: ip.family, start: ip.value, end: ip.value, text: t } : "syntax";
  }
  const a = parseIp(t.slice(0, dash));
  const b = parseIp(t.slice(dash + 1));
  if (!a || !b) return "syntax";
  if (a.family !== b.family) return "family";
  if (a.value > b.value) return "reversed";
  return { family: a.family, start: a.value, end: b.value, text: t };
}

/** The IPv4 broadcast address of a network, or undefined for IPv6 and /31, /32 (which have none). */
export function broadcastOf(c: Cidr): bigint | undefined {
  if (c.family === 6 || c.prefix >= 31) return undefined;
  return cidrLast(c);
}

/** The n-th block of size `prefix` inside `c`, or undefined when it does not fit. */
export function subnetAt(c: Cidr, prefix: number, index: number): Cidr | undefined {
  if (prefix < c.prefix || prefix > bits(c.family)) return undefined;
  const size = 1n << BigInt(bits(c.family) - prefix);
  const base = c.base + size * BigInt(index);
  if (base + size - 1n > cidrLast(c)) return undefined;
  const text = `${formatIp({ family: c.family, value: base })}/${prefix}`;
  return { family: c.family, base, prefix, text };
}

export function ipEquals(a: Ip, b: Ip): boolean {
  return a.family === b.family && a.value === b.value;
}

/** Why `text` is not an address, for a check's message. */
export function describeAddressError(text: string): string {
  if (text.includes("/"))
    return `"${text}" has a prefix length; write the address alone (the network gives the prefix)`;
  return `"${text}" is not an IPv4 or IPv6 address`;
}

/**
 * Every pair [i, j] (i < j) of ranges that share an address, ordered by j then i. A sweep in start order keeps the
 * ranges still open at each start, so the cost is O(n log n) plus one step per pair found, where comparing every
 * pair is quadratic (the spec checks met 10,000 networks this way).
 */
export function overlappingPairs(
  ranges: readonly ({ family: Family; start: bigint; end: bigint } | undefined)[],
): [number, number][] {
  const items: { index: number; family: Family; start: bigint; end: bigint }[] = [];
  ranges.forEach((r, index) => {
    if (r) items.push({ index, family: r.family, start: r.start, end: r.end });
  });
  items.sort((a, b) =>
    a.family !== b.family
      ? a.family - b.family
      : a.start !== b.start
        ? a.start < b.start
          ? -1
          : 1
        : a.index - b.index,
  );
  const pairs: [number, number][] = [];
  let open: typeof items = [];
  for (const c of items) {
    // What is still open started at or before c and ends at or after c's start: it overlaps c.
    open = open.filter((o) => o.family === c.family && o.end >= c.start);
    for (const o of open) pairs.push(o.index < c.index ? [o.index, c.index] : [c.index, o.index]);
    open.push(c);
  }
  return pairs.sort((x, y) => x[1] - y[1] || x[0] - y[0]);
}

/** For each range, the lowest index of an earlier range it overlaps (undefined when none or when it is absent). */
export function firstEarlierOverlap(
  ranges: readonly ({ family: Family; start: bigint; end: bigint } | undefined)[],
): (number | undefined)[] {
  const first: (number | undefined)[] = ranges.map(() => undefined);
  for (const [i, j] of overlappingPairs(ranges)) if (first[j] === undefined || i < first[j]!) first[j] = i;
  return first;
}
