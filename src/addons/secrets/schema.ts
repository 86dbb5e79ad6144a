// addons.secrets: sealed-secrets (encrypted Secrets in Git), External Secrets Operator (an external store's
// values as Kubernetes Secrets) and the Secrets Store CSI driver (values mounted as files, never in etcd).
import { z } from "zod";
import { dnsLabel } from "../../fields.js";

const vaultSchema = z
  .strictObject({
    server: z
      .url({ protocol: /^https?$/ })
      .meta({ description: "Vault/OpenBao address, e.g. https://bao.example." }),
    path: z.string().default("secret").meta({ description: "KV mount the values live in." }),
    version: z.enum(["v1", "v2"]).default("v2").meta({ description: "KV engine version." }),
    role: z
      .string()
      .min(1)
      .meta({ description: "Kubernetes-auth role the operator signs in with (its ServiceAccount token)." }),
    authPath: z
      .string()
      .default("kubernetes")
      .meta({ description: "Mount path of the Kubernetes auth method." }),
  })
  .meta({ description: "vault/openbao: a ClusterSecretStore reading the KV mount through Kubernetes auth." });

const externalSecretsSchema = z
  .strictObject({
    provider: z.string().min(1).meta({
      description: "Where values come from: vault, openbao, akeyless, aws, … (the store's provider).",
    }),
    storeName: dnsLabel("store name").optional().meta({
      description: "Name of the ClusterSecretStore cairn renders (vault/openbao); default the provider.",
    }),
    vault: vaultSchema.optional(),
  })
  .meta({ description: "External Secrets Operator." });

const secretsStoreSchema = z
  .strictObject({
    provider: z.enum(["vault"]).meta({
      description:
        "vault: HashiCorp's Vault CSI provider (works with OpenBao); apps declare SecretProviderClasses.",
    }),
  })
  .meta({ description: "Secrets Store CSI driver and its provider." });

const secretsSchema = z
  .strictObject({
    sealedSecrets: z.boolean().default(false).meta({ description: "sealed-secrets controller (kubeseal)." }),
    externalSecrets: externalSecretsSchema.optional(),
    secretsStore: secretsStoreSchema.optional(),
  })
  .meta({ description: "Secrets from Git, an external store, or mounted as files." });

export const sections = { secrets: secretsSchema };
