// Rules for addons.cni: Cilium-only settings refused on other CNIs (flannel cannot replace kube-proxy), settings that
// need one another, and the version table (Cilium ↔ Gateway API ↔ Kubernetes ↔ Talos).
import { error, warning, type Finding } from "../../findings.js";
import { cidrContainsIp, parseCidr } from "../../net/ip.js";
import { kubernetesOf } from "../spec-facts.js";
import type { AddonSpecView } from "../types.js";
import { CILIUM_ONLY_FIELDS } from "./schema.js";
import {
  CILIUM_RELEASES,
  ciliumRelease,
  compareMinor,
  defaultCiliumRelease,
  testedWith,
  type CiliumRelease,
} from "./versions.js";

const P = ["addons", "cni"] as const;

/** The Cilium release a spec gets: its own pin, else the table's choice. */
export function ciliumReleaseOf(spec: AddonSpecView): {
  release: CiliumRelease | undefined;
  version: string;
} {
  const cni = spec.addons.cni;
  if (cni?.version) return { release: ciliumRelease(cni.version), version: cni.version };
  const r = defaultCiliumRelease(
    kubernetesOf(spec),
    cni?.gatewayAPI === true || spec.addons.ingress?.type === "gateway-api",
  );
  return { release: r, version: r.version };
}

