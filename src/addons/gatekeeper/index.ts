// OPA Gatekeeper and the required-labels policy (addons.policy).
import type { Addon } from "../types.js";
import { checkGatekeeper } from "./checks.js";
import { renderGatekeeper } from "./render.js";
import { sections } from "./schema.js";
import { GATEKEEPER_CHART } from "./versions.js";

export const gatekeeper: Addon = {
  name: "gatekeeper",
  sections,
  enabled: (spec) => spec.addons.policy !== undefined,
  versions: () => [
    { component: "gatekeeper chart", version: GATEKEEPER_CHART.version, source: GATEKEEPER_CHART.repository },
  ],
  check: checkGatekeeper,
  render: renderGatekeeper,
};
