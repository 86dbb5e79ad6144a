// Traefik needs nothing the shared ingress checks (clusterspec pools checks: pool and address) do not cover.
import type { Finding } from "../../findings.js";
import type { AddonSpecView } from "../types.js";

export function checkTraefik(_spec: AddonSpecView): Finding[] {
  return [];
}
