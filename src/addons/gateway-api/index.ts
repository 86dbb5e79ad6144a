// Gateway API: its CRDs (addons.cni.gatewayAPI) and the cluster's Gateway (addons.ingress type gateway-api).
import type { Addon } from "../types.js";
import { checkGatewayApi } from "./checks.js";
import { gatewayApiVersion, kubectlImage, renderGatewayApi } from "./render.js";
import { sections } from "./schema.js";
import { GATEWAY_API_REPOSITORY } from "./versions.js";

export const gatewayApi: Addon = {
  name: "gateway-api",
  sections,
  enabled: (spec) =>
    (spec.addons.cni?.type === "cilium" && spec.addons.cni.gatewayAPI === true) ||
    spec.addons.ingress?.type === "gateway-api",
  versions: (spec) => [
    {
      component: "Gateway API CRDs (standard)",
      version: gatewayApiVersion(spec),
      source: GATEWAY_API_REPOSITORY,
    },
    {
      component: "kubectl (bootstrap, flux-cli image)",
      version: kubectlImage(spec).split(":")[1]!,
      source: kubectlImage(spec),
    },
  ],
  check: checkGatewayApi,
  render: renderGatewayApi,
};
