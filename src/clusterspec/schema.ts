// The cairn.yaml spec (apiVersion cairn.dev/v1alpha1, kind Cluster): shape, types and defaults.
// Shape-level rules live here (zod, strict: unknown fields are errors); rules that relate fields to each other
// (CIDR overlaps, addresses inside networks, version windows) live in ./checks so all of them report at once.
import { z } from "zod";
import { address, cidr, dnsLabel } from "../fields.js";

export const API_VERSION = "cairn.dev/v1alpha1";

const talosVersion = z
  .string()
  .regex(/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, { message: "Talos version must look like v1.11.5" })
  .meta({ description: "Talos release, e.g. v1.11.5. Picks the machine-config contract (1.9–1.13)." });
const kubernetesVersion = z
  .string()
  .regex(/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, { message: "Kubernetes version must look like 1.34.1" })
  .meta({
    description: "Kubernetes release, e.g. 1.34.1; must be inside the Talos release's supported window.",
  });

/** A Talos config patch: a strategic-merge object, a list of RFC 6902 operations, or "@path/to/file.yaml". */
const configPatch = z
  .union([z.string().min(1), z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))])
  .meta({
    description:
      "A Talos machine-config patch: an inline strategic-merge patch (object), an RFC 6902 JSON patch (list of operations), or @file relative to cairn.yaml.",
  });

/**
 * Objects keyed by names the user chose become prototype-free once parsed, so looking up a name that is not
 * defined ("constructor", "toString") finds nothing instead of an Object.prototype method. `__proto__` itself
 * never gets here: the YAML reader refuses it as a key (src/io/yaml.ts).
 */
function byName<T extends Record<string, unknown>>(record: T): T {
  return Object.assign(Object.create(null) as T, record);
}

export const NETWORK_ROLES = ["management", "pods", "storage", "loadBalancers"] as const;

const networkSchema = z
  .strictObject({
    cidr,
    gateway: address.optional().meta({
      description: "Default gateway on this network (only the management network usually has one).",
    }),
    vlan: z
      .number()
      .int()
      .optional()
      .meta({ description: "802.1Q VLAN id (1–4094) tagged on the node interfaces of this network." }),
    mtu: z.number().int().optional().meta({ description: "MTU for interfaces on this network (576–9216)." }),
    carries: z
      .array(z.enum(NETWORK_ROLES))
      .default(["management"])
      .meta({ description: "What this network carries: management, pods, storage, loadBalancers." }),
    reserved: z
      .array(z.string())
      .default([])
      .meta({ description: "Addresses or ranges (a.b.c.d-a.b.c.e) that `address: auto` must never pick." }),
    dhcp: z.boolean().default(false).meta({ description: "Also run DHCP on interfaces of this network." }),
  })
  .meta({ description: "A named L2/L3 network the nodes attach to." });

const deviceSelector = z
  .strictObject({
    hardwareAddr: z.string().optional().meta({ description: "MAC address, e.g. bc:24:11:a9:a3:43." }),
    busPath: z.string().optional(),
    driver: z.string().optional(),
    pciID: z.string().optional(),
    physical: z.boolean().optional(),
  })
  .meta({ description: "Selects the link by hardware facts instead of by name (Talos deviceSelector)." });

const interfaceSchema = z
  .strictObject({
    network: z.string().meta({ description: "Name of a network from `networks`." }),
    address: z.string().default("auto").meta({
      description:
        "Static address on that network (no prefix length), or `auto` to pick one deterministically.",
    }),
    name: z
      .string()
      .optional()
      .meta({ description: "Link name, e.g. eth0. Either name, mac or deviceSelector." }),
    mac: z
      .string()
      .optional()
      .meta({ description: "MAC address of the link (shorthand for deviceSelector.hardwareAddr)." }),
    deviceSelector: deviceSelector.optional(),
    vlan: z.number().int().optional().meta({
      description: "Tag this VLAN on the link (defaults to the network's vlan). Use 0 to send untagged.",
    }),
    mtu: z.number().int().optional().meta({ description: "Overrides the network's MTU for this interface." }),
    dhcp: z.boolean().optional(),
  })
  .meta({ description: "A node's attachment to a network." });

