// The spec sections every provider declares, composed for the cluster spec: `provider:` is one of the providers'
// sections (by `type`), and a node may carry each provider's placement block. Adding a provider adds a line here.
import { z } from "zod";
import { hetznerPlacement, hetznerSection } from "./hetzner/schema.js";
import { proxmoxPlacement, proxmoxSection } from "./proxmox/schema.js";
import { staticPlacement, staticSection } from "./static/schema.js";

export const providerSchema = z
  .discriminatedUnion("type", [proxmoxSection, hetznerSection, staticSection])
  .meta({
    description:
      "Where the machines come from: proxmox, hetzner, or static (already booted into maintenance mode).",
  });

/** A node's placement blocks, one per provider; the provider's checks require its own and refuse the others. */
export const placementFields = {
  proxmox: proxmoxPlacement.optional(),
  hetzner: hetznerPlacement.optional(),
  static: staticPlacement.optional(),
};
