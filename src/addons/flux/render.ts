// Flux: installed by the bootstrap Job (flux-cli's `flux install`, from the manifests inside that binary) together
// with the sync objects `flux bootstrap` would commit — a GitRepository for the spec's repository and a
// Kustomization for the tree's folder. From then on Flux applies the tree, including Flux itself: the flux-system
// folder holds an OCIRepository of the same release's flux-manifests artifact and a Kustomization that applies it,
// so bumping the pinned release upgrades Flux through Git (Talos never updates objects it created).
import { BOOTSTRAP_FILES } from "../bootstrap.js";
import { toYamlDocuments } from "../manifest-yaml.js";
import { kubernetesOf } from "../spec-facts.js";
import {
  emptyOutput,
  type AddonContext,
  type AddonOutput,
  type AddonSpecView,
  type K8sObject,
} from "../types.js";
import {
  FLUX_MANIFESTS_OCI,
  defaultFluxRelease,
  fluxCliImage,
  fluxExtraComponents,
  fluxRelease,
  type FluxRelease,
} from "./versions.js";

export const FLUX_NAMESPACE = "flux-system";

/** The tree's folder in the repository, without leading ./ or trailing slash. */
export function gitopsPath(spec: AddonSpecView): string {
  return (spec.addons.gitops?.flux.path ?? `clusters/${spec.name}`)
    .replace(/^(\.\/|\/)+/, "")
    .replace(/\/+$/, "");
}

/** The Flux release and the exact version the cluster gets. */
export function fluxOf(spec: AddonSpecView): { release: FluxRelease; version: string } {
  const pinned = spec.addons.gitops?.flux.version;
  const release = (pinned && fluxRelease(pinned)) || defaultFluxRelease(kubernetesOf(spec));
  const version = pinned ? (pinned.startsWith("v") ? pinned : `v${pinned}`) : release.version;
  return { release, version };
}

function fluxSyncObjects(spec: AddonSpecView): K8sObject[] {
  const g = spec.addons.gitops!.flux;
  const ssh = g.url.startsWith("ssh://");
  const secret = g.secretName ?? (ssh ? "flux-system" : undefined);
  return [
    {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "flux-system", namespace: FLUX_NAMESPACE },
      spec: {
        interval: g.interval,
        url: g.url,
        ref: { branch: g.branch },
        ...(secret ? { secretRef: { name: secret } } : {}),
      },
    },
    {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "flux-system", namespace: FLUX_NAMESPACE },
      spec: {
        interval: "10m",
        path: `./${gitopsPath(spec)}`,
        prune: true,
        sourceRef: { kind: "GitRepository", name: "flux-system" },
      },
    },
  ];
}

function fluxComponentObjects(spec: AddonSpecView): K8sObject[] {
  const { release, version } = fluxOf(spec);
  return [
    {
      apiVersion: release.ociRepositoryApiVersion,
      kind: "OCIRepository",
      metadata: { name: "flux-manifests", namespace: FLUX_NAMESPACE },
      spec: { interval: "12h", url: FLUX_MANIFESTS_OCI, ref: { tag: version } },
    },
    {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "flux-components", namespace: FLUX_NAMESPACE },
      spec: {
        interval: "1h",
        path: "./",
        prune: true,
        // Not waiting: this Kustomization rolls out the controller that applies it.
        wait: false,
        sourceRef: { kind: "OCIRepository", name: "flux-manifests" },
      },
    },
  ];
}

export function renderFlux(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const spec = ctx.spec;
  const g = spec.addons.gitops!.flux;
  const { version } = fluxOf(spec);
  const sync = fluxSyncObjects(spec);
  for (const object of [...fluxComponentObjects(spec), ...sync])
    out.objects.push({ layer: "flux-system", object });
  const extra = fluxExtraComponents(version);
  out.bootstrap.push({
    name: "flux",
    order: 30,
    image: fluxCliImage(version),
    command: [
      "/bin/sh",
      "-ec",
      [
        `flux install --components-extra=${extra.join(",")} --cluster-domain=${spec.kubernetes.dnsDomain}`,
        `kubectl apply --server-side -f ${BOOTSTRAP_FILES}/flux-sync.yaml`,
      ].join("\n"),
    ],
    files: { "flux-sync.yaml": toYamlDocuments(sync) },
  });
  out.notes.push(
    `commit <out>/gitops to ${g.url} (branch ${g.branch}) at ${gitopsPath(spec)}/: Flux applies it from there`,
  );
  const secret = (sync[0]!.spec as { secretRef?: { name: string } }).secretRef?.name;
  if (secret)
    out.notes.push(
      `create the Secret ${FLUX_NAMESPACE}/${secret} with the Git credentials (ssh: identity, identity.pub, known_hosts; https: username, password)`,
    );
  return out;
}
