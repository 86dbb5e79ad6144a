// The hetzner provider: its spec section, checks, Talos platform and machines.
import type { ProviderDefinition } from "../types.js";
import { checkHetzner } from "./checks.js";
import { hetznerPlacement, hetznerSection } from "./schema.js";
import { hetznerTarget } from "./target.js";

export const hetznerProvider: ProviderDefinition = {
  type: "hetzner",
  section: hetznerSection,
  placement: hetznerPlacement,
  platform: "hcloud",
  checks: checkHetzner,
  target: hetznerTarget,
};
