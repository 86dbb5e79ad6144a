// Static machines: the maintenance-mode address must be an address, and each machine has its own.
import { error, type Finding } from "../../findings.js";
import { describeAddressError, parseIp } from "../../net/ip.js";
import type { ProviderSpecView } from "../types.js";
import type { StaticPlacement } from "./schema.js";

export function checkStatic(spec: ProviderSpecView): Finding[] {
  const out: Finding[] = [];
  const maintenance = new Map<string, string>();
  spec.nodes.forEach((n, i) => {
    const placement = n.static as StaticPlacement | undefined;
    if (!placement) return;
    const path = ["nodes", i, "static", "address"];
    const ip = parseIp(placement.address);
    if (!ip) {
      out.push(
        error(
          "provider.static-address-syntax",
          path,
          describeAddressError(placement.address),
          "give the address the machine answers on in maintenance mode, e.g. 192.168.1.50",
        ),
      );
      return;
    }
    // Two nodes at one maintenance address: cairn would send both configs to the same machine.
    const key = `${ip.family}:${ip.value}`;
    const owner = maintenance.get(key);
    if (owner !== undefined)
      out.push(
        error(
          "provider.duplicate-static-address",
          path,
          `maintenance address ${placement.address} is already node "${owner}"'s`,
          "each machine answers on its own address in maintenance mode; check for a copy-paste mistake",
        ),
      );
    else maintenance.set(key, n.name);
  });
  return out;
}
