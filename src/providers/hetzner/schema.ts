// `provider: {type: hetzner}` and a node's `hetzner:` placement: the Hetzner Cloud project and each server.
import { z } from "zod";
import { address } from "../../fields.js";

export const hetznerSection = z.strictObject({
  type: z.literal("hetzner"),
  tokenEnv: z.string().default("HCLOUD_TOKEN").meta({
    description: "Env var holding the Hetzner Cloud API token (HCLOUD_ENDPOINT overrides the API URL).",
  }),
  location: z.string().default("nbg1"),
  networkZone: z.string().default("eu-central"),
  network: z.string().optional().meta({
    description:
      "The spec network that is the Hetzner private network (default: the one carrying management). cairn creates it, named after the cluster.",
  }),
  subnet: z.string().optional().meta({
    description: "The private network's cloud subnet, inside the network's CIDR (default: the whole CIDR).",
  }),
  firewall: z
    .strictObject({
      talosApiFrom: z.array(z.string()).default([]).meta({
        description:
          "CIDRs allowed to reach the Talos API (50000); empty: your current public address, detected and shown by plan.",
      }),
      kubernetesApiFrom: z
        .array(z.string())
        .default([])
        .meta({ description: "CIDRs allowed to reach the Kubernetes API (6443); empty: talosApiFrom." }),
    })
    .default({ talosApiFrom: [], kubernetesApiFrom: [] }),
  loadBalancer: z
    .strictObject({
      enabled: z.boolean().default(true),
      type: z.string().default("lb11"),
      privateIp: address.optional().meta({
        description: "Its address in the private network (default: the subnet's last host address).",
      }),
    })
    .default({ enabled: true, type: "lb11" })
    .meta({
      description:
        "A TCP load balancer (6443, 50000) in front of the control planes: the cluster endpoint unless the spec names one.",
    }),
  floatingIp: z
    .boolean()
    .default(false)
    .meta({ description: "Also reserve an IPv4 floating IP, assigned to the first control plane." }),
  dial: z.enum(["public", "private"]).default("public").meta({
    description:
      "Which server address cairn dials for the Talos API: public (from outside, through the firewall) or private (from inside the network).",
  }),
});

export const hetznerPlacement = z
  .strictObject({
    serverType: z.string().meta({
      description:
        "Hetzner server type, e.g. cx23, cpx32, cax21 (checked against the live catalogue at plan time).",
    }),
    location: z
      .string()
      .optional()
      .meta({ description: "fsn1, nbg1, hel1, ash, hil or sin; defaults to provider.location." }),
    placementGroup: z.string().optional().meta({
      description:
        "A spread placement group (at most 10 servers); default: <cluster>-controlplane, or <cluster>-worker-N of up to 10 workers.",
    }),
  })
  .meta({ description: "Hetzner Cloud server for this node." });

export type HetznerSection = z.output<typeof hetznerSection>;
export type HetznerPlacement = z.output<typeof hetznerPlacement>;
