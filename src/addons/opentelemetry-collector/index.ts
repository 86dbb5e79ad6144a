// An OpenTelemetry collector on every node (addons.observability.otel): pod logs, kubelet metrics and the apps' own
// OTLP, exported over OTLP to an external collector or gateway.
import type { Addon } from "../types.js";
import { checkOtelCollector } from "./checks.js";
import { renderOtelCollector } from "./render.js";
import { sections } from "./schema.js";
import { OTEL_COLLECTOR_CHART } from "./versions.js";

export const opentelemetryCollector: Addon = {
  name: "opentelemetry-collector",
  sections,
  enabled: (spec) => spec.addons.observability?.otel !== undefined,
  versions: () => [
    {
      component: "opentelemetry-collector chart",
      version: OTEL_COLLECTOR_CHART.version,
      source: OTEL_COLLECTOR_CHART.repository,
    },
  ],
  check: checkOtelCollector,
  render: renderOtelCollector,
};