const installDiskSchema = z
  .union([
    z.string().min(1).meta({ description: "Device path, e.g. /dev/sda or /dev/nvme0n1." }),
    z.strictObject({
      selector: z
        .strictObject({
          size: z.string().optional().meta({ description: "e.g. '>= 100GB' or '<= 2TB'." }),
          model: z.string().optional(),
          serial: z.string().optional(),
          type: z.enum(["ssd", "hdd", "nvme", "sd"]).optional(),
          busPath: z.string().optional(),
          wwid: z.string().optional(),
        })
        .meta({ description: "Talos installDiskSelector." }),
    }),
  ])
  .meta({ description: "Where Talos installs: a device path or a disk selector." });

const taintSchema = z.strictObject({
  key: z.string().min(1),
  value: z.string().default(""),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});

const schematicSchema = z
  .strictObject({
    extensions: z.array(z.string()).optional().meta({
      description: "Official system extensions, e.g. siderolabs/qemu-guest-agent. Order matters for the ID.",
    }),
    extraKernelArgs: z.array(z.string()).optional(),
    meta: z
      .array(z.strictObject({ key: z.number().int().min(0).max(255), value: z.string() }))
      .optional()
      .meta({
        description: "META partition values baked into the image (e.g. key 10 = static network config).",
      }),
    secureBoot: z
      .boolean()
      .optional()
      .meta({ description: "Use the secure-boot (UKI) installer and assets." }),
    overlay: z.strictObject({ image: z.string(), name: z.string() }).optional(),
  })
  .meta({
    description:
      "Image Factory schematic. A node's schematic replaces the fields it sets; the others come from talos.schematic.",
  });

const proxmoxPlacement = z
  .strictObject({
    host: z.string().meta({ description: "Proxmox node name, e.g. pve-ms01-01." }),
    vmid: z
      .number()
      .int()
      .min(100)
      .max(999_999_999)
      .meta({ description: "VM id (100–999999999), unique in the datacenter." }),
    cores: z.number().int().min(1).default(4),
    memory: z.number().int().min(1024).default(8192).meta({ description: "MiB." }),
    disk: z.number().int().min(10).default(64).meta({ description: "Boot disk size in GiB." }),
    storage: z
      .string()
      .optional()
      .meta({ description: "Storage for the disk; defaults to provider.storage." }),
    bridge: z.string().optional().meta({ description: "Bridge; defaults to provider.bridge." }),
  })
  .meta({ description: "Where and how big the VM is on Proxmox VE." });

const hetznerPlacement = z
  .strictObject({
    serverType: z.string().meta({ description: "Hetzner server type, e.g. cx32, cpx31, cax21." }),
    location: z
      .string()
      .optional()
      .meta({ description: "fsn1, nbg1, hel1, ash, hil or sin; defaults to provider.location." }),
    placementGroup: z.string().optional(),
  })
  .meta({ description: "Hetzner Cloud server for this node." });

const staticPlacement = z
  .strictObject({
    address: address.meta({
      description: "Where the machine, booted into Talos maintenance mode, answers on port 50000.",
    }),
  })
  .meta({ description: "A machine already booted into Talos maintenance mode." });

export const ROLES = ["controlplane", "worker"] as const;

const nodeSchema = z
  .strictObject({
    name: dnsLabel("node name").meta({ description: "Node and host name (DNS-1123 label)." }),
    role: z.enum(ROLES),
    interfaces: z.array(interfaceSchema).default([]),
    installDisk: installDiskSchema.optional(),
    labels: z.record(z.string(), z.string()).default({}),
    taints: z.array(taintSchema).default([]),
    kernelModules: z
      .array(z.string())
      .default([])
      .meta({ description: "Kernel modules to load, e.g. nvidia." }),
    sysctls: z.record(z.string(), z.string()).default({}),
    patches: z
      .array(configPatch)
      .default([])
      .meta({ description: "Talos config patches for this node, applied last." }),
    schematic: schematicSchema.optional(),
    podBlock: z.string().optional().meta({
      description:
        "This node's pod CIDR block (inside a pod subnet). Default: carved when kubernetes.podBlocks is set.",
    }),
    proxmox: proxmoxPlacement.optional(),
    hetzner: hetznerPlacement.optional(),
    static: staticPlacement.optional(),
  })
  .meta({ description: "A machine in the cluster." });

const providerSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("proxmox"),
      endpoint: z.string().meta({ description: "API URL, e.g. https://pve.lab:8006." }),
      tokenIdEnv: z
        .string()
        .default("PROXMOX_TOKEN_ID")
        .meta({ description: "Env var holding the API token id (user@realm!name)." }),
      tokenSecretEnv: z
        .string()
        .default("PROXMOX_TOKEN_SECRET")
        .meta({ description: "Env var holding the token secret." }),
      caFile: z
        .string()
        .optional()
        .meta({ description: "CA bundle for a self-signed Proxmox certificate (TLS is always verified)." }),
      storage: z.string().default("local-lvm"),
      isoStorage: z.string().default("local"),
      bridge: z.string().default("vmbr0"),
    }),
    z.strictObject({
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
    }),
    z.strictObject({ type: z.literal("static") }),
  ])
  .meta({
    description:
      "Where the machines come from: proxmox, hetzner, or static (already booted into maintenance mode).",
  });

// ---- platform add-ons (rendering comes later; the spec expresses the seeds' choices) ----

const poolSchema = z.strictObject({
  name: dnsLabel("pool name"),
  network: z
    .string()
    .optional()
    .meta({ description: "Network the pool lives in; defaults to the one that contains it." }),
  addresses: z
    .array(z.string())
    .min(1)
    .meta({ description: "Ranges a.b.c.d-a.b.c.e, single addresses, or CIDRs." }),
  autoAssign: z.boolean().default(true),
});

const cniSchema = z.strictObject({
  type: z.enum(["cilium", "flannel", "none"]).default("flannel"),
  version: z.string().optional(),
  kubeProxyReplacement: z.boolean().default(false),
  routing: z.enum(["tunnel", "native"]).default("tunnel"),
  nativeRoutingCIDR: z.string().optional(),
  masquerade: z.boolean().default(true),
  loadBalancerMode: z.enum(["snat", "dsr"]).default("snat"),
  hubble: z.boolean().default(false),
  gatewayAPI: z.boolean().default(false).meta({ description: "Cilium's Gateway API implementation." }),
  l2Announcements: z.boolean().default(false),
  encryption: z.enum(["none", "wireguard", "ipsec"]).default("none"),
  mutualAuth: z.boolean().default(false),
  hostLegacyRouting: z.boolean().default(false),
  values: z
    .record(z.string(), z.unknown())
    .default({})
    .meta({ description: "Extra Helm values, merged last." }),
});

const loadBalancerSchema = z.strictObject({
  type: z.enum(["metallb", "cilium", "kube-vip", "hcloud"]),
  mode: z.enum(["l2", "bgp"]).default("l2"),
  interfaces: z.array(z.string()).default([]).meta({ description: "Announce only on these links (L2)." }),
  pools: z.array(poolSchema).default([]),
});

const ingressSchema = z.strictObject({
  type: z.enum(["gateway-api", "traefik", "nginx"]),
  className: z.string().optional(),
  replicas: z.number().int().min(1).default(2),
  loadBalancerIP: z.string().optional(),
  pool: z.string().optional().meta({ description: "Load-balancer pool the ingress address comes from." }),
  domain: z
    .string()
    .optional()
    .meta({ description: "Wildcard domain routed to the ingress, e.g. apps.example.com." }),
});

const issuerSchema = z.strictObject({
  name: dnsLabel("issuer name"),
  type: z.enum(["acme", "selfSigned", "ca", "step"]),
  email: z.string().optional(),
  server: z.string().optional(),
  solver: z.enum(["http01", "dns01"]).optional(),
  dnsProvider: z.string().optional().meta({ description: "e.g. powerdns, cloudflare, route53." }),
  url: z.string().optional().meta({ description: "step-ca URL for type step." }),
});

