// Talos and Kubernetes versions: a Talos minor cairn has a config contract for, and a Kubernetes version inside
// that Talos release's supported window (research/talos.md §8).
import { error, type Finding } from "../../findings.js";
import type { ClusterSpec } from "../schema.js";
import { kubernetesSupported, talosMinor, TALOS_MINORS } from "../../talos/versions.js";

export function checkVersions(spec: ClusterSpec): Finding[] {
  const t = talosMinor(spec.talos.version);
  const supported = `${TALOS_MINORS[0]!.minor}–${TALOS_MINORS.at(-1)!.minor}`;
  if (!t)
    return [
      error(
        "version.talos-unsupported",
        ["talos", "version"],
        `Talos ${spec.talos.version} is not supported; cairn generates configs for Talos ${supported}`,
        `use a release from ${supported}, e.g. v${TALOS_MINORS.at(-1)!.latestPatch}`,
      ),
    ];
  const k = spec.kubernetes.version;
  if (k !== undefined && !kubernetesSupported(t, k))
    return [
      error(
        "version.kubernetes-window",
        ["kubernetes", "version"],
        `Kubernetes ${k.replace(/^v/, "")} is outside the window of Talos ${t.minor}: it supports Kubernetes ${t.kubernetesMin}–${t.kubernetesMax} (default ${t.defaultKubernetes})`,
        `use a Kubernetes ${t.kubernetesMin}–${t.kubernetesMax} release, remove the field for the default ${t.defaultKubernetes}, or change the Talos version`,
      ),
    ];
  return [];
}
