// kube-vip announces the API address by ARP on one link, named the same on every control plane (the DaemonSet has
// one configuration for all of them).
import { error, type Finding } from "../../findings.js";
import { cidrContainsIp, parseCidr, parseIp } from "../../net/ip.js";
import type { AddonSpecView } from "../types.js";

/** The network the VIP floats on: the one named, else the one containing it. */
export function vipNetwork(spec: AddonSpecView): string | undefined {
  const vip = spec.controlPlane.vip;
  if (!vip) return undefined;
  if (vip.network) return vip.network;
  const ip = parseIp(vip.address);
  return Object.keys(spec.networks).find((n) => {
    const c = parseCidr(spec.networks[n]!.cidr);
    return ip && typeof c !== "string" && cidrContainsIp(c, ip);
  });
}

/** Each control plane's link on the VIP network, as Talos names it (a lone unnamed link is eth<index>). */
export function vipLinks(spec: AddonSpecView): { node: string; index: number; link: string | undefined }[] {
  const net = vipNetwork(spec);
  const out: { node: string; index: number; link: string | undefined }[] = [];
  spec.nodes.forEach((n, index) => {
    if (n.role !== "controlplane") return;
    const k = n.interfaces.findIndex((i) => i.network === net);
    if (k < 0) return;
    const i = n.interfaces[k]!;
    out.push({ node: n.name, index, link: i.name ?? (i.mac || i.deviceSelector ? undefined : `eth${k}`) });
  });
  return out;
}

export function checkKubeVip(spec: AddonSpecView): Finding[] {
  if (spec.controlPlane.vip?.type !== "kube-vip") return [];
  const links = vipLinks(spec);
  const unnamed = links.find((l) => l.link === undefined);
  if (unnamed)
    return [
      error(
        "addons.kube-vip-link",
        ["nodes", unnamed.index, "interfaces"],
        `kube-vip announces the VIP on a link it finds by name, but control plane "${unnamed.node}" picks its link by MAC or selector`,
        "give the control planes' interface on the VIP network a name (e.g. eth0)",
      ),
    ];
  const names = [...new Set(links.map((l) => l.link))];
  if (names.length > 1)
    return [
      error(
        "addons.kube-vip-link",
        ["controlPlane", "vip"],
        `kube-vip runs one configuration on every control plane, but their links on the VIP network differ: ${links.map((l) => `${l.node}=${l.link}`).join(", ")}`,
        "name the link the same on every control plane, or use type: talos",
      ),
    ];
  return [];
}
