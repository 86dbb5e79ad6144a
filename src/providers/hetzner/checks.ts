// Hetzner Cloud: known locations, and a server type on every node.
import { error, type Finding } from "../../findings.js";
import { closest } from "../../suggest.js";
import type { ProviderSpecView } from "../types.js";
import { cidrLast, parseCidr } from "../../net/ip.js";
import { inCidr, privateNetwork } from "./network.js";
import type { HetznerPlacement, HetznerSection } from "./schema.js";

const HETZNER_LOCATIONS = ["fsn1", "nbg1", "hel1", "ash", "hil", "sin"];

function locationError(location: string, path: (string | number)[]): Finding {
  const guess = closest(location, HETZNER_LOCATIONS);
  return error(
    "provider.hetzner-location",
    path,
    `"${location}" is not a Hetzner Cloud location (${HETZNER_LOCATIONS.join(", ")})`,
    guess ? `did you mean "${guess}"?` : undefined,
  );
}

export function checkHetzner(spec: ProviderSpecView): Finding[] {
  const out: Finding[] = [];
  const provider = spec.provider as HetznerSection;
  if (!HETZNER_LOCATIONS.includes(provider.location))
    out.push(locationError(provider.location, ["provider", "location"]));
  const net = spec.networks ? privateNetwork({ provider: provider, networks: spec.networks }) : undefined;
  if (provider.network !== undefined && spec.networks && !spec.networks[provider.network])
    out.push(
      error(
        "provider.hetzner-network",
        ["provider", "network"],
        `network "${provider.network}" is not one of the spec's networks (${Object.keys(spec.networks).join(", ")})`,
        "name the spec network that is the Hetzner private network",
      ),
    );
  if (net && provider.subnet !== undefined) {
    const sub = parseCidr(provider.subnet);
    const outer = parseCidr(net.cidr);
    if (typeof sub === "string")
      out.push(
        error(
          "provider.hetzner-subnet",
          ["provider", "subnet"],
          `"${provider.subnet}" is not a CIDR`,
          "e.g. 10.0.1.0/24",
        ),
      );
    else if (typeof outer !== "string" && (sub.base < outer.base || cidrLast(sub) > cidrLast(outer)))
      out.push(
        error(
          "provider.hetzner-subnet",
          ["provider", "subnet"],
          `subnet ${provider.subnet} is not inside network ${net.key} (${net.cidr})`,
          "Hetzner subnets lie inside their network's IP range",
        ),
      );
  }
  if (net?.lbIp && !inCidr(net.lbIp, net.subnet))
    out.push(
      error(
        "provider.hetzner-lb-ip",
        ["provider", "loadBalancer", "privateIp"],
        `load balancer address ${net.lbIp} is not in the subnet ${net.subnet}`,
        "pick an address of the subnet that no node uses",
      ),
    );
  spec.nodes.forEach((n, i) => {
    const placement = n.hetzner as HetznerPlacement | undefined;
    if (!placement)
      out.push(
        error(
          "provider.missing-placement",
          ["nodes", i],
          `node "${n.name}" has no hetzner: block; cairn needs its server type`,
          "add hetzner: { serverType: cx32 } (or another type)",
        ),
      );
    else if (placement.location !== undefined && !HETZNER_LOCATIONS.includes(placement.location))
      out.push(locationError(placement.location, ["nodes", i, "hetzner", "location"]));
  });
  return out;
}