export function checkCilium(spec: AddonSpecView): Finding[] {
  const cni = spec.addons.cni;
  const out: Finding[] = [];
  const lb = spec.addons.loadBalancer;

  if (lb?.type === "cilium" && cni?.type !== "cilium")
    out.push(
      error(
        "addons.cilium-lb-without-cilium",
        ["addons", "loadBalancer", "type"],
        `load balancer type cilium needs Cilium as the CNI, but addons.cni.type is ${cni?.type ?? "flannel (the default)"}`,
        "set addons.cni.type: cilium, or use type: metallb",
      ),
    );
  if (!cni) return out;

  if (cni.type !== "cilium") {
    if (cni.kubeProxyReplacement === true && cni.type === "flannel")
      out.push(
        error(
          "addons.flannel-kube-proxy-replacement",
          [...P, "kubeProxyReplacement"],
          "flannel does not replace kube-proxy: with kubeProxyReplacement true Talos runs no kube-proxy, and nothing would route Service traffic",
          "use type: cilium for kube-proxy replacement, or remove kubeProxyReplacement to keep kube-proxy",
        ),
      );
    for (const f of CILIUM_ONLY_FIELDS) {
      if (cni[f] === undefined || f === "kubeProxyReplacement") continue;
      out.push(
        error(
          "addons.cni-cilium-only",
          [...P, f],
          `${f} is a Cilium setting, but addons.cni.type is ${cni.type}: it would be ignored`,
          `set type: cilium, or remove ${f}`,
        ),
      );
    }
    return out;
  }

  const kpr = cni.kubeProxyReplacement === true;
  const native = cni.routing === "native";

  // Version table.
  const { release, version } = ciliumReleaseOf(spec);
  const k8s = kubernetesOf(spec);
  if (cni.version && !release)
    out.push(
      error(
        "addons.cilium-version",
        [...P, "version"],
        `cairn has no facts for Cilium ${cni.version}; it pairs these releases: ${CILIUM_RELEASES.map((r) => r.version).join(", ")}`,
        "pick one of those (any patch of their minor works), or remove version for the default",
      ),
    );
  if (release) {
    const at = cni.version ? [...P, "version"] : [...P, "type"];
    if (!testedWith(release, k8s))
      out.push(
        warning(
          "addons.cilium-kubernetes-untested",
          at,
          `Cilium ${version} is e2e-tested with Kubernetes ${release.kubernetes.min}–${release.kubernetes.max}, not ${k8s}; it may work, but untested`,
          CILIUM_RELEASES.some((r) => testedWith(r, k8s))
            ? `Cilium ${CILIUM_RELEASES.filter((r) => testedWith(r, k8s))
                .map((r) => r.version)
                .join(" or ")} is tested with ${k8s}`
            : "cairn knows no Cilium release tested with this Kubernetes",
        ),
      );
    if (compareMinor(spec.talos.version, release.talosMin) < 0)
      out.push(
        error(
          "addons.cilium-talos",
          ["talos", "version"],
          `Cilium on Talos needs KubePrism, which Talos ${release.talosMin} introduced; this cluster runs Talos ${spec.talos.version}`,
          `use Talos ${release.talosMin} or newer`,
        ),
      );
    const gateway = cni.gatewayAPI === true || spec.addons.ingress?.type === "gateway-api";
    if (gateway && !release.gatewayAPIStandardOnly)
      out.push(
        error(
          "addons.cilium-gateway-api-version",
          [...P, cni.version ? "version" : "gatewayAPI"],
          `Cilium ${version} with Gateway API needs the experimental TLSRoute CRD (cilium#44920), and cairn installs the Gateway API standard channel`,
          `use Cilium ${CILIUM_RELEASES.filter((r) => r.gatewayAPIStandardOnly)
            .map((r) => r.version)
            .join(" or ")} for Gateway API`,
        ),
      );
  }

  // Settings that need one another.
  if (cni.tunnelProtocol !== undefined && native)
    out.push(
      error(
        "addons.cilium-tunnel-protocol",
        [...P, "tunnelProtocol"],
        "tunnelProtocol is for routing: tunnel, but routing is native",
        "remove tunnelProtocol",
      ),
    );
  if (cni.nativeRoutingCIDR !== undefined && !native)
    out.push(
      error(
        "addons.cilium-native-cidr",
        [...P, "nativeRoutingCIDR"],
        "nativeRoutingCIDR only applies with routing: native",
        "set routing: native, or remove nativeRoutingCIDR",
      ),
    );
  if (cni.autoDirectNodeRoutes !== undefined && !native)
    out.push(
      error(
        "addons.cilium-direct-routes",
        [...P, "autoDirectNodeRoutes"],
        "autoDirectNodeRoutes only applies with routing: native",
        "set routing: native, or remove autoDirectNodeRoutes",
      ),
    );
  if (native) {
    const routed = cni.nativeRoutingCIDR ?? spec.kubernetes.podSubnets[0];
    const rc = routed ? parseCidr(routed) : "syntax";
    if (cni.nativeRoutingCIDR !== undefined && typeof rc === "string")
      out.push(
        error(
          "addons.cilium-native-cidr",
          [...P, "nativeRoutingCIDR"],
          `nativeRoutingCIDR ${cni.nativeRoutingCIDR} is not a CIDR`,
          "write it like 10.244.0.0/16",
        ),
      );
    else if (typeof rc !== "string")
      spec.kubernetes.podSubnets.forEach((s, i) => {
        const pc = parseCidr(s);
        if (typeof pc === "string" || pc.family !== rc.family) return;
        const inside = pc.prefix >= rc.prefix && cidrContainsIp(rc, { family: pc.family, value: pc.base });
        if (!inside)
          out.push(
            error(
              "addons.cilium-native-cidr",
              cni.nativeRoutingCIDR !== undefined
                ? [...P, "nativeRoutingCIDR"]
                : ["kubernetes", "podSubnets", i],
              `pod subnet ${s} is not inside the natively routed CIDR ${routed}: pods outside it would be masqueraded or unreachable`,
              "make nativeRoutingCIDR cover every pod subnet",
            ),
          );
      });
  }
  if (cni.loadBalancerMode === "dsr") {
    if (!kpr)
      out.push(
        error(
          "addons.cilium-dsr",
          [...P, "loadBalancerMode"],
          "loadBalancerMode dsr is a kube-proxy replacement feature",
          "set kubeProxyReplacement: true, or use snat",
        ),
      );
    if (!native)
      out.push(
        error(
          "addons.cilium-dsr",
          [...P, "loadBalancerMode"],
          "loadBalancerMode dsr needs routing: native (the reply leaves the backend node directly, without a tunnel)",
          "set routing: native, or use snat",
        ),
      );
  }
  if (cni.gatewayAPI === true && !kpr)
    out.push(
      error(
        "addons.cilium-gateway-kpr",
        [...P, "gatewayAPI"],
        "Cilium's Gateway API needs its kube-proxy replacement",
        "set kubeProxyReplacement: true",
      ),
    );
  const l2 = cni.l2Announcements ?? (lb?.type === "cilium" && lb.mode === "l2");
  if (l2 && !kpr)
    out.push(
      error(
        "addons.cilium-l2-kpr",
        cni.l2Announcements !== undefined ? [...P, "l2Announcements"] : ["addons", "loadBalancer", "type"],
        "Cilium's L2 announcements need its kube-proxy replacement",
        "set addons.cni.kubeProxyReplacement: true",
      ),
    );
  if (lb?.type === "cilium" && lb.mode === "l2" && cni.l2Announcements === false)
    out.push(
      error(
        "addons.cilium-l2-off",
        [...P, "l2Announcements"],
        "the load balancer is Cilium in L2 mode, but l2Announcements is false: no node would answer ARP for the pool addresses",
        "remove l2Announcements (it follows the load balancer), or use another load balancer",
      ),
    );
  if (cni.encryption === "ipsec")
    out.push(
      error(
        "addons.cilium-ipsec",
        [...P, "encryption"],
        "IPsec needs a key Secret that cairn does not render yet",
        "use encryption: wireguard (no keys to manage), or none",
      ),
    );
  return out;
}
