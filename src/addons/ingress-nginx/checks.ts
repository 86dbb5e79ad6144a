// ingress-nginx still works, but it gets no more fixes upstream.
import { warning, type Finding } from "../../findings.js";
import type { AddonSpecView } from "../types.js";

export function checkIngressNginx(spec: AddonSpecView): Finding[] {
  if (spec.addons.ingress?.type !== "nginx") return [];
  return [
    warning(
      "addons.ingress-nginx-retired",
      ["addons", "ingress", "type"],
      "ingress-nginx was retired upstream in March 2026: no further releases or security fixes",
      "plan a move to type: traefik or gateway-api",
    ),
  ];
}
