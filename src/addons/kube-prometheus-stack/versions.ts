// kube-prometheus-stack from the prometheus-community Helm repository (the chart the seeds install by hand).
export const KUBE_PROMETHEUS_STACK_CHART = {
  name: "kube-prometheus-stack",
  version: "77.0.0",
  repository: "https://prometheus-community.github.io/helm-charts",
};
