// Traefik's chart from its Helm repository (the seed's `helm repo add traefik https://traefik.github.io/charts`);
// chart 41.3.0 ships Traefik v3.7.11 and the traefik.io/v1alpha1 CRDs (IngressRoute, Middleware, …).
export const TRAEFIK_CHART = {
  name: "traefik",
  version: "41.3.0",
  repository: "https://traefik.github.io/charts",
};