const storageSchema = z.strictObject({
  type: z.enum([
    "rook-ceph",
    "ceph-csi",
    "longhorn",
    "local-path",
    "nfs",
    "hcloud-csi",
    "proxmox-csi",
    "democratic-csi",
  ]),
  network: z
    .string()
    .optional()
    .meta({ description: "Dedicated storage network (a network that carries storage)." }),
  defaultClass: z.boolean().default(true),
  nfs: z.strictObject({ server: z.string(), path: z.string() }).optional(),
  ceph: z
    .strictObject({
      clusterID: z.string().meta({ description: "fsid of the external Ceph cluster." }),
      monitors: z.array(z.string()).min(1).meta({ description: "Monitor addresses, host:port." }),
      pool: z.string().meta({ description: "RBD pool the StorageClass provisions images in." }),
    })
    .optional()
    .meta({
      description: "An external Ceph cluster (e.g. Proxmox's) consumed through ceph-csi (type ceph-csi).",
    }),
});

const observabilitySchema = z.strictObject({
  prometheus: z.boolean().default(false),
  grafana: z.boolean().default(false),
  loki: z.boolean().default(false),
  otel: z
    .strictObject({
      endpoint: z.string().meta({ description: "OTLP endpoint of an external collector/gateway." }),
    })
    .optional(),
  retention: z.string().default("15d"),
});

const addonsSchema = z
  .strictObject({
    cni: cniSchema.optional(),
    loadBalancer: loadBalancerSchema.optional(),
    ingress: ingressSchema.optional(),
    certManager: z.strictObject({ issuers: z.array(issuerSchema).default([]) }).optional(),
    storage: storageSchema.optional(),
    observability: observabilitySchema.optional(),
    serverless: z
      .strictObject({
        knative: z.strictObject({
          serving: z.boolean().default(true),
          eventing: z.boolean().default(false),
          domain: z.string().optional(),
          scaleToZero: z.boolean().default(true),
        }),
      })
      .optional(),
    policy: z
      .strictObject({
        gatekeeper: z.strictObject({
          requiredLabels: z.array(z.string()).default([]),
          enforcement: z.enum(["deny", "warn", "dryrun"]).default("deny"),
        }),
      })
      .optional(),
    gitops: z
      .strictObject({
        flux: z.strictObject({
          url: z.string(),
          branch: z.string().default("main"),
          path: z.string().default("clusters/main"),
        }),
      })
      .optional(),
    secrets: z
      .strictObject({
        sealedSecrets: z.boolean().default(false),
        externalSecrets: z.strictObject({ provider: z.string() }).optional(),
      })
      .optional(),
    dns: z
      .strictObject({ type: z.enum(["powerdns", "external-dns"]), address: z.string().optional() })
      .optional(),
    etcdBackup: z
      .strictObject({
        schedule: z.string().default("0 */6 * * *"),
        s3: z.strictObject({
          endpoint: z.string(),
          bucket: z.string(),
          region: z.string().default("us-east-1"),
        }),
      })
      .optional(),
  })
  .meta({ description: "Platform add-ons cairn installs and keeps in the GitOps tree." });

const tenantSchema = z.strictObject({
  name: dnsLabel("tenant name"),
  namespaces: z
    .array(dnsLabel("namespace"))
    .optional()
    .meta({ description: "Defaults to one namespace named after the tenant." }),
  quota: z
    .record(z.string(), z.union([z.string(), z.number()]))
    .default({})
    .meta({ description: "ResourceQuota hard limits." }),
  isolation: z
    .boolean()
    .default(true)
    .meta({ description: "Default-deny network policy with same-namespace and ingress allowed." }),
  oidcGroups: z
    .array(z.string())
    .default([])
    .meta({ description: "OIDC groups bound to the tenant's namespaces (admin)." }),
  users: z.array(z.string()).default([]),
});

const oidcSchema = z.strictObject({
  issuerURL: z.string(),
  clientID: z.string(),
  usernameClaim: z.string().default("sub"),
  groupsClaim: z.string().default("groups"),
});

