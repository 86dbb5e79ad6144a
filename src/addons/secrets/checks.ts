// A ClusterSecretStore is rendered for vault and openbao only; the settings would be ignored for another provider,
// and a vault/openbao provider without them leaves the operator with no store (which the notes say).
import { error, type Finding } from "../../findings.js";
import type { AddonSpecView } from "../types.js";

export const VAULT_PROVIDERS = ["vault", "openbao"];

export function checkSecrets(spec: AddonSpecView): Finding[] {
  const es = spec.addons.secrets?.externalSecrets;
  const out: Finding[] = [];
  if (es?.vault && !VAULT_PROVIDERS.includes(es.provider))
    out.push(
      error(
        "addons.external-secrets-vault",
        ["addons", "secrets", "externalSecrets", "vault"],
        `vault settings apply to the vault and openbao providers, not ${es.provider}: they would be ignored`,
        "remove vault, or set provider: vault / openbao",
      ),
    );
  if (es?.storeName && !es.vault)
    out.push(
      error(
        "addons.external-secrets-store",
        ["addons", "secrets", "externalSecrets", "storeName"],
        "storeName names the ClusterSecretStore cairn renders, and without vault settings it renders none",
        "add vault settings, or remove storeName",
      ),
    );
  return out;
}
