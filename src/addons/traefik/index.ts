// Traefik: the ingress controller for addons.ingress type traefik.
import type { Addon } from "../types.js";
import { checkTraefik } from "./checks.js";
import { renderTraefik } from "./render.js";
import { sections } from "./schema.js";
import { TRAEFIK_CHART } from "./versions.js";

export const traefik: Addon = {
  name: "traefik",
  sections,
  enabled: (spec) => spec.addons.ingress?.type === "traefik",
  versions: () => [
    { component: "traefik chart", version: TRAEFIK_CHART.version, source: TRAEFIK_CHART.repository },
  ],
  check: checkTraefik,
  render: renderTraefik,
};
