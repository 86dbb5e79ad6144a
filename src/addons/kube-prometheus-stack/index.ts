// kube-prometheus-stack: Prometheus, Alertmanager, node-exporter, the control-plane scrapes Talos needs patched for,
// and Grafana, optionally on a load-balancer address (addons.observability prometheus / grafana).
import type { Addon } from "../types.js";
import { checkKubePrometheusStack } from "./checks.js";
import { renderKubePrometheusStack } from "./render.js";
import { sections } from "./schema.js";
import { KUBE_PROMETHEUS_STACK_CHART } from "./versions.js";

export const kubePrometheusStack: Addon = {
  name: "kube-prometheus-stack",
  sections,
  enabled: (spec) => {
    const o = spec.addons.observability;
    return o !== undefined && (o.prometheus || o.grafana !== false);
  },
  versions: () => [
    {
      component: "kube-prometheus-stack chart",
      version: KUBE_PROMETHEUS_STACK_CHART.version,
      source: KUBE_PROMETHEUS_STACK_CHART.repository,
    },
  ],
  check: checkKubePrometheusStack,
  render: renderKubePrometheusStack,
};
