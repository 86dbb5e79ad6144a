// Pinned Cilium releases and what each one pairs with. Facts, with their sources:
// - Kubernetes: the versions each release is e2e-tested against (Documentation/network/kubernetes/compatibility.rst
//   at v1.18.14: 1.30–1.33; at v1.19.3: 1.32–1.35). Cilium says others "depend on Kubernetes' compatibility", so
//   outside the window is a warning, not an error.
// - Gateway API: the CRD release each Cilium minor implements (v1.3.0 for 1.18, v1.4.1 for 1.19). The Gateway
//   API CRDs must exist before the operator starts, which is why the bootstrap step installs them first.
// - Cilium 1.19 crashes when Gateway API is on and the experimental TLSRoute CRD is missing (cilium#44920); cairn
//   installs the standard channel only, so it pairs Gateway API with 1.18 and refuses 1.19 + gatewayAPI.
// - Talos: KubePrism (localhost:7445, which every cairn Cilium install talks to) exists from Talos 1.6; Cilium
//   1.18+ needs Linux ≥ 5.10, and every Talos release cairn supports (1.9–1.13) ships a newer kernel.
// - LB IPAM pools are served as cilium.io/v2 from 1.18 (v2alpha1 deprecated in 1.19); L2 announcement policies are
//   still cilium.io/v2alpha1.

export interface CiliumRelease {
  version: string;
  /** Kubernetes minors the release is e2e-tested with, inclusive. */
  kubernetes: { min: string; max: string };
  gatewayAPI: string;
  /** Oldest Talos minor that has what this release needs (KubePrism). */
  talosMin: string;
  /** Gateway API needs CRDs beyond the standard channel (see above). */
  gatewayAPIStandardOnly: boolean;
  lbPoolApiVersion: "cilium.io/v2" | "cilium.io/v2alpha1";
}

export const CILIUM_RELEASES: readonly CiliumRelease[] = [
  {
    version: "1.18.14",
    kubernetes: { min: "1.30", max: "1.33" },
    gatewayAPI: "v1.3.0",
    talosMin: "1.6",
    gatewayAPIStandardOnly: true,
    lbPoolApiVersion: "cilium.io/v2",
  },
  {
    version: "1.19.4",
    kubernetes: { min: "1.32", max: "1.35" },
    gatewayAPI: "v1.4.1",
    talosMin: "1.6",
    gatewayAPIStandardOnly: false,
    lbPoolApiVersion: "cilium.io/v2",
  },
];

/** The cilium-cli release the bootstrap step runs (`cilium install` with Helm underneath). */
export const CILIUM_CLI_IMAGE = "quay.io/cilium/cilium-cli:v0.19.7";
/** The chart, as an OCI artifact (Flux) and as a Helm repository (cilium-cli's default source). */
export const CILIUM_CHART_OCI = "oci://quay.io/cilium/charts/cilium";
export const CILIUM_HELM_REPOSITORY = "https://helm.cilium.io";

const minorOf = (v: string) => v.replace(/^v/, "").split(".").slice(0, 2).join(".");
export const compareMinor = (a: string, b: string): number => {
  const [a1, a2] = minorOf(a).split(".").map(Number);
  const [b1, b2] = minorOf(b).split(".").map(Number);
  return a1! - b1! || a2! - b2!;
};

export function ciliumRelease(version: string): CiliumRelease | undefined {
  return CILIUM_RELEASES.find((r) => minorOf(r.version) === minorOf(version));
}

export function testedWith(r: CiliumRelease, kubernetes: string): boolean {
  return compareMinor(kubernetes, r.kubernetes.min) >= 0 && compareMinor(kubernetes, r.kubernetes.max) <= 0;
}

/**
 * The release cairn installs when the spec names none: the newest one tested with the cluster's Kubernetes that
 * supports the features asked for, else the newest that supports them (validate then warns that it is untested).
 */
export function defaultCiliumRelease(kubernetes: string, gatewayAPI: boolean): CiliumRelease {
  const usable = CILIUM_RELEASES.filter((r) => !gatewayAPI || r.gatewayAPIStandardOnly);
  const byAge = [...usable].sort((a, b) => compareMinor(a.version, b.version));
  const tested = byAge.filter((r) => testedWith(r, kubernetes));
  if (tested.length) return tested.at(-1)!;
  // Untested: a Kubernetes newer than every window gets the newest release, an older one the oldest.
  const newer = byAge.every((r) => compareMinor(kubernetes, r.kubernetes.max) > 0);
  return newer ? byAge.at(-1)! : byAge[0]!;
}
