// Hetzner Cloud servers. Creating and deleting servers through the API is not built yet: the plan names the
// servers it would create and refuses, so nothing is half done (the twin rehearses the rest of the cluster's life).
import type { ProviderPlan, ProviderTarget, TargetContext } from "../types.js";
import type { HetznerPlacement } from "./schema.js";

export function hetznerTarget(ctx: TargetContext): ProviderTarget {
  const byName = new Map(ctx.model.nodes.map((n) => [n.name, n]));
  const address = (node: string): string | undefined =>
    byName.get(node)?.address ?? ctx.known()[node]?.address;
  return {
    type: "hetzner",
    simulated: false,
    label: "Hetzner Cloud",
    address,
    maintenanceAddress: address,
    observe: async () => ({
      summary: "Hetzner Cloud: servers are not observed by this cairn yet",
      fresh: false,
    }),
    plan: ({ joining, leaving }): ProviderPlan => {
      const servers = joining.map((n) => {
        const p = (n.spec as { hetzner?: HetznerPlacement }).hetzner;
        return p ? `server ${n.name} (${p.serverType})` : n.name;
      });
      const blockers: string[] = [];
      if (servers.length)
        blockers.push(
          `cannot create ${servers.join(", ")}: this cairn does not create Hetzner servers yet. Create them yourself, boot them into Talos maintenance mode, and use provider: {type: static}; or rehearse with --twin`,
        );
      if (leaving.length)
        blockers.push(
          `cannot delete ${leaving.map((n) => n.name).join(", ")} at Hetzner Cloud: this cairn does not delete servers yet`,
        );
      return { before: [], provision: {}, deprovision: {}, blockers, warnings: [] };
    },
    handlers: () => ({}),
    prepare: async () => [],
  };
}
