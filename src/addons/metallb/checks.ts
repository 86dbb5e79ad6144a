// MetalLB and Cilium must not both announce load-balancer addresses: both would assign status.loadBalancer and
// both would answer ARP (research: "Do not run MetalLB and Cilium LB IPAM/L2 together").
import { error, warning, type Finding } from "../../findings.js";
import type { AddonSpecView } from "../types.js";

export function checkMetallb(spec: AddonSpecView): Finding[] {
  const lb = spec.addons.loadBalancer;
  const cni = spec.addons.cni;
  const out: Finding[] = [];
  if (lb?.type === "kube-vip" || lb?.type === "hcloud")
    out.push(
      warning(
        "addons.not-rendered",
        ["addons", "loadBalancer", "type"],
        `load balancer type ${lb.type} is checked but not installed yet: cairn renders nothing for it`,
        "use metallb or cilium to have cairn install the load balancer",
      ),
    );
  if (lb?.type !== "metallb") return out;
  if (cni?.type === "cilium" && cni.l2Announcements === true)
    out.push(
      error(
        "addons.metallb-with-cilium-lb",
        ["addons", "cni", "l2Announcements"],
        "MetalLB and Cilium's L2 announcements would both answer ARP for the same LoadBalancer addresses",
        "pick one: remove l2Announcements (MetalLB announces), or set addons.loadBalancer.type: cilium",
      ),
    );
  if (lb.mode === "bgp")
    out.push(
      error(
        "addons.lb-bgp",
        ["addons", "loadBalancer", "mode"],
        "BGP mode needs peers (ASNs, router addresses), which cairn's spec does not describe yet",
        "use mode: l2, or install the BGP configuration yourself",
      ),
    );
  return out;
}
