// Small object builders several add-ons share.
import type { K8sObject } from "./types.js";

/**
 * A Namespace; `privileged` lifts Talos' default Pod Security level (baseline) for components that need host
 * access, such as MetalLB's speakers.
 */
export function namespace(name: string, opts: { privileged?: boolean } = {}): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      ...(opts.privileged
        ? {
            labels: {
              "pod-security.kubernetes.io/enforce": "privileged",
              "pod-security.kubernetes.io/audit": "privileged",
              "pod-security.kubernetes.io/warn": "privileged",
            },
          }
        : {}),
    },
  };
}
