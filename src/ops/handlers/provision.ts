// provision: create the machine at the provider. The static provider and the twin have nothing to create (their
// machines boot into maintenance mode by themselves); the Proxmox and Hetzner adapters are not written yet, so
// cairn refuses clearly instead of pretending.
import type { Action, ActionHandler } from "../../engine/types.js";
import { CairnError } from "../../errors.js";
import type { ClusterAccess } from "../access.js";

export function provisionHandler(access: ClusterAccess): ActionHandler {
  return async (action: Action) => {
    const provider = access.model.spec.provider.type;
    if (access.twin || provider === "static") return;
    throw new CairnError(
      "provider-unsupported",
      `cannot provision ${String(action.params.node)}: the ${provider} provider adapter is not implemented in this cairn yet`,
      {
        hint: `create the machine yourself and boot it into Talos maintenance mode, then use \`provider: {type: static}\` with its address; or rehearse this spec with --twin`,
      },
    );
  };
}
