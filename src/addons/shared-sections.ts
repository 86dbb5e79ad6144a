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

const STORAGE_TYPES = [
  "rook-ceph",
  "ceph-csi",
  "longhorn",
  "local-path",
  "nfs",
  "hcloud-csi",
  "proxmox-csi",
  "democratic-csi",
] as const;

/** The storage types cairn renders (the rest are checked only, with a warning). */
export const RENDERED_STORAGE_TYPES = ["rook-ceph", "ceph-csi", "local-path"] as const;

export const storageSchema = z
  .strictObject({
    type: z.enum(STORAGE_TYPES).meta({
      description:
        "ceph-csi (RBD volumes from an external Ceph), rook-ceph (Ceph inside the cluster) and local-path (the node's own disk) are rendered; the others are validated only.",
    }),
    network: z.string().optional().meta({
      description:
        "rook-ceph: dedicated network for Ceph's replication traffic (its cluster network), a network that carries storage.",
    }),
    defaultClass: z
      .boolean()
      .default(true)
      .meta({ description: "Make the StorageClass the cluster's default." }),
    className: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: "a StorageClass name is a DNS-1123 subdomain" })
      .optional()
      .meta({
        description: "StorageClass name; default ceph-rbd (ceph-csi), ceph-block (rook-ceph), local-path.",
      }),
    nfs: z.strictObject({ server: z.string(), path: z.string() }).optional(),
    ceph: z
      .strictObject({
        clusterID: z
          .string()
          .min(1)
          .max(36)
          .meta({ description: "fsid of the external Ceph cluster (`ceph fsid`), at most 36 bytes." }),
        monitors: z.array(z.string()).min(1).meta({ description: "Monitor addresses, host:port." }),
        pool: z.string().min(1).meta({ description: "RBD pool the StorageClass provisions images in." }),
        secretName: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: "a Secret name is a DNS-1123 subdomain" })
          .default("csi-rbd-secret")
          .meta({
            description:
              "Secret in namespace ceph-csi-rbd with the Ceph client's userID and userKey; you create it, cairn only references it.",
          }),
        fsType: z.enum(["ext4", "xfs"]).default("ext4"),
      })
      .optional()
      .meta({
        description: "An external Ceph cluster (e.g. Proxmox's) consumed through ceph-csi (type ceph-csi).",
      }),
    rook: z
      .strictObject({
        deviceFilter: z.string().optional().meta({
          description:
            "Regular expression of the raw disks OSDs may take, e.g. ^nvme1n1$; default every empty disk.",
        }),
      })
      .optional()
      .meta({ description: "rook-ceph: which disks become OSDs." }),
  })
  .meta({ description: "Persistent volumes: the CSI driver and its StorageClass." });

const grafanaSchema = z
  .strictObject({
    loadBalancerIP: z
      .string()
      .optional()
      .meta({ description: "Serve Grafana on this LoadBalancer address (from `pool`), e.g. 10.8.28.194." }),
    pool: z.string().optional().meta({ description: "Load-balancer pool the Grafana address comes from." }),
  })
  .meta({ description: "Grafana with its Service on a load-balancer address." });

export const observabilitySchema = z
  .strictObject({
    prometheus: z.boolean().default(false).meta({
      description:
        "kube-prometheus-stack: Prometheus, Alertmanager, node-exporter and the control-plane scrapes.",
    }),
    grafana: z
      .union([z.boolean(), grafanaSchema])
      .default(false)
      .meta({ description: "Grafana in kube-prometheus-stack: true, or its LoadBalancer address." }),
    loki: z
      .boolean()
      .default(false)
      .meta({ description: "Validated only: cairn does not install Loki yet." }),
    otel: z
      .strictObject({
        endpoint: z.string().min(1).meta({
          description:
            "OTLP endpoint of the external collector or gateway: http(s)://host:port (http:// means no TLS).",
        }),
        protocol: z
          .enum(["grpc", "http"])
          .default("grpc")
          .meta({ description: "OTLP over gRPC (port 4317) or over HTTP (4318)." }),
      })
      .optional()
      .meta({
        description: "An OpenTelemetry collector on every node exporting metrics, logs and traces over OTLP.",
      }),
    retention: z.string().default("15d").meta({ description: "How long Prometheus keeps samples." }),
  })
  .meta({ description: "Metrics, dashboards and telemetry export." });
