// Charts of the secrets add-on, each from its project's Helm repository.
export const SEALED_SECRETS_CHART = {
  name: "sealed-secrets",
  version: "2.17.9",
  repository: "https://bitnami-labs.github.io/sealed-secrets",
};
export const EXTERNAL_SECRETS_CHART = {
  name: "external-secrets",
  version: "2.5.0",
  repository: "https://charts.external-secrets.io",
};
export const SECRETS_STORE_CSI_CHART = {
  name: "secrets-store-csi-driver",
  version: "1.5.4",
  repository: "https://kubernetes-sigs.github.io/secrets-store-csi-driver/charts",
};
/** HashiCorp's vault chart with only its CSI provider enabled. */
export const VAULT_CHART = {
  name: "vault",
  version: "0.31.0",
  repository: "https://helm.releases.hashicorp.com",
};
