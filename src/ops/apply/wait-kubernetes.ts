// wait-kubernetes: the API server is up. Talos runs kube-apiserver as a static pod; a node reports the kubelet
// (and, where it lists one, a kube-apiserver service) healthy, and on real machines cairn also needs the API port
// to accept connections. The twin simulates the control plane's services only.
import { connect } from "node:net";
import type { Action, ActionContext, ActionHandler } from "../../engine/types.js";
import type { ClusterAccess } from "../access.js";
import { only, pollUntil } from "../support.js";

function portOpen(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.once("connect", () => done(true));
    s.once("timeout", () => done(false));
    s.once("error", () => done(false));
  });
}

export function waitKubernetesHandler(access: ClusterAccess): ActionHandler {
  return async (action: Action, ctx: ActionContext) => {
    const cps = action.params.controlplanes as string[];
    await pollUntil(
      ctx,
      "Kubernetes API server",
      async () => {
        let healthyOn: string | undefined;
        let reason = "";
        for (const cp of cps) {
          const c = await access.nodeClient(cp);
          try {
            const services = only(await c.serviceList()).services;
            const kubelet = services.find((s) => s.id === "kubelet");
            const apiserver = services.find((s) => s.id === "kube-apiserver");
            if (!kubelet?.health?.healthy) reason = `${cp}: kubelet not healthy yet`;
            else if (apiserver && !apiserver.health?.healthy)
              reason = `${cp}: kube-apiserver not healthy yet`;
            else if (!access.simulated && !(await portOpen(access.addressOf(cp), access.model.endpoint.port)))
              reason = `${cp}: API server port ${access.model.endpoint.port} not open yet`;
            else healthyOn = cp;
          } catch (e) {
            reason = `${cp}: ${(e as Error).message.split("\n")[0]}`;
          } finally {
            c.close();
          }
          if (healthyOn) break;
        }
        return healthyOn ? { done: true, value: healthyOn } : { done: false, reason };
      },
      500,
    ).then((cp) => ctx.progress(`API server healthy on ${cp}${access.simulated ? " (simulated)" : ""}`));
  };
}
