// The slice of ClusterAccess the day-2 operations (upgrade, etcd, health, status, diff) use, so their handlers run
// against the real ClusterAccess and against an in-process twin in tests alike.
import type { Model } from "../clusterspec/model.js";
import type { TalosClient } from "../talos/api/client.js";
import type { ClusterAccess } from "./access.js";

export interface OpsAccess {
  model: Model;
  twin: boolean;
  addressOf(node: string): string;
  /** mTLS client with every control plane as an endpoint. */
  client(): Promise<TalosClient>;
  /** mTLS client to this node only (fails fast: callers poll). */
  nodeClient(node: string): Promise<TalosClient>;
  paths: {
    journal: string;
    lock: string;
    state: string;
    talosconfig?: string;
    kubeconfig?: string;
    secrets?: string;
  };
  /** Maintenance-mode client straight to one node (restore re-installs configs on fresh machines). */
  insecureClient?(node: string): TalosClient;
  /** The rendered machine config for a node (secret material: never print it). */
  renderedConfig?(node: string): string;
  /** One named section of the state file (each operation owns its own). */
  stateSection: { get(key: string): unknown; set(key: string, value: unknown): void };
}

export function opsAccess(a: ClusterAccess): OpsAccess {
  return {
    model: a.model,
    twin: a.twin,
    addressOf: (n) => a.addressOf(n),
    client: () => a.client(),
    nodeClient: (n) => a.nodeClient(n),
    insecureClient: (n) => a.insecureClient(n, a.readState().nodes[n]?.fingerprint),
    renderedConfig: (n) => a.renderedConfig(n),
    paths: a.paths,
    stateSection: {
      get: (k) => a.readState()[k],
      set: (k, v) =>
        void a.updateState((s) => {
          if (v === undefined) delete s[k];
          else s[k] = v;
        }),
    },
  };
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** A short error text for display (no stack, first line only). */
export function brief(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split("\n")[0]!.slice(0, 300);
}
