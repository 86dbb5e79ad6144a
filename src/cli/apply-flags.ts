// The flags plan and apply share, turned into the apply options (kept apart from the commands so each command and
// its run module import it without importing each other).
import type { ApplyOptions } from "../ops/apply/run.js";
import type { ClusterFlags } from "./cluster.js";

export interface ApplyFlags extends ClusterFlags {
  force?: boolean;
  drainTimeout?: string;
  allowTalosDowngrade?: boolean;
  allowKubernetesDowngrade?: boolean;
  timeout?: string;
}

/** The apply options the flags ask for. */
export async function applyOptionsFrom(opts: ApplyFlags): Promise<ApplyOptions> {
  const { parseDurationMs } = await import("./duration.js");
  return {
    force: opts.force === true,
    ...(opts.drainTimeout ? { drainTimeoutMs: parseDurationMs(opts.drainTimeout, "--drain-timeout") } : {}),
    ...(opts.allowTalosDowngrade ? { allowTalosDowngrade: true } : {}),
    ...(opts.allowKubernetesDowngrade ? { allowKubernetesDowngrade: true } : {}),
    ...(opts.timeout ? { waitTimeoutMs: parseDurationMs(opts.timeout, "--timeout") } : {}),
  };
}
