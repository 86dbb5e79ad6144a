// The add-on contract. An add-on is a folder under src/addons/<name>/ with the same files as its siblings
// (schema.ts, versions.ts, checks.ts, render.ts, index.ts) and one line in registry.ts. It declares the part of
// the model it reads (AddonContext below; the cluster Model satisfies it structurally, so add-ons never import the
// cluster spec, render, ops or cli), checks its section, and renders data: Kubernetes objects for the GitOps tree,
// Helm chart releases for Flux, steps for the bootstrap Job, and Talos config patches. Nothing here touches disk.
import type { z } from "zod";
import type { Finding } from "../findings.js";
import type { AddonsSpec } from "./schema.js";

export type Role = "controlplane" | "worker";

/** A Kubernetes object as plain data. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
};

/** The spec as the add-ons see it: what `cairn validate` checks and `render` reads. ClusterSpec satisfies it. */
export interface AddonSpecView {
  name: string;
  talos: { version: string };
  kubernetes: {
    version?: string | undefined;
    podSubnets: string[];
    serviceSubnets: string[];
    dnsDomain: string;
    allowSchedulingOnControlPlanes: boolean;
    podBlocks?: { size: number } | undefined;
  };
  controlPlane: {
    vip?: { address: string; type: "talos" | "kube-vip"; network?: string | undefined } | undefined;
  };
  networks: Record<string, { cidr: string; carries: readonly string[] }>;
  provider: { type: string };
  nodes: readonly {
    name: string;
    role: Role;
    interfaces: readonly {
      network: string;
      name?: string | undefined;
      mac?: string | undefined;
      deviceSelector?: object | undefined;
      address: string;
    }[];
  }[];
  addons: AddonsSpec;
}

/** What render reads: the checked spec plus the resolved facts (pinned versions, planned addresses). */
export interface AddonContext {
  spec: AddonSpecView;
  name: string;
  /** Talos machine-config contract, e.g. "1.11". */
  contract: string;
  talosVersion: string;
  /** Pinned Kubernetes version without the leading v, e.g. "1.34.1". */
  kubernetesVersion: string;
  endpoint: { url: string; host: string; port: number };
  nodes: readonly {
    name: string;
    role: Role;
    address: string | undefined;
    interfaces: readonly { network: string; address: string | undefined; link: { name?: string } }[];
  }[];
}

/** The Flux layers, applied in this order (each Kustomization depends on the one before). */
export const LAYERS = ["crds", "controllers", "configs", "tenants"] as const;
export type Layer = (typeof LAYERS)[number];

/** A Helm chart Flux installs: the gitops builder turns it into a source (OCIRepository/HelmRepository) and a HelmRelease. */
export interface ChartRelease {
  /** HelmRelease and Helm release name, e.g. "cilium". */
  name: string;
  /** Namespace of the release (the HelmRelease and its source live there too). */
  namespace: string;
  chart: {
    name: string;
    version: string;
    /** oci:// URL of the chart itself (OCIRepository), or https:// URL of a Helm repository index. */
    repository: string;
  };
  /** The exact values Helm gets; the bootstrap step installs with the same object where it installs the chart. */
  values: Record<string, unknown>;
  /** Other releases (by name) that must be ready first. */
  dependsOn: string[];
}

/** One container of the bootstrap Job, which runs once on a control plane before any CNI exists. */
export interface BootstrapStep {
  /** Container name, also the order key (steps run in ascending `order`). */
  name: string;
  order: number;
  image: string;
  command: string[];
  /** Files the step reads, mounted read-only from the bootstrap ConfigMap at /etc/cairn-bootstrap/<key>. */
  files?: Record<string, string>;
  /** Extra environment; KUBERNETES_SERVICE_HOST/PORT always point at KubePrism. */
  env?: Record<string, string>;
}

/** A strategic-merge patch of the v1alpha1 machine-config document for the nodes it names. */
export interface TalosPatch {
  /** Which nodes get it. */
  roles: readonly Role[];
  /** Why: shown in `cairn render --output json` and in tests. */
  reason: string;
  patch: Record<string, unknown>;
}

/** Objects Talos applies itself at bootstrap (cluster.inlineManifests on control planes). */
export interface InlineManifest {
  name: string;
  objects: K8sObject[];
}

export interface AddonOutput {
  /** Plain objects for the GitOps tree, by layer; "flux-system" holds Flux's own sources and sync. */
  objects: { layer: "flux-system" | Exclude<Layer, "tenants">; object: K8sObject }[];
  releases: ChartRelease[];
  bootstrap: BootstrapStep[];
  inlineManifests: InlineManifest[];
  talosPatches: TalosPatch[];
  /** What the user must do that cairn cannot (Secrets to create, DNS records), one line each. */
  notes: string[];
}

export interface PinnedVersion {
  /** What is pinned, e.g. "cilium chart". */
  component: string;
  version: string;
  /** Where it comes from (registry, repository URL). */
  source: string;
}

export interface Addon {
  /** Folder name, e.g. "cilium". */
  readonly name: string;
  /** Spec sections this add-on owns, keyed by their name under `addons:`. */
  readonly sections: Readonly<Record<string, z.ZodType>>;
  /** Is it part of this cluster? */
  enabled(spec: AddonSpecView): boolean;
  /** What it would install for this spec (charts and images), for `cairn validate` and the docs. */
  versions(spec: AddonSpecView): PinnedVersion[];
  /** Rules on the spec; runs for every spec, so an add-on can also refuse combinations with others. */
  check(spec: AddonSpecView): Finding[];
  /** Pure: the same context gives equal output. Only called when enabled. */
  render(ctx: AddonContext): AddonOutput;
}

export function emptyOutput(): AddonOutput {
  return { objects: [], releases: [], bootstrap: [], inlineManifests: [], talosPatches: [], notes: [] };
}
