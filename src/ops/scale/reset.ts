// reset: a node leaving the cluster is reset gracefully — a control plane leaves etcd first (Talos does this on a
// graceful reset), then the node wipes itself and reboots into maintenance mode. A dead node cannot be reset:
// with --force the removal goes on (its etcd member is removed by ID next), without it cairn stops.
import type { Action, ActionContext, ActionHandler } from "../../engine/types.js";
import { UserError } from "../../errors.js";
import type { ClusterAccess } from "../access.js";
import { only, pollUntil, viewNode } from "../support.js";

export function resetHandler(access: ClusterAccess): ActionHandler {
  return async (action: Action, ctx: ActionContext) => {
    const node = String(action.params.node);
    const force = action.params.force === true;
    access.updateState((s) => {
      const prev = s.nodes[node];
      if (prev) s.nodes[node] = { ...prev, stage: "removing", updatedAt: new Date().toISOString() };
    });
    const v = await viewNode(access, node, "secure");
    if (v.mode === "maintenance") {
      ctx.progress(`${node} is already in maintenance mode (reset earlier)`);
      ctx.outcome("already in maintenance mode (reset earlier)");
      return;
    }
    if (v.mode === "unreachable") {
      if (!force)
        // The way out is in the message itself: the engine reports a failed action by its message only, so a
        // hint alone never reached the user (they saw a generic "fix the cause" and nothing about --force).
        throw new UserError(
          `${node} is unreachable (${v.reason}); it cannot be reset gracefully. ` +
            (action.params.role === "controlplane"
              ? "Pass --force to remove it without a reset (its etcd member is removed by ID), or bring it back and run apply again"
              : "Pass --force to remove it without a reset, or bring it back and run apply again"),
          {
            hint: "bring it back and run apply again, or pass --force to remove it without a reset (its etcd member is removed by ID)",
          },
        );
      ctx.progress(`${node} is unreachable; skipping the reset (--force)`);
      access.updateState((s) => {
        const prev = s.nodes[node];
        if (prev) s.nodes[node] = { ...prev, notReset: v.reason };
      });
      ctx.outcome(
        `not reset: ${node} is unreachable (${v.reason}); removed without a reset (--force), so it was not wiped and still holds the cluster's config`,
        { partial: true },
      );
      return;
    }
    const c = await access.nodeClient(node);
    try {
      only(await c.reset({ graceful: true, reboot: true }));
    } finally {
      c.close();
    }
    ctx.progress(
      `${node}: reset requested (graceful${action.params.role === "controlplane" ? ", leaves etcd" : ""})`,
    );
    await pollUntil(ctx, `${node} resetting`, async () => {
      const now = await viewNode(access, node, "secure");
      return now.mode === "secure"
        ? { done: false, reason: `stage ${now.stage}` }
        : { done: true, value: undefined };
    });
    ctx.progress(`${node} left the cluster`);
    ctx.outcome(
      `reset: ${action.params.role === "controlplane" ? "left etcd, " : ""}wiped, back in maintenance mode`,
    );
  };
}
