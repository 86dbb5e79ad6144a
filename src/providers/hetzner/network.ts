// The Hetzner private network a cluster lives in, derived from the spec: which spec network it is, its cloud
// subnet, and the load balancer's fixed address in it (the cluster endpoint's host by default, known before anything
// exists, so every machine config can name it from the start). Pure.
import { cidrContainsIp, cidrLast, formatIp, parseCidr, parseIp } from "../../net/ip.js";
import type { HetznerSection } from "./schema.js";

export interface HetznerNetworkView {
  provider: unknown;
  networks: Readonly<Record<string, { cidr: string; carries: readonly string[] }>>;
}

export interface PrivateNetwork {
  /** The spec network's key. */
  key: string;
  cidr: string;
  subnet: string;
  /** The load balancer's private address (absent when the spec turns the load balancer off). */
  lbIp: string | undefined;
}

export function privateNetwork(spec: HetznerNetworkView): PrivateNetwork | undefined {
  const section = spec.provider as HetznerSection;
  const keys = Object.keys(spec.networks);
  const key =
    section.network ?? keys.find((k) => spec.networks[k]!.carries.includes("management")) ?? keys[0];
  if (key === undefined || !spec.networks[key]) return undefined;
  const cidr = spec.networks[key]!.cidr;
  const subnet = section.subnet ?? cidr;
  let lbIp: string | undefined;
  if (section.loadBalancer?.enabled !== false) {
    lbIp = section.loadBalancer?.privateIp;
    const c = parseCidr(subnet);
    if (!lbIp && typeof c !== "string" && c.family === 4 && c.prefix <= 30)
      lbIp = formatIp({ family: 4, value: cidrLast(c) - 1n });
  }
  return { key, cidr, subnet, lbIp };
}

/** Whether `ip` lies in `cidr` (false for unparseable input). */
export function inCidr(ip: string, cidr: string): boolean {
  const c = parseCidr(cidr);
  const a = parseIp(ip);
  return typeof c !== "string" && a !== undefined && cidrContainsIp(c, a);
}
