// addons.gitops: the Git repository Flux syncs the rendered tree from. cairn writes the tree to <out>/gitops/;
// you commit it at `path` in this repository, and Flux (installed by the bootstrap step) applies it from there.
import { z } from "zod";
import { dnsLabel } from "../../fields.js";

const fluxSchema = z
  .strictObject({
    url: z.string().min(1).meta({
      description:
        "Repository URL: https://… (public or with a token Secret) or ssh://git@host/org/repo.git.",
    }),
    branch: z.string().default("main"),
    path: z.string().optional().meta({
      description:
        "Folder in the repository that holds the rendered gitops/ tree; default clusters/<cluster name>.",
    }),
    version: z
      .string()
      .regex(/^v?\d+\.\d+\.\d+$/, { message: "Flux version must look like v2.9.4" })
      .optional()
      .meta({ description: "Flux release; default: the newest that supports the cluster's Kubernetes." }),
    secretName: dnsLabel("secret name").optional().meta({
      description:
        "Secret in flux-system with the Git credentials (ssh: identity, identity.pub, known_hosts; https: username, password). Default flux-system for ssh URLs, none for https.",
    }),
    interval: z.string().default("10m").meta({ description: "How often Flux looks for new commits." }),
  })
  .meta({ description: "Flux syncing the rendered GitOps tree." });

const gitopsSchema = z.strictObject({ flux: fluxSchema }).meta({ description: "GitOps (Flux)." });

export const sections = { gitops: gitopsSchema };
