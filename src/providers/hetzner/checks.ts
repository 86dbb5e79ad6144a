// Hetzner Cloud: known locations, and a server type on every node.
import { error, type Finding } from "../../findings.js";
import { closest } from "../../suggest.js";
import type { ProviderSpecView } from "../types.js";
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
