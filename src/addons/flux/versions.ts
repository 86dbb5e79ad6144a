// Flux releases and the oldest Kubernetes each one supports: `kubernetesConstraints` in cmd/flux/check.go at each
// release tag of fluxcd/flux2 (v2.4.0 ≥1.28, v2.5 ≥1.30, v2.6 ≥1.31, v2.7 ≥1.32, v2.8 and v2.9 ≥1.33). cairn
// installs the newest release whose minimum the cluster meets; the version of each minor is its last patch.
//
// The flux-cli image (alpine with flux and kubectl) installs Flux from the manifests built into that flux binary, so
// the bootstrap downloads nothing but images. Flux then keeps its own installation from the flux-manifests OCI
// artifact of the same release, which every Flux release publishes (the release-flux-manifests job).

export interface FluxRelease {
  version: string;
  kubernetesMin: string;
  /** OCIRepository is v1 from Flux 2.6; older releases serve v1beta2. */
  ociRepositoryApiVersion: "source.toolkit.fluxcd.io/v1" | "source.toolkit.fluxcd.io/v1beta2";
}

export const FLUX_RELEASES: readonly FluxRelease[] = [
  { version: "v2.9.4", kubernetesMin: "1.33", ociRepositoryApiVersion: "source.toolkit.fluxcd.io/v1" },
  { version: "v2.7.5", kubernetesMin: "1.32", ociRepositoryApiVersion: "source.toolkit.fluxcd.io/v1" },
  { version: "v2.6.4", kubernetesMin: "1.31", ociRepositoryApiVersion: "source.toolkit.fluxcd.io/v1" },
  { version: "v2.5.1", kubernetesMin: "1.30", ociRepositoryApiVersion: "source.toolkit.fluxcd.io/v1beta2" },
  { version: "v2.4.0", kubernetesMin: "1.28", ociRepositoryApiVersion: "source.toolkit.fluxcd.io/v1beta2" },
];

/**
 * The components the flux-manifests artifact holds besides the defaults (the `--components-extra` its release job
 * exports: source-watcher from v2.9); the bootstrap installs the same set, so Flux's self-management changes nothing.
 */
const FLUX_EXTRA_COMPONENTS = ["image-reflector-controller", "image-automation-controller", "source-watcher"];
export function fluxExtraComponents(version: string): string[] {
  return compare(version, "2.9") >= 0
    ? FLUX_EXTRA_COMPONENTS
    : FLUX_EXTRA_COMPONENTS.filter((c) => c !== "source-watcher");
}

export const FLUX_MANIFESTS_OCI = "oci://ghcr.io/fluxcd/flux-manifests";
export const fluxCliImage = (version: string) => `ghcr.io/fluxcd/flux-cli:${withV(version)}`;

const withV = (v: string) => (v.startsWith("v") ? v : `v${v}`);
function compare(a: string, b: string): number {
  const [a1, a2] = a.replace(/^v/, "").split(".").map(Number);
  const [b1, b2] = b.replace(/^v/, "").split(".").map(Number);
  return a1! - b1! || a2! - b2!;
}

export function fluxRelease(version: string): FluxRelease | undefined {
  return FLUX_RELEASES.find((r) => compare(r.version, version) === 0);
}

/** The newest Flux that supports this Kubernetes; the oldest cairn knows when none does (validate refuses it). */
export function defaultFluxRelease(kubernetes: string): FluxRelease {
  return FLUX_RELEASES.find((r) => compare(kubernetes, r.kubernetesMin) >= 0) ?? FLUX_RELEASES.at(-1)!;
}

export function fluxSupports(r: FluxRelease, kubernetes: string): boolean {
  return compare(kubernetes, r.kubernetesMin) >= 0;
}
