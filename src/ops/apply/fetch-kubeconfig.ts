// fetch-kubeconfig: the admin kubeconfig from a control plane, written (0600, through the one writer) where the
// cluster's record lives.
import type { Action, ActionContext, ActionHandler } from "../../engine/types.js";
import { relative } from "node:path";
import { SECRET_MODE } from "../../io/artefact.js";
import type { ClusterAccess } from "../access.js";
import { errText } from "../support.js";

export function fetchKubeconfigHandler(access: ClusterAccess): ActionHandler {
  return async (action: Action, ctx: ActionContext) => {
    const cps = action.params.controlplanes as string[];
    let last = "";
    for (const cp of cps) {
      const c = await access.nodeClient(cp);
      try {
        const bytes = await c.kubeconfig();
        access.write([
          {
            path: relative(access.paths.dir, access.paths.kubeconfig),
            content: Buffer.from(bytes).toString("utf8"),
            mode: SECRET_MODE,
            sensitive: true,
            kind: "kubeconfig",
          },
        ]);
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
