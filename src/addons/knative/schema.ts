// addons.serverless: Knative Serving (scale to zero) and Eventing, installed by the Knative Operator.
import { z } from "zod";

const knativeSchema = z
  .strictObject({
    serving: z.boolean().default(true).meta({ description: "Knative Serving: request-driven services." }),
    eventing: z
      .boolean()
      .default(false)
      .meta({ description: "Knative Eventing: brokers, triggers, sources." }),
    domain: z.string().optional().meta({
      description: "Domain Knative Services get names under; default addons.ingress.domain.",
    }),
    scaleToZero: z
      .boolean()
      .default(true)
      .meta({ description: "Idle revisions scale to zero pods (config-autoscaler enable-scale-to-zero)." }),
  })
  .meta({
    description:
      "Knative through the Knative Operator. Serving routes through the cluster's Gateway (net-gateway-api) when addons.ingress is gateway-api, else through Kourier.",
  });

const serverlessSchema = z
  .strictObject({ knative: knativeSchema })
  .meta({ description: "Serverless: Knative Serving and Eventing." });

export const sections = { serverless: serverlessSchema };
