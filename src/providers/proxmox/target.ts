// Proxmox VE machines. Creating and deleting VMs through the API is not built yet: the plan names the VMs it
// would create and refuses, so nothing is half done (the twin rehearses the rest of the cluster's life).
import type { ProviderPlan, ProviderTarget, TargetContext } from "../types.js";
import type { ProxmoxPlacement } from "./schema.js";

export function proxmoxTarget(ctx: TargetContext): ProviderTarget {
  const byName = new Map(ctx.model.nodes.map((n) => [n.name, n]));
  const address = (node: string): string | undefined =>
    byName.get(node)?.address ?? ctx.known()[node]?.address;
  return {
    type: "proxmox",
    simulated: false,
    label: "Proxmox VE",
    address,
    maintenanceAddress: address,
    observe: async () => ({ summary: "Proxmox VE: VMs are not observed by this cairn yet", fresh: false }),
    plan: ({ joining, leaving }): ProviderPlan => {
      const vms = joining.map((n) => {
        const p = (n.spec as { proxmox?: ProxmoxPlacement }).proxmox;
        return p ? `VM ${p.vmid} (${n.name}) on ${p.host}` : n.name;
      });
      const blockers: string[] = [];
      if (vms.length)
        blockers.push(
          `cannot create ${vms.join(", ")}: this cairn does not create Proxmox VMs yet. Create them yourself, boot them into Talos maintenance mode, and use provider: {type: static}; or rehearse with --twin`,
        );
      if (leaving.length)
        blockers.push(
          `cannot delete ${leaving.map((n) => n.name).join(", ")} at Proxmox VE: this cairn does not delete VMs yet`,
        );
      return { before: [], provision: {}, deprovision: {}, blockers, warnings: [] };
    },
    handlers: () => ({}),
    prepare: async () => [],
  };
}
