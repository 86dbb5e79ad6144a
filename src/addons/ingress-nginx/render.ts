// ingress-nginx as the ingress controller: the IngressClass (the default), `replicas` controllers spread over
// nodes (kept off the control planes with placement: workers), and a LoadBalancer Service that asks the cluster's
// load balancer for the spec's address.
import { namespace } from "../objects.js";
import { loadBalancerRequest, offControlPlanes } from "../spec-facts.js";
import { emptyOutput, type AddonContext, type AddonOutput } from "../types.js";
import { INGRESS_NGINX_CHART } from "./versions.js";

const INGRESS_NGINX_NAMESPACE = "ingress-nginx";

function ingressNginxValues(ctx: AddonContext): Record<string, unknown> {
  const ing = ctx.spec.addons.ingress!;
  const cls = ing.className ?? "nginx";
  const req = loadBalancerRequest(ctx.spec, ing.loadBalancerIP, ing.pool);
  const spread = {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            topologyKey: "kubernetes.io/hostname",
            labelSelector: {
              matchLabels: {
                "app.kubernetes.io/name": "ingress-nginx",
                "app.kubernetes.io/component": "controller",
              },
            },
          },
        },
      ],
    },
  };
  return {
    controller: {
      replicaCount: ing.replicas,
      ingressClass: cls,
      ingressClassResource: { name: cls, default: true },
      service: {
        type: "LoadBalancer",
        ...(Object.keys(req.annotations).length ? { annotations: req.annotations } : {}),
        ...(Object.keys(req.labels).length ? { labels: req.labels } : {}),
      },
      affinity: ing.placement === "workers" ? { ...offControlPlanes, ...spread } : spread,
    },
  };
}

export function renderIngressNginx(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  out.objects.push({ layer: "controllers", object: namespace(INGRESS_NGINX_NAMESPACE) });
  out.releases.push({
    name: "ingress-nginx",
    namespace: INGRESS_NGINX_NAMESPACE,
    chart: { ...INGRESS_NGINX_CHART },
    values: ingressNginxValues(ctx),
    dependsOn: ctx.spec.addons.cni?.type === "cilium" ? ["cilium"] : [],
  });
  return out;
}
