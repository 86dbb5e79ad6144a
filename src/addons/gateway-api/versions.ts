// The Gateway API CRDs (standard channel) come in the release the Cilium release implements (cilium/versions.ts),
// from kubernetes-sigs/gateway-api: the release's standard-install.yaml at bootstrap, the same tag's
// config/crd/standard folder through Flux afterwards.
export const GATEWAY_API_REPOSITORY = "https://github.com/kubernetes-sigs/gateway-api";
export const gatewayApiInstallUrl = (version: string) =>
  `${GATEWAY_API_REPOSITORY}/releases/download/${version}/standard-install.yaml`;
