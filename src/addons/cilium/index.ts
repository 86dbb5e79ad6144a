// Cilium: the CNI (addons.cni type cilium, or `none` for a CNI you bring), LB IPAM pools and L2 announcements
// (addons.loadBalancer type cilium), Hubble, WireGuard, and the Gateway API implementation.
import type { Addon } from "../types.js";
import { checkCilium, ciliumReleaseOf } from "./checks.js";
import { renderCilium } from "./render.js";
import { sections } from "./schema.js";
import { CILIUM_CHART_OCI, CILIUM_CLI_IMAGE } from "./versions.js";

export const cilium: Addon = {
  name: "cilium",
  sections,
  enabled: (spec) => spec.addons.cni?.type === "cilium" || spec.addons.cni?.type === "none",
  versions: (spec) =>
    spec.addons.cni?.type === "cilium"
      ? [
          { component: "cilium chart", version: ciliumReleaseOf(spec).version, source: CILIUM_CHART_OCI },
          {
            component: "cilium-cli (bootstrap)",
            version: CILIUM_CLI_IMAGE.split(":")[1]!,
            source: CILIUM_CLI_IMAGE,
          },
        ]
      : [],
  check: checkCilium,
  render: renderCilium,
};
