// cairn's bootstrap Job (src/addons/bootstrap.ts) says on itself, as JSON in this annotation, which workloads its
// steps install. Readers below the add-on layer (the twin, which simulates what the steps do) need only this.
export const BOOTSTRAP_INSTALLS_ANNOTATION = "cairn.dev/installs";

export interface InstalledWorkload {
  kind: "Deployment" | "DaemonSet" | "HelmRelease";
  namespace: string;
  name: string;
  /** Its pods run on the host network (they roll out before any CNI). */
  hostNetwork?: boolean;
  /** It is the cluster's CNI: Nodes turn Ready once its pods run on them. */
  cni?: boolean;
  /** Labels its pods carry that others select by (CoreDNS' k8s-app=kube-dns). */
  podLabels?: Record<string, string>;
}

/** The workloads a Job's annotation lists; nothing for a Job without one or with one that is not such a list. */
export function installsOf(annotations: Record<string, unknown> | undefined): InstalledWorkload[] {
  const raw = annotations?.[BOOTSTRAP_INSTALLS_ANNOTATION];
  if (typeof raw !== "string") return [];
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(v)) return [];
  return v.filter(
    (w): w is InstalledWorkload =>
      typeof w === "object" &&
      w !== null &&
      ["Deployment", "DaemonSet", "HelmRelease"].includes(String((w as InstalledWorkload).kind)) &&
      typeof (w as InstalledWorkload).namespace === "string" &&
      typeof (w as InstalledWorkload).name === "string",
  );
}
