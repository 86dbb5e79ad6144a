// The hetzner provider: its spec section, checks, Talos platform and machines.
import type { ProviderDefinition } from "../types.js";
import { checkHetzner } from "./checks.js";
import { privateNetwork } from "./network.js";
import { hetznerPlacement, hetznerSection } from "./schema.js";
import { hetznerTarget } from "./target.js";

export const hetznerProvider: ProviderDefinition = {
  type: "hetzner",
  section: hetznerSection,
  placement: hetznerPlacement,
  platform: "hcloud",
  // Hetzner Cloud networks have no VLANs on the server side; a vSwitch coupling maps them outside the server.
  vlanTagging: "hypervisor",
  checks: checkHetzner,
  // The load balancer's fixed private address: known before it exists, it survives replacing any control plane.
  endpointHost: (spec) => privateNetwork(spec)?.lbIp,
  target: hetznerTarget,
};
