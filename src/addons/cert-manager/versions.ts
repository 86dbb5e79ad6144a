// cert-manager from Jetstack's Helm repository, and step-issuer (smallstep's issuer for step-ca) from smallstep's.
export const CERT_MANAGER_CHART = {
  name: "cert-manager",
  version: "v1.21.0",
  repository: "https://charts.jetstack.io",
};
export const STEP_ISSUER_CHART = {
  name: "step-issuer",
  version: "1.10.2",
  repository: "https://smallstep.github.io/helm-charts",
};
