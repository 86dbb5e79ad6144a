// Cordon, drain and uncordon, and deleting a removed node's Node object. Cordoning marks the node with an
// annotation saying cairn did it, so cairn uncordons only what it cordoned (and health can report a node cairn left
// cordoned). Draining evicts through the Eviction API, so PodDisruptionBudgets are honoured; blocked evictions are
// retried until the timeout, and the report says what blocked.
import type { KubeClient } from "./client.js";
import { isNotFound, KubeApiError } from "./errors.js";
import { annotations, controllerOf, enc, nameOf, namespaceOf, o, type Obj } from "./objects.js";

/** Annotation cairn puts on a Node it cordoned (value: when, RFC 3339). Talos uses talos.dev/cordoned for its own. */
export const CORDONED_BY_CAIRN = "cairn.dev/cordoned";

const nodePath = (name: string): string => `/api/v1/nodes/${enc(name)}`;

export interface CordonResult {
  /** cairn set unschedulable (false: it already was, by someone else, and stays theirs). */
  cordonedByCairn: boolean;
  alreadyUnschedulable: boolean;
}

export async function cordon(client: KubeClient, node: string, now = new Date()): Promise<CordonResult> {
  const n = await client.get(nodePath(node));
  if (o(n.spec).unschedulable === true)
    return { cordonedByCairn: annotations(n)[CORDONED_BY_CAIRN] !== undefined, alreadyUnschedulable: true };
  await client.patch(nodePath(node), {
    metadata: { annotations: { [CORDONED_BY_CAIRN]: now.toISOString().replace(/\.\d{3}Z$/, "Z") } },
    spec: { unschedulable: true },
  });
  return { cordonedByCairn: true, alreadyUnschedulable: false };
}

/**
 * Makes the node schedulable again if cairn cordoned it (or always, with `force`); removes the marker. Returns
 * whether it uncordoned. A missing node is not an error (it may have been removed).
 */
