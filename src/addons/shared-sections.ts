// Spec sections that more than one add-on implements, chosen by their `type`: `loadBalancer` (MetalLB, or Cilium
// LB IPAM with L2 announcements) and `ingress` (Traefik, ingress-nginx, or a Gateway API Gateway served by Cilium).
import { z } from "zod";
import { dnsLabel } from "../fields.js";

const poolSchema = z
  .strictObject({
    name: dnsLabel("pool name"),
    network: z
      .string()
      .optional()
      .meta({ description: "Network the pool lives in; defaults to the one that contains it." }),
    addresses: z
      .array(z.string())
      .min(1)
      .meta({ description: "Ranges a.b.c.d-a.b.c.e, single addresses, or CIDRs." }),
    autoAssign: z.boolean().default(true).meta({
      description:
        "Hand out addresses to any LoadBalancer Service; false: only to Services that ask for one.",
    }),
  })
  .meta({ description: "A load-balancer address pool." });

const LOAD_BALANCER_TYPES = ["metallb", "cilium", "kube-vip", "hcloud"] as const;

export const loadBalancerSchema = z
  .strictObject({
    type: z.enum(LOAD_BALANCER_TYPES).meta({
      description:
        "metallb (IPAddressPools + L2Advertisement) or cilium (LB IPAM pools + L2 announcements) are rendered; kube-vip and hcloud are validated only.",
    }),
    mode: z.enum(["l2", "bgp"]).default("l2"),
    interfaces: z
      .array(z.string())
      .default([])
      .meta({ description: "Announce only on these links (L2), e.g. [eth1]." }),
    pools: z.array(poolSchema).default([]),
  })
  .meta({ description: "Addresses for Services of type LoadBalancer and who announces them." });

const INGRESS_TYPES = ["gateway-api", "traefik", "nginx"] as const;

export const ingressSchema = z
  .strictObject({
    type: z.enum(INGRESS_TYPES).meta({
      description:
        "traefik, nginx (ingress-nginx), or gateway-api (a Gateway served by Cilium's Gateway API).",
    }),
    className: z
      .string()
      .optional()
      .meta({ description: "IngressClass / GatewayClass name; defaults to traefik, nginx or cilium." }),
    replicas: z.number().int().min(1).default(2),
    placement: z
      .enum(["any", "workers"])
      .default("any")
      .meta({ description: "workers: keep the ingress pods off the control planes." }),
    loadBalancerIP: z
      .string()
      .optional()
      .meta({ description: "The address the ingress Service asks for, from `pool`." }),
    pool: z.string().optional().meta({ description: "Load-balancer pool the ingress address comes from." }),
    domain: z
      .string()
      .optional()
      .meta({ description: "Wildcard domain routed to the ingress, e.g. apps.example.com." }),
    gatewayName: z
      .string()
      .default("main-gateway")
      .meta({ description: "gateway-api: name of the Gateway (namespace `gateway`)." }),
    tls: z
      .strictObject({
        issuer: z.string().meta({ description: "Name of an issuer under addons.certManager.issuers." }),
      })
      .optional()
      .meta({ description: "gateway-api: a wildcard certificate for `domain` on an HTTPS listener." }),
  })
  .meta({ description: "How HTTP(S) traffic enters the cluster." });

export type PoolSpec = z.output<typeof poolSchema>;
