// Shared by the operations' handlers: bounded calls, polling with the action's signal, short error texts, and how
// a node answers right now (maintenance, secure, or not at all). Handlers are idempotent: each first looks at the
// node, then acts only if needed.
import type { ActionContext } from "../engine/types.js";
import type { NodeResult } from "../talos/api/results.js";
import type { ClusterAccess } from "./access.js";
import { UserError } from "../errors.js";
import { RESOURCE_TYPES } from "../talos/api/resources.js";

const POLL_MS = 250;

export const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A short error text for display (no stack, first line only). */
export function brief(e: unknown): string {
  return errText(e).split("\n")[0]!.slice(0, 300);
}

/** `p`, or an error naming `what` once `ms` pass without an answer. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        t = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(t);
  }
}

/** Waits `ms`; rejects with the signal's reason as soon as it aborts, so aborted work stops where it waits. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason ?? new Error("aborted"));
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason ?? new Error("aborted"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Calls `check` until it returns a value; reports `what` and the latest reason on change. Stops when the action's
 * signal aborts (its timeout), with the last reason in the error.
 */
export async function pollUntil<T>(
  ctx: ActionContext,
  what: string,
  check: () => Promise<{ done: true; value: T } | { done: false; reason: string }>,
  intervalMs = POLL_MS,
): Promise<T> {
  let last = "";
  for (;;) {
    let r: { done: true; value: T } | { done: false; reason: string };
    try {
      r = await check();
    } catch (e) {
      r = { done: false, reason: errText(e) };
    }
    if (r.done) return r.value;
    if (r.reason !== last) {
      ctx.progress(`${what}: ${r.reason}`);
      last = r.reason;
    }
    try {
      await sleep(intervalMs, ctx.signal);
    } catch {
      throw new Error(`${what}: gave up: ${last}`);
    }
  }
}

/** The value of a one-node call, or its per-node error thrown. */
export function only<T>(results: NodeResult<T>[]): T {
  const r = results[0];
  if (!r) throw new Error("empty reply");
  if (!r.ok) throw r.error;
  return r.value;
}

export type NodeView =
  | { mode: "secure"; stage: string; ready: boolean; unmet: { name: string; reason: string }[] }
  | { mode: "maintenance"; stage: string; fingerprint: string | undefined }
  | { mode: "unreachable"; reason: string };

/** How the node answers now: mTLS with the cluster's credentials, or the maintenance service, or not at all. */
export async function viewNode(
  access: ClusterAccess,
  node: string,
  prefer: "secure" | "maintenance",
  pinned?: string,
): Promise<NodeView> {
  const secure = async (): Promise<NodeView> => {
    const c = await access.nodeClient(node);
    try {
      const ms = await c.machineStatus();
      return {
        mode: "secure",
        stage: ms.spec.stage,
        ready: ms.spec.status.ready,
        unmet: ms.spec.status.unmetConditions ?? [],
      };
    } finally {
      c.close();
    }
  };
  const maintenance = async (): Promise<NodeView> => {
    let seen: string | undefined;
    // The fingerprint is what identifies a machine in maintenance mode; captured on first contact, then pinned.
    const c = access.insecureClient(node, pinned, (fp) => (seen = fp));
    try {
      const ms = await c.cosiGet<{ stage: string }>(RESOURCE_TYPES.machineStatus, "machine");
      return { mode: "maintenance", stage: ms.spec.stage, fingerprint: pinned ?? seen };
    } finally {
      c.close();
    }
  };
  const order = prefer === "secure" ? [secure, maintenance] : [maintenance, secure];
  const reasons: string[] = [];
  for (const f of order) {
    try {
      return await f();
    } catch (e) {
      reasons.push(errText(e));
    }
  }
  return { mode: "unreachable", reason: shortReason(reasons) };
}

function shortReason(reasons: string[]): string {
  const r = reasons.find((x) => /refused|timed out|timeout|unavailable|ECONN/i.test(x)) ?? reasons[0] ?? "";
  return r.split("\n")[0]!.slice(0, 160);
}

/** Parses --max-unavailable against the worker count: N, or P% rounded down (at least 1). */
export function parseMaxUnavailable(value: string | number | undefined, workers: number): number {
  if (value === undefined) return 1;
  const text = String(value).trim();
  let n: number;
  if (/^\d+%$/.test(text)) {
    const p = Number(text.slice(0, -1));
    if (p < 1 || p > 100) throw new UserError(`--max-unavailable ${text}: a percentage must be 1%–100%`);
    n = Math.max(1, Math.floor((workers * p) / 100));
  } else if (/^\d+$/.test(text)) {
    n = Number(text);
    if (n < 1) throw new UserError("--max-unavailable must be at least 1");
  } else {
    throw new UserError(`--max-unavailable "${text}" is not a count or a percentage`, {
      hint: "e.g. --max-unavailable 10 or --max-unavailable 25%",
    });
  }
  return Math.max(1, Math.min(n, Math.max(workers, 1)));
}
