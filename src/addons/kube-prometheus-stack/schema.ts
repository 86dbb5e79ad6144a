// The spec sections of the kube-prometheus-stack add-on. It implements addons.observability (prometheus, grafana)
// with the OpenTelemetry collector add-on; it owns no section of its own.
export const sections = {};
