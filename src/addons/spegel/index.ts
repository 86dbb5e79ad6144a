// Spegel: a peer-to-peer image mirror on every node (addons.spegel), so a node pulls from its peers first.
import type { Addon } from "../types.js";
import { checkSpegel } from "./checks.js";
import { renderSpegel } from "./render.js";
import { sections } from "./schema.js";
import { SPEGEL_CHART } from "./versions.js";

export const spegel: Addon = {
  name: "spegel",
  sections,
  enabled: (spec) => spec.addons.spegel !== undefined,
  versions: () => [
    { component: "spegel chart", version: SPEGEL_CHART.version, source: SPEGEL_CHART.repository },
  ],
  check: checkSpegel,
  render: renderSpegel,
};