export const clusterSpecSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION, { message: `apiVersion must be ${API_VERSION}` }),
    kind: z.literal("Cluster", { message: "kind must be Cluster" }),
    name: dnsLabel("cluster name").meta({
      description: "Cluster name (DNS-1123 label); also the talosconfig context.",
    }),
    talos: z
      .strictObject({
        version: talosVersion,
        schematic: schematicSchema.default({}),
        installDisk: installDiskSchema.default("/dev/sda"),
        installImage: z
          .string()
          .optional()
          .meta({ description: "Override the installer image (default: from the Image Factory schematic)." }),
        patches: z
          .array(configPatch)
          .default([])
          .meta({ description: "Talos config patches for every node." }),
        controlPlanePatches: z.array(configPatch).default([]),
        workerPatches: z.array(configPatch).default([]),
        kubespan: z.boolean().default(false),
        clusterDiscovery: z.boolean().default(true),
      })
      .meta({ description: "Talos release, image and config patches." }),
    kubernetes: z
      .strictObject({
        version: kubernetesVersion
          .optional()
          .meta({ description: "Defaults to the Talos release's default Kubernetes." }),
        podSubnets: z.array(cidr).default(["10.244.0.0/16"]),
        serviceSubnets: z.array(cidr).default(["10.96.0.0/12"]),
        dnsDomain: z.string().default("cluster.local"),
        podBlocks: z
          .strictObject({
            size: z
              .number()
              .int()
              .min(8)
              .max(128)
              .meta({ description: "Prefix length of each node's block, e.g. 26." }),
          })
          .optional()
          .meta({
            description:
              "Give each node its own pod CIDR block carved from the first pod subnet (native routing).",
          }),
        allowSchedulingOnControlPlanes: z.boolean().default(false),
        oidc: oidcSchema.optional(),
        apiServerExtraArgs: z.record(z.string(), z.string()).default({}),
      })
      .default({
        podSubnets: ["10.244.0.0/16"],
        serviceSubnets: ["10.96.0.0/12"],
        dnsDomain: "cluster.local",
        allowSchedulingOnControlPlanes: false,
        apiServerExtraArgs: {},
      }),
    controlPlane: z
      .strictObject({
        endpoint: z.string().optional().meta({
          description:
            "https://host:port of the Kubernetes API. Defaults to the VIP, else the first control plane.",
        }),
        vip: z
          .strictObject({
            address,
            type: z.enum(["talos", "kube-vip"]).default("talos").meta({
              description:
                "Who holds the VIP: talos (machine-config VIP, Layer 2) or kube-vip (static pod with leader election).",
            }),
            network: z
              .string()
              .optional()
              .meta({ description: "Network the VIP floats on; defaults to the one containing it." }),
          })
          .optional()
          .meta({ description: "A Talos-managed shared address on the control planes (Layer 2 VIP)." }),
        extraSANs: z
          .array(z.string())
          .default([])
          .meta({ description: "Extra names/addresses on the API server certificate." }),
      })
      .default({ extraSANs: [] }),
    networks: z
      .record(z.string(), networkSchema)
      .meta({ description: "Named networks, e.g. mgmt, pods, ceph." })
      .transform(byName),
    nameservers: z.array(address).default([]),
    ntp: z.array(z.string()).default([]),
    provider: providerSchema,
    nodes: z.array(nodeSchema),
    addons: addonsSchema.default({}),
    tenants: z.array(tenantSchema).default([]),
  })
  .meta({
    title: "cairn Cluster",
    description:
      "One declarative description of a Talos Linux Kubernetes cluster. https://github.com/cairn-dev/cairn",
  });

export type ClusterSpec = z.output<typeof clusterSpecSchema>;
export type ClusterSpecInput = z.input<typeof clusterSpecSchema>;
export type NodeSpec = ClusterSpec["nodes"][number];
export type InterfaceSpec = NodeSpec["interfaces"][number];
export type NetworkSpec = ClusterSpec["networks"][string];
export type ProviderSpec = ClusterSpec["provider"];
export type SchematicSpec = z.output<typeof schematicSchema>;
export type PoolSpec = z.output<typeof poolSchema>;
export type InstallDiskSpec = z.output<typeof installDiskSchema>;
export type ConfigPatchSpec = z.output<typeof configPatch>;
