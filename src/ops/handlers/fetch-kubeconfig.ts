// fetch-kubeconfig: the admin kubeconfig from a control plane, written 0600 where the cluster's files live.
import type { Action, ActionContext, ActionHandler } from "../../engine/types.js";
import { SECRET_FILE_MODE, writeFileAtomic } from "../../io/files.js";
import type { ClusterAccess } from "../access.js";
import { errText } from "../apply-support.js";

export function fetchKubeconfigHandler(access: ClusterAccess): ActionHandler {
  return async (action: Action, ctx: ActionContext) => {
    const cps = action.params.controlplanes as string[];
    let last = "";
    for (const cp of cps) {
      const c = await access.nodeClient(cp);
      try {
        const bytes = await c.kubeconfig();
        writeFileAtomic(access.paths.kubeconfig, bytes, { mode: SECRET_FILE_MODE });
        access.updateState((s) => {
          s.kubeconfigFetchedAt = new Date().toISOString();
        });
        ctx.progress(`kubeconfig from ${cp} written to ${access.paths.kubeconfig}`);
        return;
      } catch (e) {
        last = `${cp}: ${errText(e)}`;
      } finally {
        c.close();
      }
    }
    throw Object.assign(new Error(`no control plane gave a kubeconfig (${last})`), { transient: true });
  };
}
