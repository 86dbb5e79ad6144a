// Spec sections the seeds need that no add-on renders yet (serverless, policy, secrets, DNS). They are checked like every other section, so a spec written today stays valid, and `cairn validate` says
// plainly that cairn installs nothing for them yet (pendingSectionFindings). Each moves into its own add-on folder
// when it is built.
import { z } from "zod";
import { warning, type Finding } from "../findings.js";

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
