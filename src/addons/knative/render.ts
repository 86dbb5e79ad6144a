// The Knative Operator (chart) in the controllers layer; KnativeServing and KnativeEventing in the configs layer,
// once the operator's CRDs exist. Serving's networking: net-gateway-api on the cluster's Gateway when the ingress
// is gateway-api (Cilium serves it, which makes Kourier redundant), else Kourier. Scale to zero and the domain go
// through the operator's `config` overrides of Knative's ConfigMaps (config-autoscaler, config-domain,
// config-network, config-gateway).
import { GATEWAY_NAMESPACE } from "../gateway-api/render.js";
import { namespace } from "../objects.js";
import { emptyOutput, type AddonContext, type AddonOutput } from "../types.js";
import { KNATIVE_OPERATOR_CHART } from "./versions.js";

export const KNATIVE_OPERATOR_NAMESPACE = "knative-operator";
export const KNATIVE_SERVING_NAMESPACE = "knative-serving";
export const KNATIVE_EVENTING_NAMESPACE = "knative-eventing";
const GATEWAY_INGRESS_CLASS = "gateway-api.ingress.networking.knative.dev";
const KOURIER_INGRESS_CLASS = "kourier.ingress.networking.knative.dev";

export function renderKnative(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const spec = ctx.spec;
  const k = spec.addons.serverless!.knative;
  const ing = spec.addons.ingress;
  out.objects.push({ layer: "controllers", object: namespace(KNATIVE_OPERATOR_NAMESPACE) });
  out.releases.push({
    name: "knative-operator",
    namespace: KNATIVE_OPERATOR_NAMESPACE,
    chart: { ...KNATIVE_OPERATOR_CHART },
    values: {},
    dependsOn: spec.addons.cni?.type === "cilium" ? ["cilium"] : [],
  });
  if (k.serving) {
    const viaGateway = ing?.type === "gateway-api";
    const domain = k.domain ?? ing?.domain;
    const gatewayClass = ing?.className ?? "cilium";
    const gatewayRef = `${GATEWAY_NAMESPACE}/${ing?.gatewayName ?? "main-gateway"}`;
    // Cilium serves a Gateway through the Service cilium-gateway-<name> in the Gateway's namespace.
    const gatewayService = `${GATEWAY_NAMESPACE}/cilium-gateway-${ing?.gatewayName ?? "main-gateway"}`;
    const gatewayEntry = `- class: ${gatewayClass}\n  gateway: ${gatewayRef}\n  service: ${gatewayService}\n`;
    const config: Record<string, Record<string, string>> = {
      autoscaler: { "enable-scale-to-zero": String(k.scaleToZero) },
      network: { "ingress-class": viaGateway ? GATEWAY_INGRESS_CLASS : KOURIER_INGRESS_CLASS },
      ...(domain ? { domain: { [domain]: "" } } : {}),
      ...(viaGateway
        ? { gateway: { "external-gateways": gatewayEntry, "local-gateways": gatewayEntry } }
        : {}),
    };
    out.objects.push({ layer: "controllers", object: namespace(KNATIVE_SERVING_NAMESPACE) });
    out.objects.push({
      layer: "configs",
      object: {
        apiVersion: "operator.knative.dev/v1beta1",
        kind: "KnativeServing",
        metadata: { name: "knative-serving", namespace: KNATIVE_SERVING_NAMESPACE },
        spec: {
          ingress: viaGateway
            ? { "gateway-api": { enabled: true }, kourier: { enabled: false }, istio: { enabled: false } }
            : { kourier: { enabled: true, "service-type": "LoadBalancer" }, istio: { enabled: false } },
          config,
        },
      },
    });
  }
  if (k.eventing) {
    out.objects.push({ layer: "controllers", object: namespace(KNATIVE_EVENTING_NAMESPACE) });
    out.objects.push({
      layer: "configs",
      object: {
        apiVersion: "operator.knative.dev/v1beta1",
        kind: "KnativeEventing",
        metadata: { name: "knative-eventing", namespace: KNATIVE_EVENTING_NAMESPACE },
        spec: { defaultBrokerClass: "MTChannelBasedBroker" },
      },
    });
  }
  return out;
}
