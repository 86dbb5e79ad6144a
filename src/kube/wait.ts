// Polling with a deadline and progress: the shape of every Kubernetes wait cairn does.
import { KubeRolloutFailed, KubeTimeout } from "./errors.js";
import type { CheckResult } from "./readiness.js";

export interface WaitOptions {
  timeoutMs: number;
  pollMs?: number;
  /** Called whenever what is still missing changes (for progress lines). */
  onProgress?: (waitingFor: string[]) => void;
  signal?: AbortSignal;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Re-runs `check` until it passes; throws KubeTimeout naming what was still missing. Errors count as "not yet". */
export async function waitUntil(
  what: string,
  check: () => Promise<CheckResult>,
  options: WaitOptions,
): Promise<CheckResult> {
  const deadline = Date.now() + options.timeoutMs;
  let last: string[] = [];
  let lastKey = "";
  for (;;) {
    let r: CheckResult;
    try {
      r = await check();
    } catch (e) {
      // A failure more waiting will not fix ends the wait; anything else (API briefly away) is "not yet".
      if (e instanceof KubeRolloutFailed) throw e;
      r = { name: what, ok: false, detail: (e as Error).message, waitingFor: [(e as Error).message] };
    }
    if (r.ok) return r;
    last = r.waitingFor.length ? r.waitingFor : [r.detail];
    const key = JSON.stringify(last);
    if (key !== lastKey) options.onProgress?.(last);
    lastKey = key;
    if (Date.now() >= deadline || options.signal?.aborted)
      throw new KubeTimeout(what, options.timeoutMs, last);
    await delay(Math.min(options.pollMs ?? 500, Math.max(0, deadline - Date.now())));
  }
}
