// apply-config: a new machine gets its config over the insecure maintenance channel (fingerprint shown, pinned
// once seen, kept in state); a running node gets a changed config over mTLS the way its Talos release wants it
// (talos/api/apply-semantics.ts), and cairn reports what happened: applied live, rebooted by the node, or applied
// live and then rebooted by cairn. Idempotent: a node that already runs this config is only recorded. The action
// carries the hash of the config it was planned with; the handler sends exactly those bytes, or nothing.
import type { Action, ActionContext, ActionHandler } from "../../engine/types.js";
import { CairnError } from "../../errors.js";
import type { ClusterAccess } from "../access.js";
import { applySemantics, rebootNeededFor } from "../../talos/api/apply-semantics.js";
import { describeMode, diffConfigs } from "../config-diff.js";
import { bootId, nodeVersion, runningConfig } from "../observe.js";
import { only, pollUntil, viewNode } from "../support.js";
import { configHash, writeAppliedConfig } from "../state.js";
import { waitUntilRebooted } from "./reboot-wait.js";

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
    // A node converted after a Talos upgrade gets the spec rendered for the release it now runs.
    const versions = {
      ...(typeof action.params.talosVersion === "string" ? { talosVersion: action.params.talosVersion } : {}),
      ...(typeof action.params.kubernetesVersion === "string"
        ? { kubernetesVersion: action.params.kubernetesVersion }
        : {}),
    };
    const desired = Object.keys(versions).length ? access.renderConfig(node, versions) : access.config(node);
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
            // Maintenance mode answers no Version call: the machine boots the release the spec installs.
            const { results } = await c.applyConfigurationFor(text, {
              talosVersion: access.model.talosVersion,
              maintenance: true,
              mode: "auto",
            });
            const r = only(results);
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

    // A running node: the node's own release decides what AUTO means (apply-semantics): ≤ 1.13 applies live what
    // it can and reboots by itself when it must; 1.14 never takes REBOOT outside maintenance mode, so cairn sends
    // NO_REBOOT and reboots it explicitly when a changed field only takes effect at boot.
    const c = await access.nodeClient(node);
    try {
      const [version, running] = await Promise.all([nodeVersion(c), runningConfig(c)]);
      const pendingReboot = ctx.journal.get("rebootFrom") as string | undefined;
      if (diffConfigs(running, text).length === 0) {
        // Already there (an earlier, interrupted run applied it): reboot if that run died before its reboot.
        if (pendingReboot && (await bootId(c, 3000)) === pendingReboot) {
          ctx.progress(`${node} runs this config but has not rebooted into it yet; rebooting`);
          only(await c.reboot("DEFAULT"));
          await waitUntilRebooted(access, node, pendingReboot, ctx);
          record("running", "no-reboot-then-reboot");
          ctx.outcome("applied earlier; rebooted now so the change takes effect");
          return;
        }
        record("running");
        ctx.outcome(`${node} already runs this config`);
        return;
      }
      const rebootNeeded = rebootNeededFor(version, running, text);
      const semantics = applySemantics(version);
      const mayReboot = rebootNeeded.length > 0 || semantics?.autoMayReboot !== false;
      const before = mayReboot ? await bootId(c, 3000) : undefined;
      if (before && rebootNeeded.length > 0) ctx.journal.note("rebootFrom", before);
      const { step, results, rebooted } = await c.applyConfigurationFor(text, {
        talosVersion: version,
        mode: "auto",
        rebootNeeded,
      });
      const r = only(results);
      if (step.thenReboot && rebooted.length === 0)
        throw new CairnError(
          "apply",
          `${node} took the config live, but refused the reboot it needs (${rebootNeeded.slice(0, 3).join(", ")})`,
          { hint: "run `cairn apply` again: the node runs the new config, and the rerun reboots it" },
        );
      const chosen = rebooted.length > 0 ? "no-reboot-then-reboot" : (MODE_NAMES[r.mode] ?? String(r.mode));
      if (chosen === "reboot" || chosen === "no-reboot-then-reboot")
        await waitUntilRebooted(access, node, before, ctx);
      record("running", chosen);
      const expected = action.params.expectedMode;
      const surprise =
        expected && expected !== "unknown" && expected !== chosen
          ? ` (cairn expected ${describeMode(String(expected))})`
          : "";
      ctx.progress(
        `${node}: applied with mode ${describeMode(chosen)}${surprise}${r.warnings?.length ? `; warnings: ${r.warnings.join("; ")}` : ""}`,
      );
      ctx.outcome(
        chosen === "no-reboot-then-reboot"
          ? `applied live, then rebooted (Talos ${version} boots ${rebootNeeded.slice(0, 2).join(", ")}${rebootNeeded.length > 2 ? ", …" : ""})${surprise}`
          : chosen === "reboot"
            ? `applied; the node rebooted to take it${surprise}`
            : `applied without a reboot${surprise}`,
      );
    } finally {
      c.close();
    }
  };
}
