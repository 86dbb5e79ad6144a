// The Kubernetes side of the rolling upgrades' plans: a `gate` (check "kubernetes", the sweep of `cairn health`)
// after each control plane (behind its etcd gate for Talos) and after the last node, and what a Talos upgrade's
// node detail says about its drain. (Each node's own wait — Ready again, uncordoned — happens inside its upgrade
// action, so a worker wave holds at most --max-unavailable nodes out of Kubernetes.) Pure.
import type { Action } from "../engine/types.js";
import { upgradeApiFor, upgradeDrainDecision } from "./drain-policy.js";

/** Adds `gate:kubernetes-after:<node>` (or `gate:kubernetes` at the end) after `dependsOn`; returns its id. */
export function kubernetesGateAfter(
  actions: Action[],
  node: string | undefined,
  dependsOn: string[],
  controlPlanes: string[],
  timeoutMs: number,
): string {
  const id = node ? `gate:kubernetes-after:${node}` : "gate:kubernetes";
  actions.push({
    id,
    kind: "gate",
    ...(node ? { node } : {}),
    title: node
      ? `Kubernetes healthy with ${node} back: every node Ready, control-plane pods, CoreDNS`
      : "Kubernetes healthy after the upgrade: every node Ready, control-plane pods, CoreDNS, no cordon left",
    dependsOn,
    params: { check: "kubernetes", ...(node ? { node } : {}), controlPlanes },
    timeoutMs,
  });
  return id;
}

/** Who drains the node (per its running version and the API cairn will use for it), for `cairn plan`. */
export function drainDetail(from: string | undefined): string[] {
  if (!from) return ["Kubernetes: decided when the node answers (resuming)"];
  const d = upgradeDrainDecision(from, upgradeApiFor(from));
  return [`Kubernetes: ${d.why}; afterwards the node must be Ready again before the next one`];
}
