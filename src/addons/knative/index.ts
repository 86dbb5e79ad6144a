// Knative Serving and Eventing through the Knative Operator (addons.serverless).
import type { Addon } from "../types.js";
import { checkKnative } from "./checks.js";
import { renderKnative } from "./render.js";
import { sections } from "./schema.js";
import { KNATIVE_OPERATOR_CHART } from "./versions.js";

export const knative: Addon = {
  name: "knative",
  sections,
  enabled: (spec) => spec.addons.serverless !== undefined,
  versions: () => [
    {
      component: "knative-operator chart",
      version: KNATIVE_OPERATOR_CHART.version,
      source: KNATIVE_OPERATOR_CHART.repository,
    },
  ],
  check: checkKnative,
  render: renderKnative,
};
