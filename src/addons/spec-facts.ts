// Facts several add-ons derive from the spec the same way: the effective Kubernetes version, the cluster's shape,
// which CNI and load balancer are in play, and how a Service asks for a fixed load-balancer address.
import { talosMinor } from "../talos/versions.js";
import type { AddonSpecView, TalosPatch } from "./types.js";

/** The Kubernetes version the cluster runs: the spec's, else the Talos release's default (no leading v). */
export function kubernetesOf(spec: AddonSpecView): string {
  return (spec.kubernetes.version ?? talosMinor(spec.talos.version)?.defaultKubernetes ?? "0.0.0").replace(
    /^v/,
    "",
  );
}

/** No workers: every node is a control plane, so load-balancer addresses can only be announced from one. */
const allControlPlanes = (spec: AddonSpecView) =>
  spec.nodes.length > 0 && spec.nodes.every((n) => n.role === "controlplane");

/** Which implementation hands out LoadBalancer addresses (and answers ARP for them), if any cairn renders. */
function loadBalancerImpl(spec: AddonSpecView): "metallb" | "cilium" | undefined {
  const t = spec.addons.loadBalancer?.type;
  return t === "metallb" || t === "cilium" ? t : undefined;
}

/** Label that lets a Service draw from a Cilium pool that does not hand out addresses on its own (autoAssign: false). */
export const CILIUM_POOL_LABEL = "lb.cairn.dev/pool";

/**
 * How a Service asks for a fixed address (and pool): annotations, plus labels for Cilium's selector-only pools.
 * Empty when no load balancer cairn renders is in play.
 */
export function loadBalancerRequest(
  spec: AddonSpecView,
  ip: string | undefined,
  pool: string | undefined,
): { annotations: Record<string, string>; labels: Record<string, string> } {
  const impl = loadBalancerImpl(spec);
  const annotations: Record<string, string> = {};
  const labels: Record<string, string> = {};
  if (impl === "metallb") {
    if (ip) annotations["metallb.io/loadBalancerIPs"] = ip;
    if (pool) annotations["metallb.io/address-pool"] = pool;
  } else if (impl === "cilium") {
    if (ip) annotations["lbipam.cilium.io/ips"] = ip;
    if (pool) labels[CILIUM_POOL_LABEL] = pool;
  }
  return { annotations, labels };
}

const EXCLUDE_FROM_EXTERNAL_LB = "node.kubernetes.io/exclude-from-external-load-balancers";

/** The role label Talos (like kubeadm) puts on control-plane nodes. */
export const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";

/** Pods that must stay off control planes (ingress `placement: workers`). */
export const offControlPlanes = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: CONTROL_PLANE_LABEL, operator: "DoesNotExist" }] }],
    },
  },
};

/**
 * Talos labels every control plane node.kubernetes.io/exclude-from-external-load-balancers (contracts ≥ 1.8), and
 * MetalLB and Cilium's L2 announcer skip such nodes. On a cluster of control planes only, no node would then
 * announce any pool: the rendered control-plane configs leave the label out. Talos removes a label it set earlier
 * once its config no longer has it. Undefined when the cluster has workers or no L2/BGP load balancer.
 */
export function excludeFromLoadBalancersPatch(spec: AddonSpecView): TalosPatch | undefined {
  if (!loadBalancerImpl(spec) || !allControlPlanes(spec)) return undefined;
  return {
    roles: ["controlplane"],
    reason: `every node is a control plane: drop ${EXCLUDE_FROM_EXTERNAL_LB} so ${loadBalancerImpl(spec)} can announce load-balancer addresses`,
    patch: { machine: { nodeLabels: { [EXCLUDE_FROM_EXTERNAL_LB]: { $patch: "delete" } } } },
  };
}
