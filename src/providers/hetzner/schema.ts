// `provider: {type: hetzner}` and a node's `hetzner:` placement: the Hetzner Cloud project and each server.
import { z } from "zod";

export const hetznerSection = z.strictObject({
  type: z.literal("hetzner"),
  tokenEnv: z
    .string()
    .default("HCLOUD_TOKEN")
    .meta({ description: "Env var holding the Hetzner Cloud API token." }),
  location: z.string().default("nbg1"),
  networkZone: z.string().default("eu-central"),
  firewall: z
    .strictObject({
      talosApiFrom: z
        .array(z.string())
        .default([])
        .meta({ description: "CIDRs allowed to reach the Talos API (50000)." }),
      kubernetesApiFrom: z
        .array(z.string())
        .default([])
        .meta({ description: "CIDRs allowed to reach the Kubernetes API." }),
    })
    .optional(),
  loadBalancer: z
    .strictObject({ type: z.string().default("lb11") })
    .optional()
    .meta({ description: "A Hetzner load balancer in front of the control planes." }),
});

export const hetznerPlacement = z
  .strictObject({
    serverType: z.string().meta({ description: "Hetzner server type, e.g. cx32, cpx31, cax21." }),
    location: z
      .string()
      .optional()
      .meta({ description: "fsn1, nbg1, hel1, ash, hil or sin; defaults to provider.location." }),
    placementGroup: z.string().optional(),
  })
  .meta({ description: "Hetzner Cloud server for this node." });

export type HetznerSection = z.output<typeof hetznerSection>;
export type HetznerPlacement = z.output<typeof hetznerPlacement>;
