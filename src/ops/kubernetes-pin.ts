// The Kubernetes version a cluster keeps when cairn.yaml does not pin one. Without `kubernetes.version` the spec
// means "the Talos release's default", and that default moves with every Talos minor: bumping talos.version
// would silently move Kubernetes a minor as a plain config change, outside `upgrade kubernetes`'s ordering. So
// cairn records the version a cluster was built with (and each `upgrade kubernetes` since) in its state, and an
// unpinned spec means that version; only an explicit spec change or `cairn upgrade kubernetes` moves it.
import type { Model } from "../clusterspec/model.js";
import { readAppliedConfig, type CairnState } from "./state.js";
import { componentVersions } from "./upgrade-kubernetes/images.js";

/** State section: the Kubernetes version the cluster runs, as cairn last set it. */
export const KUBERNETES_SECTION = "kubernetes";

export interface KubernetesRecord {
  version: string;
  at: string;
  /** What set it: the apply that built (or last changed) the cluster, or an `upgrade kubernetes`. */
  by: "apply" | "upgrade kubernetes";
}

/**
 * The recorded version; for a cluster built before cairn kept the record, the API server version in the config
 * cairn last applied to a control plane (what it was built with), as a hint.
 */
export function recordedKubernetes(state: CairnState, appliedDir: string): string | undefined {
  const rec = state[KUBERNETES_SECTION] as Partial<KubernetesRecord> | undefined;
  if (typeof rec?.version === "string") return rec.version;
  for (const [name, n] of Object.entries(state.nodes)) {
    if (n.role !== "controlplane" || n.stage !== "running") continue;
    const text = readAppliedConfig(appliedDir, name);
    const v = text ? componentVersions(text).apiServer : undefined;
    if (v) return v;
  }
  return undefined;
}

/** The model with the recorded Kubernetes version when the spec pins none (and a line saying so). */
export function pinKubernetes(model: Model, recorded: string | undefined): { model: Model; notice?: string } {
  if (model.spec.kubernetes.version !== undefined || !recorded || recorded === model.kubernetesVersion)
    return { model };
  return {
    model: { ...model, kubernetesVersion: recorded },
    notice:
      `kubernetes.version is not set in cairn.yaml: cairn keeps Kubernetes ${recorded}, the version this cluster runs ` +
      `(Talos ${model.talosVersion}'s default would be ${model.kubernetesVersion}); \`cairn upgrade kubernetes --to X\` moves it`,
  };
}

export function recordKubernetes(
  update: (mutate: (s: CairnState) => void) => unknown,
  version: string,
  by: KubernetesRecord["by"],
): void {
  update((s) => {
    s[KUBERNETES_SECTION] = { version, at: new Date().toISOString(), by } satisfies KubernetesRecord;
  });
}
