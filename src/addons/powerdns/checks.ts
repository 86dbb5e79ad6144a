// PowerDNS answers on one LoadBalancer address, which must come from a pool the load balancer announces; a zone
// must be a domain name. external-dns is accepted but not installed.
import { error, warning, type Finding } from "../../findings.js";
import type { AddonSpecView } from "../types.js";

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$/i;

export function checkPowerdns(spec: AddonSpecView): Finding[] {
  const dns = spec.addons.dns;
  if (!dns) return [];
  const at = (f: string) => ["addons", "dns", f];
  if (dns.type === "external-dns")
    return [
      warning(
        "addons.not-rendered",
        at("type"),
        "dns type external-dns is checked but not installed yet: cairn renders nothing for it",
        "use type: powerdns to have cairn install an authoritative server",
      ),
    ];
  const out: Finding[] = [];
  const lb = spec.addons.loadBalancer;
  if (!dns.address)
    out.push(
      error(
        "addons.dns-address",
        ["addons", "dns"],
        "PowerDNS needs the address it answers on (resolvers and the parent zone's delegation point there)",
        "set addons.dns.address to an address from a load-balancer pool",
      ),
    );
  if (lb?.type !== "metallb" && lb?.type !== "cilium")
    out.push(
      error(
        "addons.dns-load-balancer",
        at("address"),
        "PowerDNS is served on a LoadBalancer address, and no load balancer cairn installs hands one out",
        "set addons.loadBalancer (metallb or cilium) with a pool holding the address",
      ),
    );
  if (dns.pool !== undefined && lb && !lb.pools.some((p) => p.name === dns.pool))
    out.push(
      error(
        "addons.unknown-pool",
        at("pool"),
        `dns pool "${dns.pool}" is not a load-balancer pool`,
        `defined pools: ${lb.pools.map((p) => p.name).join(", ") || "none"}`,
      ),
    );
  if (dns.zone !== undefined && !DOMAIN.test(dns.zone))
    out.push(
      error(
        "addons.dns-zone",
        at("zone"),
        `"${dns.zone}" is not a domain name`,
        "write e.g. lab.example.com",
      ),
    );
  return out;
}
