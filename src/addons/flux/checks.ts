// Flux: a release that supports the cluster's Kubernetes, a repository URL Flux can clone, and a tree path inside
// the repository. Without addons.gitops the add-ons are still rendered into <out>/gitops, but nothing applies them.
import { error, warning, type Finding } from "../../findings.js";
import { kubernetesOf } from "../spec-facts.js";
import type { AddonSpecView } from "../types.js";
import { FLUX_RELEASES, defaultFluxRelease, fluxRelease, fluxSupports } from "./versions.js";

const P = ["addons", "gitops", "flux"] as const;

export function checkFlux(spec: AddonSpecView): Finding[] {
  const g = spec.addons.gitops?.flux;
  const out: Finding[] = [];
  const k8s = kubernetesOf(spec);
  if (!g) {
    const a = spec.addons;
    const rendered = ["loadBalancer", "ingress", "certManager", "etcdBackup"].filter(
      (k) => (a as Record<string, unknown>)[k] !== undefined,
    );
    if (rendered.length || a.cni?.type === "cilium")
      out.push(
        warning(
          "addons.no-gitops",
          ["addons"],
          `no addons.gitops: ${rendered.length ? `${rendered.join(", ")} ${rendered.length === 1 ? "is" : "are"} rendered into <out>/gitops, but nothing applies ${rendered.length === 1 ? "it" : "them"}` : "Cilium is installed at bootstrap, but nothing keeps it up to date afterwards"}`,
          "add addons.gitops.flux with the repository you commit <out>/gitops to",
        ),
      );
    return out;
  }
  if (g.version) {
    const r = fluxRelease(g.version);
    if (!r)
      out.push(
        error(
          "addons.flux-version",
          [...P, "version"],
          `cairn has no facts for Flux ${g.version}; it knows ${FLUX_RELEASES.map((x) => x.version).join(", ")}`,
          "pick one of those minors, or remove version for the default",
        ),
      );
    else if (!fluxSupports(r, k8s))
      out.push(
        error(
          "addons.flux-kubernetes",
          [...P, "version"],
          `Flux ${g.version} needs Kubernetes ${r.kubernetesMin} or newer; this cluster runs ${k8s}`,
          `remove version to get Flux ${defaultFluxRelease(k8s).version}, or pin an older Flux`,
        ),
      );
  } else if (!fluxSupports(defaultFluxRelease(k8s), k8s))
    out.push(
      error(
        "addons.flux-kubernetes",
        ["kubernetes", "version"],
        `no Flux release cairn knows supports Kubernetes ${k8s} (the oldest, ${FLUX_RELEASES.at(-1)!.version}, needs ${FLUX_RELEASES.at(-1)!.kubernetesMin})`,
        "use a newer Kubernetes",
      ),
    );
  if (/^[\w.-]+@[\w.-]+:/.test(g.url))
    out.push(
      error(
        "addons.flux-url",
        [...P, "url"],
        `Flux does not accept scp-style Git URLs like ${g.url}`,
        `write it as ssh://${g.url.replace(":", "/")}`,
      ),
    );
  else if (!/^(https?|ssh):\/\/[^/]+\/.+/.test(g.url))
    out.push(
      error(
        "addons.flux-url",
        [...P, "url"],
        `${g.url} is not a Git URL Flux can clone`,
        "use https://host/org/repo or ssh://git@host/org/repo",
      ),
    );
  if (g.path !== undefined && (g.path.startsWith("/") || g.path.split("/").includes("..")))
    out.push(
      error(
        "addons.flux-path",
        [...P, "path"],
        `path ${g.path} must be a folder inside the repository`,
        "write it relative to the repository root, e.g. clusters/main",
      ),
    );
  return out;
}
