// addons.spegel: nodes share the images they already pulled (a peer-to-peer registry mirror on every node).
import { z } from "zod";

const spegelSchema = z
  .strictObject({
    registries: z
      .array(
        z.string().regex(/^https?:\/\/[^/\s]+$/, { message: "a registry is written https://host[:port]" }),
      )
      .optional()
      .meta({
        description: "Registries to mirror, e.g. [https://ghcr.io, https://docker.io]; default every one.",
      }),
  })
  .meta({ description: "Spegel: a stateless, cluster-local OCI registry mirror on every node." });

export const sections = { spegel: spegelSchema };
