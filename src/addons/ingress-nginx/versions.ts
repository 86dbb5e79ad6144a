// The community ingress-nginx chart. The project was retired (announced 2025-11-11, best-effort maintenance ended
// March 2026): no further releases or CVE fixes, so validate warns whoever picks it.
export const INGRESS_NGINX_CHART = {
  name: "ingress-nginx",
  version: "4.13.0",
  repository: "https://kubernetes.github.io/ingress-nginx",
};
