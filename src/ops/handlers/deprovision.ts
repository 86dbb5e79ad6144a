// deprovision: the last step of removing a node. The static provider keeps the machine (it is back in maintenance
// mode after the reset); the twin frees the slot; Proxmox/Hetzner adapters are not written yet and refuse.
import { rmSync } from "node:fs";
import type { Action, ActionContext, ActionHandler } from "../../engine/types.js";
import { CairnError } from "../../errors.js";
import type { ClusterAccess } from "../access.js";
import { appliedConfigPath } from "../state.js";

export function deprovisionHandler(access: ClusterAccess): ActionHandler {
  return async (action: Action, ctx: ActionContext) => {
    const node = String(action.params.node);
    const provider = access.model.spec.provider.type;
    if (!access.twin && provider !== "static")
      throw new CairnError(
        "provider-unsupported",
        `cannot delete ${node} at ${provider}: the ${provider} provider adapter is not implemented in this cairn yet`,
        {
          hint: `the node is reset; delete the machine in ${provider} yourself, then run apply again to forget it`,
        },
      );
    access.updateState((s) => {
      delete s.nodes[node];
      if (s.twinMapping) delete s.twinMapping[node];
    });
    rmSync(appliedConfigPath(access.paths.applied, node), { force: true });
    ctx.progress(
      access.twin
        ? `${node}'s twin slot is free again (simulated)`
        : `${node} forgotten; the static machine stays in maintenance mode`,
    );
  };
}
