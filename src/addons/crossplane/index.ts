// Crossplane and its providers (addons.crossplane).
import type { Addon } from "../types.js";
import { checkCrossplane } from "./checks.js";
import { renderCrossplane } from "./render.js";
import { sections } from "./schema.js";
import { CROSSPLANE_CHART } from "./versions.js";

export const crossplane: Addon = {
  name: "crossplane",
  sections,
  enabled: (spec) => spec.addons.crossplane !== undefined,
  versions: (spec) => [
    { component: "crossplane chart", version: CROSSPLANE_CHART.version, source: CROSSPLANE_CHART.repository },
    ...(spec.addons.crossplane?.providers ?? []).map((p) => ({
      component: `crossplane provider ${p.name}`,
      version: p.package.split(/[:@]/).slice(1).join(":"),
      source: p.package,
    })),
  ],
  check: checkCrossplane,
  render: renderCrossplane,
};
