// Static machines: the maintenance-mode address must be an address.
import { error, type Finding } from "../../findings.js";
import { describeAddressError, parseIp } from "../../net/ip.js";
import type { ProviderSpecView } from "../types.js";
import type { StaticPlacement } from "./schema.js";

export function checkStatic(spec: ProviderSpecView): Finding[] {
  const out: Finding[] = [];
  spec.nodes.forEach((n, i) => {
    const placement = n.static as StaticPlacement | undefined;
    if (placement && !parseIp(placement.address))
      out.push(
        error(
          "provider.static-address-syntax",
          ["nodes", i, "static", "address"],
          describeAddressError(placement.address),
          "give the address the machine answers on in maintenance mode, e.g. 192.168.1.50",
        ),
      );
  });
  return out;
}
