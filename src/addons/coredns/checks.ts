// The DNS Service takes the address Talos gives the kubelets as their cluster DNS: the 10th of the first service
// subnet, which must exist.
import { error, type Finding } from "../../findings.js";
import type { AddonSpecView } from "../types.js";
import { dnsServiceIP } from "./render.js";

export function checkCoredns(spec: AddonSpecView): Finding[] {
  if (!spec.addons.coredns) return [];
  if (dnsServiceIP(spec)) return [];
  return [
    error(
      "addons.coredns-service-ip",
      ["kubernetes", "serviceSubnets"],
      "CoreDNS's Service needs the 10th address of the first service subnet, and there is none",
      "give kubernetes.serviceSubnets a subnet of at least 16 addresses",
    ),
  ];
}
