// Spegel's chart, published as an OCI artifact by spegel-org (ghcr.io/spegel-org/helm-charts/spegel).
export const SPEGEL_CHART = {
  name: "spegel",
  version: "0.6.0",
  repository: "oci://ghcr.io/spegel-org/helm-charts/spegel",
};
