// Grafana's load-balancer address must come from a pool cairn announces, and Loki is not rendered yet.
import { error, warning, type Finding } from "../../findings.js";
import { cidrContainsIp, parseCidr, parseIp, parseRange } from "../../net/ip.js";
import type { AddonSpecView } from "../types.js";

const P = ["addons", "observability"] as const;

/** Does a pool address entry (range, single address or CIDR) contain the address? */
function entryContains(entry: string, text: string): boolean {
  const ip = parseIp(text);
  if (!ip) return false;
  const t = entry.trim();
  if (t.includes("/")) {
    const c = parseCidr(t);
    return typeof c !== "string" && cidrContainsIp(c, ip);
  }
  if (t.includes("-")) {
    const r = parseRange(t);
    return typeof r !== "string" && r.family === ip.family && ip.value >= r.start && ip.value <= r.end;
  }
  const single = parseIp(t);
  return single !== undefined && single.family === ip.family && single.value === ip.value;
}

export function checkKubePrometheusStack(spec: AddonSpecView): Finding[] {
  const o = spec.addons.observability;
  if (!o) return [];
  const out: Finding[] = [];
  if (o.loki)
    out.push(
      warning(
        "addons.not-rendered",
        [...P, "loki"],
        "loki is checked but not installed yet: cairn renders nothing for it",
        "install Loki yourself, or send logs to an external one with observability.otel",
      ),
    );
  const g = typeof o.grafana === "object" ? o.grafana : undefined;
  if (!g) return out;
  const lb = spec.addons.loadBalancer;
  const pools = lb?.pools ?? [];
  if (g.loadBalancerIP !== undefined && !parseIp(g.loadBalancerIP))
    out.push(
      error(
        "addons.grafana-address",
        [...P, "grafana", "loadBalancerIP"],
        `${g.loadBalancerIP} is not an IP address`,
        "write it like 10.8.28.194",
      ),
    );
  if (
    (g.loadBalancerIP !== undefined || g.pool !== undefined) &&
    lb?.type !== "metallb" &&
    lb?.type !== "cilium"
  )
    out.push(
      error(
        "addons.grafana-address",
        [...P, "grafana"],
        "Grafana asks for a load-balancer address, but no load balancer cairn renders hands them out",
        "add addons.loadBalancer (type metallb or cilium) with a pool",
      ),
    );
  if (g.pool !== undefined && !pools.some((p) => p.name === g.pool))
    out.push(
      error(
        "addons.grafana-pool",
        [...P, "grafana", "pool"],
        `pool ${g.pool} is not one of addons.loadBalancer.pools (${pools.map((p) => p.name).join(", ") || "none"})`,
        "name one of the load-balancer pools",
      ),
    );
  else if (g.loadBalancerIP !== undefined && parseIp(g.loadBalancerIP) && pools.length) {
    const inPools = pools.filter((p) => p.addresses.some((a) => entryContains(a, g.loadBalancerIP!)));
    const wanted = g.pool ? inPools.filter((p) => p.name === g.pool) : inPools;
    if (!wanted.length)
      out.push(
        error(
          "addons.grafana-address",
          [...P, "grafana", "loadBalancerIP"],
          `${g.loadBalancerIP} is in no ${g.pool ? `address of pool ${g.pool}` : "load-balancer pool"}: nothing would announce it`,
          "pick an address inside a pool, or widen the pool",
        ),
      );
  }
  return out;
}
