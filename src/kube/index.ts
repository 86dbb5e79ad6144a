// The Kubernetes boundary the operations layer calls (see each module): a client with endpoint failover, the
// readiness checks of health and the gates, cordon/drain/uncordon, Node deletion, rollout waits, and who drains
// around a Talos operation.
import { KubeClient, failoverEndpoints, type KubeClientOptions } from "./client.js";
import { readKubeconfig } from "./kubeconfig.js";

export * from "./errors.js";
export * from "./client.js";
export * from "./kubeconfig.js";
export * from "./readiness.js";
export * from "./drain.js";
export * from "./rollout.js";
export * from "./wait.js";
export * from "./talos-drain.js";
export * from "./node-ready.js";
export { isCniDaemonSetName } from "./cni.js";
export { condition } from "./objects.js";

export interface OpenKubeOptions extends KubeClientOptions {
  /** The admin kubeconfig text (cairn renders it: .cairn/<cluster>/kubeconfig). */
  kubeconfig: string;
  /** Control-plane addresses to fail over to, after the kubeconfig's server (the cluster endpoint). */
  controlPlaneAddresses?: readonly string[];
  /** Where the kubeconfig came from, for error messages. */
  source?: string;
}

/** A client for cairn's admin kubeconfig: the cluster endpoint first, then each control plane. */
export function openKube(options: OpenKubeOptions): KubeClient {
  const creds = readKubeconfig(options.kubeconfig, options.source);
  const endpoints = options.endpoints ?? failoverEndpoints(creds.server, options.controlPlaneAddresses ?? []);
  return new KubeClient(creds, { ...options, endpoints });
}
