// ingress-nginx: the ingress controller for addons.ingress type nginx.
import type { Addon } from "../types.js";
import { checkIngressNginx } from "./checks.js";
import { renderIngressNginx } from "./render.js";
import { sections } from "./schema.js";
import { INGRESS_NGINX_CHART } from "./versions.js";

export const ingressNginx: Addon = {
  name: "ingress-nginx",
  sections,
  enabled: (spec) => spec.addons.ingress?.type === "nginx",
  versions: () => [
    {
      component: "ingress-nginx chart",
      version: INGRESS_NGINX_CHART.version,
      source: INGRESS_NGINX_CHART.repository,
    },
  ],
  check: checkIngressNginx,
  render: renderIngressNginx,
};
