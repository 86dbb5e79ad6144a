// Charts cairn does not model (addons.charts): installed through Flux the same way as every other add-on's.
import type { Addon } from "../types.js";
import { checkCharts } from "./checks.js";
import { chartName, renderCharts } from "./render.js";
import { sections } from "./schema.js";

export const charts: Addon = {
  name: "charts",
  sections,
  enabled: (spec) => (spec.addons.charts?.length ?? 0) > 0,
  versions: (spec) =>
    (spec.addons.charts ?? []).map((c) => ({
      component: `${chartName(c) ?? c.name} chart (${c.name})`,
      version: c.version,
      source: c.repository,
    })),
  check: checkCharts,
  render: renderCharts,
};
