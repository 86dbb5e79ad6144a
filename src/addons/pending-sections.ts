// Spec sections the seeds need that no add-on renders yet (storage, observability, serverless, policy, secrets,
// DNS). They are checked like every other section, so a spec written today stays valid, and `cairn validate` says
// plainly that cairn installs nothing for them yet (pendingSectionFindings). Each moves into its own add-on folder
// when it is built.
import { z } from "zod";
import { warning, type Finding } from "../findings.js";

const storageSchema = z.strictObject({
  type: z.enum([
    "rook-ceph",
    "ceph-csi",
    "longhorn",
    "local-path",
    "nfs",
    "hcloud-csi",
    "proxmox-csi",
    "democratic-csi",
  ]),
  network: z
    .string()
    .optional()
    .meta({ description: "Dedicated storage network (a network that carries storage)." }),
  defaultClass: z.boolean().default(true),
  nfs: z.strictObject({ server: z.string(), path: z.string() }).optional(),
  ceph: z
    .strictObject({
      clusterID: z.string().meta({ description: "fsid of the external Ceph cluster." }),
      monitors: z.array(z.string()).min(1).meta({ description: "Monitor addresses, host:port." }),
      pool: z.string().meta({ description: "RBD pool the StorageClass provisions images in." }),
    })
    .optional()
    .meta({
      description: "An external Ceph cluster (e.g. Proxmox's) consumed through ceph-csi (type ceph-csi).",
    }),
});

const observabilitySchema = z.strictObject({
  prometheus: z.boolean().default(false),
  grafana: z.boolean().default(false),
  loki: z.boolean().default(false),
  otel: z
    .strictObject({
      endpoint: z.string().meta({ description: "OTLP endpoint of an external collector/gateway." }),
    })
    .optional(),
  retention: z.string().default("15d"),
});

const serverlessSchema = z.strictObject({
  knative: z.strictObject({
    serving: z.boolean().default(true),
    eventing: z.boolean().default(false),
    domain: z.string().optional(),
    scaleToZero: z.boolean().default(true),
  }),
});

const policySchema = z.strictObject({
  gatekeeper: z.strictObject({
    requiredLabels: z.array(z.string()).default([]),
    enforcement: z.enum(["deny", "warn", "dryrun"]).default("deny"),
  }),
});

const secretsSchema = z.strictObject({
  sealedSecrets: z.boolean().default(false),
  externalSecrets: z.strictObject({ provider: z.string() }).optional(),
});

const dnsSchema = z.strictObject({
  type: z.enum(["powerdns", "external-dns"]),
  address: z.string().optional(),
});

export const pendingSections = {
  storage: storageSchema,
  observability: observabilitySchema,
  serverless: serverlessSchema,
  policy: policySchema,
  secrets: secretsSchema,
  dns: dnsSchema,
} as const;

/** One warning per pending section the spec uses: validated, but nothing is installed for it yet. */
export function pendingSectionFindings(addons: Record<string, unknown>): Finding[] {
  return Object.keys(pendingSections)
    .filter((k) => addons[k] !== undefined)
    .map((k) =>
      warning(
        "addons.not-rendered",
        ["addons", k],
        `addons.${k} is checked but not installed yet: cairn renders nothing for it into the GitOps tree`,
        "install it yourself on top of the rendered platform for now (it lands in a later cairn release)",
      ),
    );
}
