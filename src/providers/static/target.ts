// Static machines exist before cairn: there is nothing to create or delete. cairn reaches a machine at its
// `static.address` while it is in maintenance mode and at its management address once it runs its config.
import type { ProviderPlan, ProviderTarget, TargetContext } from "../types.js";
import type { StaticPlacement } from "./schema.js";

export function staticTarget(ctx: TargetContext): ProviderTarget {
  const byName = new Map(ctx.model.nodes.map((n) => [n.name, n]));
  const placement = (node: string): StaticPlacement | undefined =>
    (byName.get(node)?.spec as { static?: StaticPlacement } | undefined)?.static;
  const address = (node: string): string | undefined =>
    byName.get(node)?.address ?? placement(node)?.address ?? ctx.known()[node]?.address;
  return {
    type: "static",
    simulated: false,
    label: "static machines",
    address,
    maintenanceAddress: (node) => placement(node)?.address ?? address(node),
    observe: async () => ({
      summary: "static machines: booted into Talos maintenance mode by you",
      fresh: false,
    }),
    plan: (): ProviderPlan => ({ before: [], provision: {}, deprovision: {}, blockers: [], warnings: [] }),
    handlers: () => ({}),
    prepare: async () => [],
  };
}
