// The spec sections of the opentelemetry-collector add-on. It implements addons.observability.otel; it owns no
// section of its own.
export const sections = {};
