// The static provider: machines you booted into Talos maintenance mode yourself (bare metal, a VM you made).
import type { ProviderDefinition } from "../types.js";
import { checkStatic } from "./checks.js";
import { staticPlacement, staticSection } from "./schema.js";
import { staticTarget } from "./target.js";

export const staticProvider: ProviderDefinition = {
  type: "static",
  section: staticSection,
  placement: staticPlacement,
  platform: "metal",
  // Machines cairn did not create: nothing but Talos can tag, so a VLAN on the network is Talos' job.
  vlanTagging: "node",
  checks: checkStatic,
  target: staticTarget,
};
