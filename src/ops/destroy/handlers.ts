// The handlers `cairn destroy` runs: the provider's own deletions, then cairn forgetting the machines.
import { rmSync } from "node:fs";
import type { ActionHandlers } from "../../engine/types.js";
import type { ClusterAccess } from "../access.js";

export function destroyHandlers(access: ClusterAccess): ActionHandlers {
  return {
    ...access.target.handlers(),
    "forget-machines": async (_action, ctx) => {
      access.updateState((s) => {
        s.nodes = {};
        s.bootstrap = null;
        s.bootstrapIntent = null;
        delete s.kubeconfigFetchedAt;
        if (s.providers) delete s.providers[access.target.type];
      });
      rmSync(access.paths.applied, { recursive: true, force: true });
      ctx.progress(
        `cairn's record of ${access.model.name}'s machines is cleared; its secrets stay in ${access.paths.dir}`,
      );
    },
  };
}
