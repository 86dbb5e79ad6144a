// apply-config: a new machine gets its config over the insecure maintenance channel (fingerprint shown, pinned
// once seen, kept in state); a running node gets a changed config over mTLS in AUTO mode, and cairn reports the
// mode the node chose. Idempotent: a node that already runs this config is only recorded. The action carries the
// hash of the config it was planned with; the handler sends exactly those bytes, or nothing.
import type { Action, ActionContext, ActionHandler } from "../../engine/types.js";
import { CairnError } from "../../errors.js";
import type { ClusterAccess } from "../access.js";
import { only, pollUntil, viewNode } from "../support.js";
import { configHash, writeAppliedConfig } from "../state.js";

const MODE_NAMES: Record<string, string> = {
  REBOOT: "reboot",
  AUTO: "auto",
  NO_REBOOT: "no-reboot",
  STAGED: "staged",
  TRY: "try",
};

const short = (hash: string | undefined): string => (hash ? `${hash.slice(0, 19)}…` : "no config");

export function applyConfigHandler(access: ClusterAccess): ActionHandler {
  return async (action: Action, ctx: ActionContext) => {
    const node = String(action.params.node);
    const planned = String(action.params.configHash ?? "");
    const desired = access.config(node);
    if (!desired || desired.hash !== planned)
      throw new CairnError(
        "config-changed",
        `${node}: the config cairn would send now (${short(desired?.hash)}) is not the one this plan was made with (${short(planned)}); nothing was applied to ${node}`,
        {
          hint: "the spec or its patches changed after the plan was made: run `cairn apply` again to plan with them",
        },
      );
    const { text, hash } = desired;
    const role = action.params.role === "controlplane" ? "controlplane" : "worker";
    const record = (stage: "config-applied" | "running", mode?: string): void => {
      writeAppliedConfig(access.paths.applied, node, text);
      access.updateState((s) => {
        const prev = s.nodes[node];
        s.nodes[node] = {
          ...prev,
          stage: prev?.stage === "running" && stage === "config-applied" ? "running" : stage,
          role,
          address: access.addressOf(node),
          hostname: node,
          appliedConfigHash: hash,
          ...(mode ? { lastApplyMode: mode } : {}),
          updatedAt: new Date().toISOString(),
        };
      });
    };

    if (action.params.maintenance === true) {
      const pinned = access.readState().nodes[node]?.fingerprint;
      await pollUntil(
        ctx,
        `${node}`,
        async () => {
          const v = await viewNode(access, node, "maintenance", pinned);
          if (v.mode === "unreachable") return { done: false, reason: `not reachable yet (${v.reason})` };
          if (v.mode === "secure") {
            // It already left maintenance mode: an earlier, interrupted run configured it.
            const c = await access.nodeClient(node);
            try {
              const running = await c.machineConfig();
              if (configHash(running) !== hash)
                throw new CairnError(
                  "apply",
                  `${node} already runs a different machine config (not in maintenance mode)`,
                  {
                    hint: "reset it into maintenance mode, or remove it from the spec; cairn never overwrites a node it did not configure",
                  },
                );
            } finally {
              c.close();
            }
            record("running");
            ctx.progress(`${node} already runs this config (an earlier run applied it)`);
            return { done: true, value: undefined };
          }
          if (v.stage !== "maintenance")
            return { done: false, reason: `maintenance service says stage ${v.stage}` };
          if (v.fingerprint && v.fingerprint !== pinned) {
            access.updateState((s) => {
              s.nodes[node] = {
                ...(s.nodes[node] ?? { stage: "pending", role }),
                fingerprint: v.fingerprint,
              };
            });
            ctx.progress(`${node} maintenance certificate fingerprint ${v.fingerprint} (pinned)`);
          }
          const c = access.insecureClient(node, v.fingerprint);
          try {
            const r = only(await c.applyConfiguration(text, { mode: "auto" }));
            record("config-applied", MODE_NAMES[r.mode] ?? r.mode);
            ctx.progress(`${node} accepted its config (${r.mode_details || MODE_NAMES[r.mode]})`);
          } finally {
            c.close();
          }
          return { done: true, value: undefined };
        },
        500,
      );
      return;
    }

    // A running node: AUTO lets Talos apply live what it can and reboot only when it must.
    const c = await access.nodeClient(node);
    try {
      const r = only(await c.applyConfiguration(text, { mode: "auto" }));
      const chosen = MODE_NAMES[r.mode] ?? String(r.mode);
      record("running", chosen);
      const expected = action.params.expectedMode;
      ctx.progress(
        `${node}: applied with mode ${chosen}${expected && expected !== "unknown" && expected !== chosen ? ` (cairn expected ${String(expected)})` : ""}${r.warnings?.length ? `; warnings: ${r.warnings.join("; ")}` : ""}`,
      );
    } finally {
      c.close();
    }
  };
}
