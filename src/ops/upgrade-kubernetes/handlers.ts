// The `upgrade-kubernetes` action: move a node's Kubernetes component images to the target version in its running
// machine config and apply it without a reboot (what talosctl upgrade-k8s does through the machine config), then
// read the config back to verify. On the twin this is the whole effect: the twin simulates no static pods or
// kubelet, so "upgraded" means the node accepted and now runs the new config.
import { CairnError } from "../../errors.js";
import type { ActionHandler } from "../../engine/types.js";
import type { ClusterAccess } from "../access.js";
import { nodeBackStep } from "../node-drain.js";
import { runningConfig } from "../observe.js";
import { withTimeout } from "../support.js";
import { componentVersions, setComponentVersions, type K8sComponent } from "./plan.js";

export function upgradeKubernetesHandler(
  access: ClusterAccess,
  options: { callTimeoutMs?: number } = {},
): ActionHandler {
  const t = options.callTimeoutMs ?? 15_000;
  return async (action, ctx) => {
    const p = action.params as { node: string; version: string; components: K8sComponent[] };
    const client = await access.nodeClient(p.node);
    try {
      const running = await runningConfig(client, t);
      const before = componentVersions(running);
      const todo = p.components.filter((c) => before[c] !== p.version);
      if (!todo.length) {
        ctx.progress(`already on ${p.version}`);
        return;
      }
      const next = setComponentVersions(running, todo, p.version);
      ctx.progress(`applying ${todo.join(", ")} ${before[todo[0]!] ?? "?"} → ${p.version} (no reboot)`);
      const [r] = await withTimeout(
        client.applyConfiguration(next, { mode: "no-reboot" }),
        t,
        "ApplyConfiguration",
      );
      if (!r?.ok)
        throw new CairnError(
          "k8s-upgrade",
          `${p.node} refused the config: ${r?.error.message ?? "no reply"}`,
        );
      const after = componentVersions(await runningConfig(client, t));
      const wrong = todo.filter((c) => after[c] !== p.version);
      if (wrong.length)
        throw new CairnError(
          "k8s-upgrade",
          `${p.node} still runs ${wrong.map((c) => `${c} ${after[c] ?? "?"}`).join(", ")}`,
        );
      ctx.progress(`${todo.join(", ")} on ${p.version}`);
      // A new kubelet: the node must post its status again, on the new version, before the next one restarts.
      if (todo.includes("kubelet")) await nodeBackStep(access, ctx, p.node, { kubeletVersion: p.version });
    } finally {
      client.close();
    }
  };
}