export async function uncordon(
  client: KubeClient,
  node: string,
  options: { force?: boolean } = {},
): Promise<boolean> {
  let n: Obj;
  try {
    n = await client.get(nodePath(node));
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
  const ours = annotations(n)[CORDONED_BY_CAIRN] !== undefined;
  if (!ours && !options.force) return false;
  await client.patch(nodePath(node), {
    metadata: { annotations: { [CORDONED_BY_CAIRN]: null } },
    spec: { unschedulable: null },
  });
  return true;
}

interface DrainPod {
  namespace: string;
  name: string;
}

export interface DrainReport {
  node: string;
  complete: boolean;
  evicted: DrainPod[];
  /** Left alone on purpose: DaemonSet pods and static (mirror) pods, as kubectl drain --ignore-daemonsets. */
  skipped: (DrainPod & { why: string })[];
  /** What still blocked when the drain gave up: PDB messages, pods that would not go. */
  blocked: (DrainPod & { why: string })[];
  elapsedMs: number;
}

export interface DrainOptions {
  timeoutMs: number;
  /** Evict pods no controller would recreate (they are lost); without it they block the drain. */
  evictUnmanaged?: boolean;
  pollMs?: number;
  onProgress?: (message: string) => void;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Pods kubectl drain would evict, and those it skips. */
function classifyPods(
  pods: readonly Obj[],
  evictUnmanaged: boolean,
): { evict: Obj[]; skipped: (DrainPod & { why: string })[]; unmanaged: Obj[] } {
  const evict: Obj[] = [];
  const skipped: (DrainPod & { why: string })[] = [];
  const unmanaged: Obj[] = [];
  for (const p of pods) {
    const id = { namespace: namespaceOf(p), name: nameOf(p) };
    const phase = o(p.status).phase;
    if (annotations(p)["kubernetes.io/config.mirror"] !== undefined)
      skipped.push({ ...id, why: "static pod" });
    else if (controllerOf(p)?.kind === "DaemonSet") skipped.push({ ...id, why: "DaemonSet pod" });
    else if (phase === "Succeeded" || phase === "Failed") evict.push(p);
    else if (!controllerOf(p) && !evictUnmanaged) unmanaged.push(p);
    else evict.push(p);
  }
  return { evict, skipped, unmanaged };
}

/** Cordons the node (marking it as cairn's) and evicts its pods within `timeoutMs`. Never throws for blocked pods. */
export async function drain(client: KubeClient, node: string, options: DrainOptions): Promise<DrainReport> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  await cordon(client, node);
  const { items } = await client.list(`/api/v1/pods`, { fieldSelector: `spec.nodeName=${node}` });
  const { evict, skipped, unmanaged } = classifyPods(items, options.evictUnmanaged ?? false);
  const blocked = new Map<string, DrainPod & { why: string }>();
  for (const p of unmanaged)
    blocked.set(`${namespaceOf(p)}/${nameOf(p)}`, {
      namespace: namespaceOf(p),
      name: nameOf(p),
      why: "not managed by a controller (it would be lost); delete it or allow unmanaged evictions",
    });
  const pending = new Map(evict.map((p) => [`${namespaceOf(p)}/${nameOf(p)}`, p]));
  const evicted: DrainPod[] = [];
  const uids = new Map<string, unknown>(
    evict.map((p) => [`${namespaceOf(p)}/${nameOf(p)}`, o(p.metadata).uid]),
  );
  options.onProgress?.(
    `draining ${node}: ${pending.size} pod(s) to evict${skipped.length ? `, ${skipped.length} DaemonSet/static pod(s) stay` : ""}`,
  );
  while (pending.size > 0 && Date.now() < deadline) {
    for (const [key, p] of [...pending]) {
      const ns = namespaceOf(p);
      const name = nameOf(p);
      try {
        await client.post(`/api/v1/namespaces/${enc(ns)}/pods/${enc(name)}/eviction`, {
          apiVersion: "policy/v1",
          kind: "Eviction",
          metadata: { name, namespace: ns },
        });
        pending.delete(key);
        blocked.delete(key);
        evicted.push({ namespace: ns, name });
      } catch (e) {
        if (isNotFound(e)) {
          pending.delete(key);
          blocked.delete(key);
          continue;
        }
        if (e instanceof KubeApiError && (e.status === 429 || e.status === 500)) {
          const why =
            e.causes
              .map((c) => c.message)
              .filter(Boolean)
              .join("; ") || e.message;
          if (blocked.get(key)?.why !== why) options.onProgress?.(`${ns}/${name}: ${why}`);
          blocked.set(key, { namespace: ns, name, why });
          continue;
        }
        throw e;
      }
    }
    if (pending.size > 0) await delay(Math.min(options.pollMs ?? 1000, Math.max(0, deadline - Date.now())));
  }
  // Evicted pods terminate; wait for them to be gone (or replaced by a new pod of the same name).
  for (const p of evicted) {
    const uid = uids.get(`${p.namespace}/${p.name}`);
    for (;;) {
      try {
        const cur = await client.get(`/api/v1/namespaces/${enc(p.namespace)}/pods/${enc(p.name)}`);
        if (uid !== undefined && o(cur.metadata).uid !== uid) break;
      } catch (e) {
        if (isNotFound(e)) break;
        throw e;
      }
      if (Date.now() >= deadline) {
        blocked.set(`${p.namespace}/${p.name}`, { ...p, why: "evicted but still terminating" });
        break;
      }
      await delay(options.pollMs ?? 500);
    }
  }
  for (const [key, p] of pending)
    if (!blocked.has(key))
      blocked.set(key, { namespace: namespaceOf(p), name: nameOf(p), why: "not evicted before the timeout" });
  return {
    node,
    complete: blocked.size === 0,
    evicted,
    skipped,
    blocked: [...blocked.values()],
    elapsedMs: Date.now() - started,
  };
}

/** Deletes a removed node's Node object; true when it existed. */
export async function deleteNode(client: KubeClient, node: string): Promise<boolean> {
  try {
    await client.delete(nodePath(node));
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}
