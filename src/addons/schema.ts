// The `addons:` section of cairn.yaml, composed from the sections each add-on folder declares (its schema.ts),
// the sections several add-ons implement by type (shared-sections.ts), and those no add-on renders yet
// (pending-sections.ts). The cluster spec schema imports it. Composed statically so the section types reach the
// model; a test checks it against the registry so a new add-on's section cannot be forgotten here.
import { z } from "zod";
import { sections as cilium } from "./cilium/schema.js";
import { sections as certManager } from "./cert-manager/schema.js";
import { sections as flux } from "./flux/schema.js";
import { sections as etcdBackup } from "./etcd-backup/schema.js";
import { ingressSchema, loadBalancerSchema } from "./shared-sections.js";
import { pendingSections } from "./pending-sections.js";

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
    ...optional(pendingSections),
    ...optional(flux),
    ...optional(etcdBackup),
  })
  .meta({ description: "Platform add-ons cairn installs and keeps in the GitOps tree." });

export type AddonsSpec = z.output<typeof addonsSchema>;
