// Traefik as the ingress controller: its IngressClass (the default), the IngressRoute CRDs (traefik.io/v1alpha1,
// installed by the chart) and a LoadBalancer Service that asks the cluster's load balancer for the spec's address.
import { namespace } from "../objects.js";
import { loadBalancerRequest, offControlPlanes } from "../spec-facts.js";
import { emptyOutput, type AddonContext, type AddonOutput } from "../types.js";
import { TRAEFIK_CHART } from "./versions.js";

const TRAEFIK_NAMESPACE = "traefik";

function traefikValues(ctx: AddonContext): Record<string, unknown> {
  const ing = ctx.spec.addons.ingress!;
  const req = loadBalancerRequest(ctx.spec, ing.loadBalancerIP, ing.pool);
  return {
    deployment: { replicas: ing.replicas },
    ingressClass: { enabled: true, isDefaultClass: true, name: ing.className ?? "traefik" },
    providers: { kubernetesCRD: { enabled: true }, kubernetesIngress: { enabled: true } },
    service: {
      type: "LoadBalancer",
      ...(Object.keys(req.annotations).length ? { annotations: req.annotations } : {}),
      ...(Object.keys(req.labels).length ? { labels: req.labels } : {}),
    },
    ...(ing.placement === "workers" ? { affinity: offControlPlanes } : {}),
  };
}

export function renderTraefik(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  out.objects.push({ layer: "controllers", object: namespace(TRAEFIK_NAMESPACE) });
  out.releases.push({
    name: "traefik",
    namespace: TRAEFIK_NAMESPACE,
    chart: { ...TRAEFIK_CHART },
    values: traefikValues(ctx),
    dependsOn: ctx.spec.addons.cni?.type === "cilium" ? ["cilium"] : [],
  });
  return out;
}
