// Crossplane from its stable Helm repository.
export const CROSSPLANE_CHART = {
  name: "crossplane",
  version: "2.2.1",
  repository: "https://charts.crossplane.io/stable",
};
