// CoreDNS's own chart (coredns/helm, Helm repository https://coredns.github.io/helm), and the helm image the
// bootstrap Job installs it with: Flux's controllers resolve each other through cluster DNS, so CoreDNS must run
// before Flux does.
export const COREDNS_CHART = {
  name: "coredns",
  version: "1.43.0",
  repository: "https://coredns.github.io/helm",
};
export const HELM_IMAGE = "docker.io/alpine/helm:3.18.4";
