// Charts cairn does not model (addons.charts): installed through Flux the same way as every other add-on's.
import type { Addon } from "../types.js";
import { checkCharts } from "./checks.js";
import { renderCharts } from "./render.js";
import { sections } from "./schema.js";
import { chartPins } from "./versions.js";

export const charts: Addon = {
  name: "charts",
  sections,
  enabled: (spec) => (spec.addons.charts?.length ?? 0) > 0,
  versions: chartPins,
  check: checkCharts,
  render: renderCharts,
};
