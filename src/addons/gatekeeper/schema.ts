// addons.policy: OPA Gatekeeper and the K8sRequiredLabels policy (a ConstraintTemplate and one constraint).
import { z } from "zod";

const gatekeeperSchema = z
  .strictObject({
    requiredLabels: z
      .array(z.string().min(1))
      .default([])
      .meta({ description: "Labels every Pod outside the platform's namespaces must carry, e.g. [owner]." }),
    enforcement: z
      .enum(["deny", "warn", "dryrun"])
      .default("deny")
      .meta({ description: "deny refuses the object; warn admits it with a warning; dryrun only audits." }),
    kinds: z
      .array(z.string().min(1))
      .default(["Pod"])
      .meta({ description: "Core (v1) kinds the labels are required on." }),
    excludedNamespaces: z.array(z.string().min(1)).default([]).meta({
      description:
        "More namespaces to leave alone (prefix globs like team-* allowed); kube-system, flux-system and cairn's platform namespaces always are.",
    }),
  })
  .meta({ description: "OPA Gatekeeper admission policies." });

const policySchema = z
  .strictObject({ gatekeeper: gatekeeperSchema })
  .meta({ description: "Admission policy enforcement." });

export const sections = { policy: policySchema };
