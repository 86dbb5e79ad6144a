// MetalLB: LoadBalancer addresses from addons.loadBalancer pools, announced by ARP (type metallb, mode l2).
import type { Addon } from "../types.js";
import { checkMetallb } from "./checks.js";
import { renderMetallb } from "./render.js";
import { sections } from "./schema.js";
import { METALLB_CHART } from "./versions.js";

export const metallb: Addon = {
  name: "metallb",
  sections,
  enabled: (spec) => spec.addons.loadBalancer?.type === "metallb",
  versions: () => [
    { component: "metallb chart", version: METALLB_CHART.version, source: METALLB_CHART.repository },
  ],
  check: checkMetallb,
  render: renderMetallb,
};
