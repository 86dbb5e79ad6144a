// sealed-secrets, External Secrets Operator and the Secrets Store CSI driver (addons.secrets).
import type { Addon, PinnedVersion } from "../types.js";
import { checkSecrets } from "./checks.js";
import { renderSecrets } from "./render.js";
import { sections } from "./schema.js";
import {
  EXTERNAL_SECRETS_CHART,
  SEALED_SECRETS_CHART,
  SECRETS_STORE_CSI_CHART,
  VAULT_CHART,
} from "./versions.js";

const pin = (c: { name: string; version: string; repository: string }): PinnedVersion => ({
  component: `${c.name} chart`,
  version: c.version,
  source: c.repository,
});

export const secrets: Addon = {
  name: "secrets",
  sections,
  enabled: (spec) => {
    const s = spec.addons.secrets;
    return s !== undefined && (s.sealedSecrets || !!s.externalSecrets || !!s.secretsStore);
  },
  versions: (spec) => {
    const s = spec.addons.secrets;
    return [
      ...(s?.sealedSecrets ? [pin(SEALED_SECRETS_CHART)] : []),
      ...(s?.externalSecrets ? [pin(EXTERNAL_SECRETS_CHART)] : []),
      ...(s?.secretsStore ? [pin(SECRETS_STORE_CSI_CHART), pin(VAULT_CHART)] : []),
    ];
  },
  check: checkSecrets,
  render: renderSecrets,
};
