// The OpenTelemetry Collector chart (open-telemetry/opentelemetry-helm-charts) and the contrib distribution of the
// collector, which holds the kubeletstats, filelog and k8sattributes components the chart's presets use.
export const OTEL_COLLECTOR_CHART = {
  name: "opentelemetry-collector",
  version: "0.130.0",
  repository: "https://open-telemetry.github.io/opentelemetry-helm-charts",
};
export const OTEL_COLLECTOR_IMAGE = "otel/opentelemetry-collector-contrib";
