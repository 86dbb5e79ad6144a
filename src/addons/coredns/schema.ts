// addons.coredns: cairn runs the cluster's DNS from the CoreDNS chart instead of Talos' built-in CoreDNS.
import { z } from "zod";

const corednsSchema = z
  .strictObject({
    replicas: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: "CoreDNS pods; default 2 (1 on a single node)." }),
  })
  .meta({
    description:
      "CoreDNS from its Helm chart, managed through Flux, in place of the CoreDNS Talos deploys (disabled in the config).",
  });

export const sections = { coredns: corednsSchema };
