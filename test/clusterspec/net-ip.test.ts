// Address arithmetic (src/net/ip.ts) for IPv4 and IPv6: parsing, CIDR bounds, ranges, broadcast and subnets.
import { describe, expect, it } from "vitest";
import {
  broadcastOf,
  cidrContainsIp,
  cidrLast,
  cidrsOverlap,
  cidrSize,
  formatIp,
  parseCidr,
  parseIp,
  parseRange,
  rangeWithin,
  subnetAt,
  type Cidr,
} from "../../src/net/ip.js";

const cidr = (t: string) => {
  const c = parseCidr(t);
  if (typeof c === "string") throw new Error(`${t}: ${c}`);
  return c;
};
const ip = (t: string) => parseIp(t)!;

describe("parseIp / formatIp", () => {
  it.each([
    ["10.0.0.1", 4, 0x0a000001n],
    ["255.255.255.255", 4, 0xffffffffn],
    ["0.0.0.0", 4, 0n],
    ["::1", 6, 1n],
    ["fd00::1", 6, (0xfd00n << 112n) | 1n],
    ["2001:db8::ff00:42:8329", 6, 0x20010db8000000000000ff0000428329n],
  ] as const)("%s is IPv%i", (text, family, value) => {
    expect(parseIp(text)).toEqual({ family, value });
    expect(formatIp({ family, value })).toBe(text);
  });

  it.each([
    "10.0.0",
    "10.0.0.256",
    "10.1",
    "1.2.3.4.5",
    "fd00:::1",
    "host.lan",
    "",
    "10.0.0.1/24",
    "gggg::1",
  ])("rejects %j", (text) => expect(parseIp(text)).toBeUndefined());
});

describe("parseCidr", () => {
  it.each([
    ["10.0.0.0/24", 4, 24, 256n, "10.0.0.255"],
    ["10.8.28.192/26", 4, 26, 64n, "10.8.28.255"],
    ["0.0.0.0/0", 4, 0, 1n << 32n, "255.255.255.255"],
    ["192.168.1.7/32", 4, 32, 1n, "192.168.1.7"],
    ["fd00:1::/64", 6, 64, 1n << 64n, "fd00:1::ffff:ffff:ffff:ffff"],
    ["fd00:10:96::/112", 6, 112, 65536n, "fd00:10:96::ffff"],
    ["::/0", 6, 0, 1n << 128n, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
  ] as const)("%s", (text, family, prefix, size, last) => {
    const c = cidr(text);
    expect(c.family).toBe(family);
    expect(c.prefix).toBe(prefix);
    expect(cidrSize(c)).toBe(size);
    expect(formatIp({ family, value: cidrLast(c) })).toBe(last);
  });

  it.each([
    ["10.0.0.1/24", "host-bits"],
    ["fd00::1/64", "host-bits"],
    ["10.0.0.0/33", "prefix"],
    ["fd00::/129", "prefix"],
    ["10.0.0.0", "syntax"],
    ["10.0.0/24", "syntax"],
    ["10.0.0.0/x", "syntax"],
    ["/24", "syntax"],
  ])("%s → %s", (text, err) => expect(parseCidr(text)).toBe(err));
});

describe("containment and overlap", () => {
  it.each([
    ["10.0.0.0/24", "10.0.0.0/25", true],
    ["10.0.0.0/24", "10.0.1.0/24", false],
    ["10.0.0.0/16", "10.0.255.0/24", true],
    ["fd00::/48", "fd00:0:0:1::/64", true],
    ["fd00::/64", "fd00:0:0:1::/64", false],
    ["10.0.0.0/8", "fd00::/8", false],
  ])("%s vs %s overlap=%s", (a, b, want) => {
    expect(cidrsOverlap(cidr(a), cidr(b))).toBe(want);
    expect(cidrsOverlap(cidr(b), cidr(a))).toBe(want);
  });

  it("cidrContainsIp respects family and bounds", () => {
    const c = cidr("10.0.0.0/30");
    expect(cidrContainsIp(c, ip("10.0.0.0"))).toBe(true);
    expect(cidrContainsIp(c, ip("10.0.0.3"))).toBe(true);
    expect(cidrContainsIp(c, ip("10.0.0.4"))).toBe(false);
    expect(cidrContainsIp(cidr("::/0"), ip("10.0.0.1"))).toBe(false);
  });
});

describe("parseRange", () => {
  it.each([
    ["10.8.28.192-10.8.28.253", 4, "10.8.28.192", "10.8.28.253"],
    ["10.0.0.7", 4, "10.0.0.7", "10.0.0.7"],
    ["10.0.0.0/30", 4, "10.0.0.0", "10.0.0.3"],
    ["fd00::100-fd00::1ff", 6, "fd00::100", "fd00::1ff"],
    ["fd00::/126", 6, "fd00::", "fd00::3"],
  ] as const)("%s", (text, family, start, end) => {
    const r = parseRange(text);
    if (typeof r === "string") throw new Error(r);
    expect(r.family).toBe(family);
    expect(formatIp({ family, value: r.start })).toBe(start);
    expect(formatIp({ family, value: r.end })).toBe(end);
  });

  it.each([
    ["10.0.0.9-10.0.0.1", "reversed"],
    ["10.0.0.1-fd00::1", "family"],
    ["10.0.0.1-", "syntax"],
    ["10.0.0.1/24", "syntax"],
    ["pool", "syntax"],
  ])("%s → %s", (text, err) => expect(parseRange(text)).toBe(err));

  it("rangeWithin", () => {
    const r = parseRange("10.0.1.100-10.0.1.150");
    if (typeof r === "string") throw new Error(r);
    const within = (c: Cidr) =>
      rangeWithin(r, { family: c.family, start: c.base, end: cidrLast(c), text: c.text });
    expect(within(cidr("10.0.1.0/24"))).toBe(true);
    expect(within(cidr("10.0.1.128/25"))).toBe(false);
  });
});

describe("broadcast and subnets", () => {
  it.each([
    ["10.0.0.0/24", "10.0.0.255"],
    ["10.0.0.0/30", "10.0.0.3"],
    ["10.0.0.0/31", undefined],
    ["10.0.0.1/32", undefined],
    ["fd00::/64", undefined],
  ])("broadcast of %s is %s", (text, want) => {
    const b = broadcastOf(cidr(text));
    expect(b === undefined ? undefined : formatIp({ family: 4, value: b })).toBe(want);
  });

  it("carves IPv4 and IPv6 subnets by index", () => {
    const c = cidr("10.8.28.0/24");
    expect([0, 1, 2, 3].map((i) => subnetAt(c, 26, i)?.text)).toEqual([
      "10.8.28.0/26",
      "10.8.28.64/26",
      "10.8.28.128/26",
      "10.8.28.192/26",
    ]);
    expect(subnetAt(c, 26, 4)).toBeUndefined();
    expect(subnetAt(c, 20, 0)).toBeUndefined();
    expect(subnetAt(cidr("fd00:10:244::/56"), 64, 3)?.text).toBe("fd00:10:244:3::/64");
  });
});
