// wait-rollout: one workload of the cluster rolled out after an apply — a Deployment or DaemonSet available at its
// current generation, a Flux HelmRelease Ready — with progress while it is not. A rollout that fails for good (crash
// loop, image pull failure, a stalled release, a passed progress deadline) fails the action naming the workload, who
// deploys it and why. A workload that needs the pod network is said, not awaited, while no CNI is installed; one that
// Flux deploys from the GitOps tree, while Flux has not applied the tree.
import type { Action, ActionContext, ActionHandler } from "../../engine/types.js";
import { CairnError } from "../../errors.js";
import {
  findCni,
  fluxSyncStatus,
  isNotFound,
  KubeRolloutFailed,
  KubeTimeout,
  rolloutStatus,
  waitForRollout,
  type WorkloadKind,
  type WorkloadRef,
} from "../../kube/index.js";
import type { ClusterAccess } from "../access.js";
import { kubeClientOf } from "../kube.js";
import { NO_CNI } from "../kube-checks.js";
import { ROLLOUT_TIMEOUT_MS } from "../rollouts.js";
import { errText, sleep } from "../support.js";

export interface WaitRolloutOptions {
  /** Pods in CrashLoopBackOff/ImagePullBackOff this long fail the rollout (twin 3 s, real 2 min). */
  fatalAfterMs?: number;
  pollMs?: number;
  /** How long a workload may not exist yet (Talos applies its manifests after the API is up). */
  absentMs?: number;
}

export function waitRolloutHandler(access: ClusterAccess, options: WaitRolloutOptions = {}): ActionHandler {
  const sim = access.simulated;
  const fatalAfterMs = options.fatalAfterMs ?? (sim ? 3000 : 120_000);
  const pollMs = options.pollMs ?? (sim ? 100 : 2000);
  const absentMs = options.absentMs ?? (sim ? 20_000 : 5 * 60_000);
  return async (action: Action, ctx: ActionContext) => {
    const p = action.params as {
      kind: WorkloadKind;
      namespace: string;
      name: string;
      owner: string;
      needsCni: boolean;
      flux?: boolean;
    };
    const ref: WorkloadRef = { kind: p.kind, namespace: p.namespace, name: p.name };
    const label = `${p.kind.toLowerCase()}/${p.namespace}/${p.name}`;
    const client = kubeClientOf(access);
    if (!client) {
      ctx.progress(`no kubeconfig for ${access.model.name}: ${label} not checked`);
      return;
    }
    const deadline = Date.now() + (action.timeoutMs ?? ROLLOUT_TIMEOUT_MS) - 2000;
    if (p.needsCni && !(await findCni(client))) {
      ctx.progress(`${label} not awaited: ${NO_CNI}`);
      return;
    }
    // It may not exist yet: Talos applies its bootstrap and inline manifests once the API server is up.
    const absentUntil = Date.now() + absentMs;
    let last = "";
    for (;;) {
      try {
        await rolloutStatus(client, ref);
        break;
      } catch (e) {
        const why = isNotFound(e) ? "not created yet" : errText(e).split("\n")[0]!;
        // Flux deploys it once it has applied the tree from the user's repository: said, not awaited, before then.
        if (isNotFound(e) && p.flux) {
          const sync = await fluxSyncStatus(client);
          if (!sync.applied) {
            ctx.progress(
              `${label} not awaited: Flux has not applied the GitOps tree (${sync.message}); ` +
                `commit \`cairn render\`'s gitops folder to the spec's repository and rerun apply to wait for it`,
            );
            return;
          }
        }
        if (isNotFound(e) && Date.now() >= absentUntil)
          throw new CairnError(
            "kube-rollout",
            `${p.owner}: ${label} does not exist ${Math.round(absentMs / 1000)}s after the API server came up`,
            {
              hint: `check how ${p.owner} deploys it (\`kubectl -n ${p.namespace} get ${p.kind.toLowerCase()}\`)`,
            },
          );
        if (`${label}: ${why}` !== last) ctx.progress((last = `${label}: ${why}`));
        await sleep(pollMs, ctx.signal);
      }
    }
    try {
      const s = await waitForRollout(client, ref, {
        timeoutMs: Math.max(1000, deadline - Date.now()),
        pollMs,
        fatalAfterMs,
        signal: ctx.signal,
        onProgress: (w) => ctx.progress(`${label}: ${w.join("; ")}`),
      });
      ctx.progress(`${s.message}${sim ? " (simulated)" : ""}`);
    } catch (e) {
      if (e instanceof KubeRolloutFailed)
        throw new CairnError("kube-rollout", `${p.owner}: ${e.message}`, {
          hint: `see \`kubectl -n ${p.namespace} describe ${p.kind.toLowerCase()} ${p.name}\` and its pods' logs`,
        });
      if (e instanceof KubeTimeout) throw new CairnError("kube-rollout", `${p.owner}: ${e.message}`);
      throw e;
    }
  };
}
