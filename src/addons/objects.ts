// Small object builders several add-ons share.
import type { K8sObject } from "./types.js";

/**
 * Marks the namespaces the platform's components run in: cluster-wide workload policies (Gatekeeper's
 * constraints) select namespaces without it, so they govern what users deploy, not the platform itself.
 */
export const PLATFORM_LABEL = "cairn.dev/platform";

/**
 * A platform Namespace; `privileged` lifts Talos' default Pod Security level (baseline) for components that need
 * host access, such as MetalLB's speakers.
 */
export function namespace(name: string, opts: { privileged?: boolean } = {}): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: {
        [PLATFORM_LABEL]: "true",
        ...(opts.privileged
          ? {
              "pod-security.kubernetes.io/enforce": "privileged",
              "pod-security.kubernetes.io/audit": "privileged",
              "pod-security.kubernetes.io/warn": "privileged",
            }
          : {}),
      },
    },
  };
}
