// Flux: syncs the rendered GitOps tree from the spec's repository (addons.gitops) and keeps itself up to date.
import type { Addon } from "../types.js";
import { checkFlux } from "./checks.js";
import { fluxOf, renderFlux } from "./render.js";
import { sections } from "./schema.js";
import { FLUX_MANIFESTS_OCI, fluxCliImage } from "./versions.js";

export const flux: Addon = {
  name: "flux",
  sections,
  enabled: (spec) => spec.addons.gitops !== undefined,
  versions: (spec) => [
    { component: "flux", version: fluxOf(spec).version, source: FLUX_MANIFESTS_OCI },
    {
      component: "flux-cli (bootstrap)",
      version: fluxOf(spec).version,
      source: fluxCliImage(fluxOf(spec).version),
    },
  ],
  check: checkFlux,
  render: renderFlux,
};
