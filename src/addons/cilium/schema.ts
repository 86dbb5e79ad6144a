// addons.cni: which CNI the cluster runs. flannel is Talos' built-in default; `none` leaves the CNI to the user;
// cilium is installed by cairn (bootstrap step, then Flux). Every Cilium setting is a typed field, checked
// strictly: an unknown key is an error. The Cilium-only fields have no defaults here, so checks can tell "not set"
// from "set" and refuse them on flannel; render applies the defaults (see render.ts).
import { z } from "zod";
import { cidr } from "../../fields.js";

const CNI_TYPES = ["cilium", "flannel", "none"] as const;

const cniSchema = z
  .strictObject({
    type: z.enum(CNI_TYPES).default("flannel").meta({
      description:
        "flannel: Talos' built-in CNI. cilium: installed by cairn at bootstrap and kept by Flux. none: no CNI (you install one).",
    }),
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, { message: "Cilium version must look like 1.18.14" })
      .optional()
      .meta({
        description: "Cilium release; default: the newest cairn pairs with the cluster's Kubernetes.",
      }),
    kubeProxyReplacement: z.boolean().optional().meta({
      description:
        "Replace kube-proxy with Cilium's eBPF service routing (Talos then runs no kube-proxy). Default false.",
    }),
    routing: z
      .enum(["tunnel", "native"])
      .optional()
      .meta({ description: "tunnel (VXLAN/Geneve overlay, default) or native (pods routed as they are)." }),
    tunnelProtocol: z.enum(["vxlan", "geneve"]).optional().meta({ description: "Default vxlan." }),
    nativeRoutingCIDR: cidr.optional().meta({
      description: "native routing: the CIDR routed without masquerading; default the first pod subnet.",
    }),
    autoDirectNodeRoutes: z.boolean().optional().meta({
      description:
        "native routing: install routes to other nodes' pod blocks (all nodes on one L2 segment). Default true with native routing.",
    }),
    masquerade: z
      .boolean()
      .optional()
      .meta({ description: "SNAT pod traffic leaving the cluster. Default true; false for routable pods." }),
    loadBalancerMode: z
      .enum(["snat", "dsr"])
      .optional()
      .meta({ description: "NodePort/LoadBalancer forwarding (needs kubeProxyReplacement). Default snat." }),
    hubble: z.boolean().optional().meta({ description: "Hubble with its relay and UI. Default false." }),
    gatewayAPI: z.boolean().optional().meta({
      description: "Cilium's Gateway API implementation; cairn installs the Gateway API CRDs first.",
    }),
    l2Announcements: z.boolean().optional().meta({
      description:
        "Answer ARP for LoadBalancer addresses. Default: on when addons.loadBalancer.type is cilium.",
    }),
    encryption: z.enum(["none", "wireguard", "ipsec"]).optional().meta({
      description: "Node-to-node encryption of pod traffic. wireguard needs UDP 51871 between nodes.",
    }),
    mutualAuth: z.boolean().optional().meta({
      description: "Mutual authentication (SPIRE; beta), for policies with authentication: required.",
    }),
    hostLegacyRouting: z.boolean().optional().meta({
      description:
        "Route host traffic through the kernel stack instead of eBPF host routing (fixes static pods reaching pods on other nodes in some setups).",
    }),
    devices: z
      .array(z.string().min(1))
      .optional()
      .meta({ description: "Links Cilium attaches to, e.g. [eth0, eth1]; default: detected." }),
    operatorReplicas: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: "cilium-operator replicas; default 1 on a one-node cluster, else 2." }),
  })
  .meta({ description: "The cluster network (CNI)." });

type CniSpec = z.output<typeof cniSchema>;

/** Fields only Cilium understands; set on flannel or none they would be silently ignored, so they are refused. */
export const CILIUM_ONLY_FIELDS = [
  "version",
  "kubeProxyReplacement",
  "routing",
  "tunnelProtocol",
  "nativeRoutingCIDR",
  "autoDirectNodeRoutes",
  "masquerade",
  "loadBalancerMode",
  "hubble",
  "gatewayAPI",
  "l2Announcements",
  "encryption",
  "mutualAuth",
  "hostLegacyRouting",
  "devices",
  "operatorReplicas",
] as const satisfies readonly (keyof CniSpec)[];

export const sections = { cni: cniSchema };
