// Flux objects the tree builder makes from the add-ons' chart releases and from the layer list: a chart source
// (OCIRepository for oci:// charts, HelmRepository otherwise), a HelmRelease per release, and one Kustomization
// per layer, each waiting for the one before.
import type { ChartRelease, K8sObject, Layer } from "../addons/types.js";

export const FLUX_NAMESPACE = "flux-system";
const HELM_CHART_MEDIA_TYPE = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

const isOci = (r: ChartRelease) => r.chart.repository.startsWith("oci://");

export function chartSource(r: ChartRelease, ociApiVersion: string): K8sObject {
  if (isOci(r))
    return {
      apiVersion: ociApiVersion,
      kind: "OCIRepository",
      metadata: { name: r.name, namespace: r.namespace },
      spec: {
        interval: "12h",
        url: r.chart.repository,
        ref: { tag: r.chart.version },
        // The chart archive itself, not the whole OCI artifact.
        layerSelector: { mediaType: HELM_CHART_MEDIA_TYPE, operation: "copy" },
      },
    };
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "HelmRepository",
    metadata: { name: r.name, namespace: r.namespace },
    spec: { interval: "12h", url: r.chart.repository },
  };
}

export function helmRelease(r: ChartRelease, all: readonly ChartRelease[]): K8sObject {
  const deps = r.dependsOn.map((name) => {
    const d = all.find((x) => x.name === name);
    if (!d) throw new Error(`release ${r.name} depends on ${name}, which is not rendered`);
    return { name: d.name, namespace: d.namespace };
  });
  // CRDs ship with the charts: created and kept up to date with them (Flux applies them server-side).
  const lifecycle = { crds: "CreateReplace", remediation: { retries: 3 } };
  return {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name: r.name, namespace: r.namespace },
    spec: {
      interval: "1h",
      releaseName: r.name,
      ...(isOci(r)
        ? { chartRef: { kind: "OCIRepository", name: r.name } }
        : {
            chart: {
              spec: {
                chart: r.chart.name,
                version: r.chart.version,
                sourceRef: { kind: "HelmRepository", name: r.name },
                interval: "12h",
              },
            },
          }),
      install: { ...lifecycle, remediation: { ...lifecycle.remediation } },
      upgrade: { ...lifecycle, remediation: { ...lifecycle.remediation } },
      ...(deps.length ? { dependsOn: deps } : {}),
      values: r.values,
    },
  };
}

/** One Flux Kustomization per layer, in order; each waits for the previous layer to be applied and healthy. */
export function layerKustomizations(root: string, layers: readonly Layer[]): K8sObject[] {
  return layers.map((layer, i) => ({
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: layer, namespace: FLUX_NAMESPACE },
    spec: {
      interval: "10m",
      retryInterval: "1m",
      timeout: "10m",
      path: `./${root}/${layer}`,
      prune: true,
      // Ready means applied and healthy, so the next layer finds the CRDs and webhooks it needs.
      wait: true,
      sourceRef: { kind: "GitRepository", name: FLUX_NAMESPACE },
      ...(i > 0 ? { dependsOn: [{ name: layers[i - 1]! }] } : {}),
    },
  }));
}
