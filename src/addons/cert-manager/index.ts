// cert-manager: TLS certificates and the cluster's issuers (addons.certManager).
import type { Addon } from "../types.js";
import { checkCertManager } from "./checks.js";
import { renderCertManager } from "./render.js";
import { sections } from "./schema.js";
import { CERT_MANAGER_CHART, STEP_ISSUER_CHART } from "./versions.js";

export const certManager: Addon = {
  name: "cert-manager",
  sections,
  enabled: (spec) => spec.addons.certManager !== undefined,
  versions: (spec) => [
    {
      component: "cert-manager chart",
      version: CERT_MANAGER_CHART.version,
      source: CERT_MANAGER_CHART.repository,
    },
    ...((spec.addons.certManager?.issuers ?? []).some((i) => i.type === "step")
      ? [
          {
            component: "step-issuer chart",
            version: STEP_ISSUER_CHART.version,
            source: STEP_ISSUER_CHART.repository,
          },
        ]
      : []),
  ],
  check: checkCertManager,
  render: renderCertManager,
};
