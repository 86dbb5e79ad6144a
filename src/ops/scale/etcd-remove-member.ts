// etcd-remove-member: after a control plane's reset its member must be gone. A graceful reset already left; a
// dead node (--force) still counts in the member list and is removed by ID through a healthy control plane.
import type { Action, ActionContext, ActionHandler } from "../../engine/types.js";
import { CairnError } from "../../errors.js";
import type { ClusterAccess } from "../access.js";
import { errText, only } from "../support.js";

export function etcdRemoveMemberHandler(access: ClusterAccess): ActionHandler {
  return async (action: Action, ctx: ActionContext) => {
    const node = String(action.params.node);
    const hostname = String(action.params.hostname ?? node);
    const cps = access.model.nodes
      .filter((n) => n.role === "controlplane" && n.name !== node)
      .map((n) => n.name);
    let last = "";
    for (const cp of cps) {
      const c = await access.nodeClient(cp);
      try {
        const members = only(await c.etcdMemberList()).members;
        const m = members.find((x) => x.hostname === hostname);
        if (!m) {
          ctx.progress(`${node} is no longer an etcd member`);
          return;
        }
        if (action.params.force !== true)
          // --force named in the message: a failed action reaches the user by its message only, not its hint.
          throw new CairnError(
            "etcd",
            `${node} is still an etcd member after its reset; pass --force to remove the member by ID`,
            {
              hint: "pass --force to remove the member by ID",
            },
          );
        only(await c.etcdRemoveMemberByID(m.id));
        ctx.progress(`removed etcd member ${BigInt(m.id).toString(16)} (${hostname}) through ${cp}`);
        return;
      } catch (e) {
        if (e instanceof CairnError && e.code === "etcd") throw e;
        last = `${cp}: ${errText(e)}`;
      } finally {
        c.close();
      }
    }
    throw Object.assign(new Error(`no healthy control plane to check etcd membership (${last})`), {
      transient: true,
    });
  };
}
