// The proxmox provider: its spec section, checks, Talos platform and machines.
import type { ProviderDefinition } from "../types.js";
import { checkProxmox } from "./checks.js";
import { proxmoxPlacement, proxmoxSection } from "./schema.js";
import { proxmoxTarget } from "./target.js";

export const proxmoxProvider: ProviderDefinition = {
  type: "proxmox",
  section: proxmoxSection,
  placement: proxmoxPlacement,
  platform: "nocloud",
  checks: checkProxmox,
  target: proxmoxTarget,
};
