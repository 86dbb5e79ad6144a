// Gateway API: the CRDs (before Cilium starts, or its operator leaves its Gateway controller off) and, for
// addons.ingress type gateway-api, the cluster's Gateway: HTTP and, with tls, HTTPS listeners for the wildcard
// domain, open to routes from every namespace, its address asked of the load balancer, an HTTP→HTTPS redirect,
// and the wildcard Certificate from the named issuer.
import { ciliumReleaseOf } from "../cilium/checks.js";
import { defaultFluxRelease, fluxCliImage } from "../flux/versions.js";
import { namespace } from "../objects.js";
import { kubernetesOf, loadBalancerRequest } from "../spec-facts.js";
import { emptyOutput, type AddonContext, type AddonOutput, type AddonSpecView } from "../types.js";
import { GATEWAY_API_REPOSITORY, gatewayApiInstallUrl } from "./versions.js";

export const GATEWAY_NAMESPACE = "gateway";

export function gatewayApiVersion(spec: AddonSpecView): string {
  return ciliumReleaseOf(spec).release?.gatewayAPI ?? "v1.3.0";
}

/** The flux-cli image carries kubectl; the bootstrap uses the release Flux itself would get. */
export function kubectlImage(spec: AddonSpecView): string {
  return fluxCliImage(spec.addons.gitops?.flux.version ?? defaultFluxRelease(kubernetesOf(spec)).version);
}

export function renderGatewayApi(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const spec = ctx.spec;
  const version = gatewayApiVersion(spec);
  out.bootstrap.push({
    name: "gateway-api-crds",
    order: 10,
    image: kubectlImage(spec),
    // Server-side: the CRDs exceed the annotation size client-side apply needs.
    command: ["kubectl", "apply", "--server-side", "--force-conflicts", "-f", gatewayApiInstallUrl(version)],
  });
  out.objects.push(
    {
      layer: "crds",
      object: {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: { name: "gateway-api", namespace: "flux-system" },
        spec: { interval: "12h", url: GATEWAY_API_REPOSITORY, ref: { tag: version } },
      },
    },
    {
      layer: "crds",
      object: {
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name: "gateway-api-crds", namespace: "flux-system" },
        spec: {
          interval: "1h",
          path: "./config/crd/standard",
          // Never prune CRDs: deleting one deletes every Gateway and route of its kind.
          prune: false,
          wait: true,
          sourceRef: { kind: "GitRepository", name: "gateway-api" },
        },
      },
    },
  );

  const ing = spec.addons.ingress;
  if (ing?.type !== "gateway-api") return out;
  const gw = ing.gatewayName;
  const hostname = ing.domain ? { hostname: `*.${ing.domain}` } : {};
  const fromAll = { allowedRoutes: { namespaces: { from: "All" } } };
  const req = loadBalancerRequest(spec, ing.loadBalancerIP, ing.pool);
  const infrastructure = {
    ...(Object.keys(req.annotations).length ? { annotations: req.annotations } : {}),
    ...(Object.keys(req.labels).length ? { labels: req.labels } : {}),
  };
  const tlsSecret = `${gw}-tls`;
  out.objects.push({ layer: "configs", object: namespace(GATEWAY_NAMESPACE) });
  out.objects.push({
    layer: "configs",
    object: {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: gw, namespace: GATEWAY_NAMESPACE },
      spec: {
        gatewayClassName: ing.className ?? "cilium",
        ...(Object.keys(infrastructure).length ? { infrastructure } : {}),
        listeners: [
          { name: "http", protocol: "HTTP", port: 80, ...hostname, ...fromAll },
          ...(ing.tls
            ? [
                {
                  name: "https",
                  protocol: "HTTPS",
                  port: 443,
                  ...hostname,
                  tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: tlsSecret }] },
                  ...fromAll,
                },
              ]
            : []),
        ],
      },
    },
  });
  if (ing.tls) {
    const issuer = spec.addons.certManager?.issuers.find((i) => i.name === ing.tls!.issuer);
    const step = issuer?.type === "step";
    out.objects.push(
      {
        layer: "configs",
        object: {
          apiVersion: "gateway.networking.k8s.io/v1",
          kind: "HTTPRoute",
          metadata: { name: `${gw}-https-redirect`, namespace: GATEWAY_NAMESPACE },
          spec: {
            parentRefs: [{ name: gw, sectionName: "http" }],
            rules: [
              {
                filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }],
              },
            ],
          },
        },
      },
      {
        layer: "configs",
        object: {
          apiVersion: "cert-manager.io/v1",
          kind: "Certificate",
          metadata: { name: tlsSecret, namespace: GATEWAY_NAMESPACE },
          spec: {
            secretName: tlsSecret,
            dnsNames: [`*.${ing.domain}`, ing.domain!],
            issuerRef: step
              ? { group: "certmanager.step.sm", kind: "StepClusterIssuer", name: ing.tls.issuer }
              : { group: "cert-manager.io", kind: "ClusterIssuer", name: ing.tls.issuer },
          },
        },
      },
    );
  }
  return out;
}
