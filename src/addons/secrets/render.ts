// sealed-secrets in kube-system under the name kubeseal looks for (sealed-secrets-controller); External Secrets
// Operator with a ClusterSecretStore for Vault/OpenBao (Kubernetes auth: no static token in the tree); the Secrets
// Store CSI driver with the Vault CSI provider. Both CSI parts share a providers directory under /var/run, which is
// writable on Talos (/etc/kubernetes, the Vault chart's default, is not).
import { namespace } from "../objects.js";
import { emptyOutput, type AddonContext, type AddonOutput } from "../types.js";
import { VAULT_PROVIDERS } from "./checks.js";
import {
  EXTERNAL_SECRETS_CHART,
  SEALED_SECRETS_CHART,
  SECRETS_STORE_CSI_CHART,
  VAULT_CHART,
} from "./versions.js";

export const EXTERNAL_SECRETS_NAMESPACE = "external-secrets";
const KUBE_SYSTEM = "kube-system";
const PROVIDERS_DIR = "/var/run/secrets-store-csi-providers";

export function renderSecrets(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const spec = ctx.spec;
  const s = spec.addons.secrets!;
  const cni = spec.addons.cni?.type === "cilium" ? ["cilium"] : [];
  if (s.sealedSecrets)
    out.releases.push({
      name: "sealed-secrets",
      namespace: KUBE_SYSTEM,
      chart: { ...SEALED_SECRETS_CHART },
      values: { fullnameOverride: "sealed-secrets-controller" },
      dependsOn: cni,
    });
  const es = s.externalSecrets;
  if (es) {
    out.objects.push({ layer: "controllers", object: namespace(EXTERNAL_SECRETS_NAMESPACE) });
    out.releases.push({
      name: "external-secrets",
      namespace: EXTERNAL_SECRETS_NAMESPACE,
      chart: { ...EXTERNAL_SECRETS_CHART },
      values: { installCRDs: true },
      dependsOn: cni,
    });
    if (es.vault && VAULT_PROVIDERS.includes(es.provider)) {
      const v = es.vault;
      out.objects.push({
        layer: "configs",
        object: {
          apiVersion: "external-secrets.io/v1",
          kind: "ClusterSecretStore",
          metadata: { name: es.storeName ?? es.provider },
          spec: {
            provider: {
              vault: {
                server: v.server,
                path: v.path,
                version: v.version,
                auth: {
                  kubernetes: {
                    mountPath: v.authPath,
                    role: v.role,
                    serviceAccountRef: { name: "external-secrets", namespace: EXTERNAL_SECRETS_NAMESPACE },
                  },
                },
              },
            },
          },
        },
      });
      out.notes.push(
        `external-secrets: allow ServiceAccount ${EXTERNAL_SECRETS_NAMESPACE}/external-secrets in ${es.provider} role ${v.role} (auth method ${v.authPath})`,
      );
    } else
      out.notes.push(
        `external-secrets: create a ClusterSecretStore for ${es.provider} (cairn renders one for vault and openbao only)`,
      );
  }
  if (s.secretsStore) {
    out.releases.push({
      name: "secrets-store-csi-driver",
      namespace: KUBE_SYSTEM,
      chart: { ...SECRETS_STORE_CSI_CHART },
      values: { linux: { providersDir: PROVIDERS_DIR } },
      dependsOn: cni,
    });
    out.releases.push({
      name: "vault-csi-provider",
      namespace: KUBE_SYSTEM,
      chart: { ...VAULT_CHART },
      values: {
        server: { enabled: false },
        injector: { enabled: false },
        csi: { enabled: true, daemonSet: { providersDir: PROVIDERS_DIR } },
      },
      dependsOn: ["secrets-store-csi-driver"],
    });
  }
  return out;
}
