// cairn-managed CoreDNS (addons.coredns): the cluster's DNS from the CoreDNS chart, Talos' own CoreDNS disabled.
import type { Addon } from "../types.js";
import { checkCoredns } from "./checks.js";
import { renderCoredns } from "./render.js";
import { sections } from "./schema.js";
import { COREDNS_CHART, HELM_IMAGE } from "./versions.js";

export const coredns: Addon = {
  name: "coredns",
  sections,
  enabled: (spec) => spec.addons.coredns !== undefined,
  versions: () => [
    { component: "coredns chart", version: COREDNS_CHART.version, source: COREDNS_CHART.repository },
    { component: "helm (bootstrap)", version: HELM_IMAGE.split(":")[1]!, source: HELM_IMAGE },
  ],
  check: checkCoredns,
  render: renderCoredns,
};
