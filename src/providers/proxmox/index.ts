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
  // The VM NIC carries the tag, as `qm set --net0 virtio,bridge=vmbr0,tag=16` does.
  vlanTagging: "hypervisor",
  checks: checkProxmox,
  target: proxmoxTarget,
};
