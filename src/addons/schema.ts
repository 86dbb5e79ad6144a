// The `addons:` section of cairn.yaml, composed from the sections each add-on folder declares (its schema.ts),
// and the sections several add-ons implement by type (shared-sections.ts). The cluster spec schema imports it. Composed statically so the section types reach the
// model; a test checks it against the registry so a new add-on's section cannot be forgotten here.
import { z } from "zod";
import { sections as cilium } from "./cilium/schema.js";
import { sections as certManager } from "./cert-manager/schema.js";
import { sections as flux } from "./flux/schema.js";
import { sections as etcdBackup } from "./etcd-backup/schema.js";
import { sections as knative } from "./knative/schema.js";
import { sections as gatekeeper } from "./gatekeeper/schema.js";
import { sections as crossplane } from "./crossplane/schema.js";
import { sections as secrets } from "./secrets/schema.js";
import { sections as powerdns } from "./powerdns/schema.js";
import { sections as coredns } from "./coredns/schema.js";
import { sections as spegel } from "./spegel/schema.js";
import { sections as charts } from "./charts/schema.js";
import { ingressSchema, loadBalancerSchema, observabilitySchema, storageSchema } from "./shared-sections.js";

const optional = <T extends Record<string, z.ZodType>>(shape: T) =>
  Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof T]: z.ZodOptional<T[K]>;
  };

export const addonsSchema = z
  .strictObject({
    ...optional(cilium),
    loadBalancer: loadBalancerSchema.optional(),
    ingress: ingressSchema.optional(),
    ...optional(certManager),
    storage: storageSchema.optional(),
    observability: observabilitySchema.optional(),
    ...optional(coredns),
    ...optional(spegel),
    ...optional(flux),
    ...optional(etcdBackup),
    ...optional(knative),
    ...optional(gatekeeper),
    ...optional(crossplane),
    ...optional(secrets),
    ...optional(powerdns),
    ...optional(charts),
  })
  .meta({ description: "Platform add-ons cairn installs and keeps in the GitOps tree." });

export type AddonsSpec = z.output<typeof addonsSchema>;
