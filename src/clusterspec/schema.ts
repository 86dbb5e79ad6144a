// The cairn.yaml spec (apiVersion cairn.dev/v1alpha1, kind Cluster): shape, types and defaults.
// Shape-level rules live here (zod, strict: unknown fields are errors); rules that relate fields to each other
// (CIDR overlaps, addresses inside networks, version windows) live in ./checks so all of them report at once.
import { z } from "zod";
import { address, cidr, dnsLabel } from "../fields.js";
import { addonsSchema } from "../addons/schema.js";
import { placementFields, providerSchema } from "../providers/schema.js";
import { VLAN_TAGGINGS } from "../providers/tagging.js";

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

const vlanTagging = z.enum(VLAN_TAGGINGS).meta({
  description:
    "Where the VLAN tag is applied. hypervisor: the VM's NIC (Proxmox tag=), the cloud or the switch port tags, and Talos sends untagged frames. node: Talos tags itself with a VLAN sub-interface (eth0.16) on a trunk link. Default: hypervisor on proxmox and hetzner, node on static.",
});

const networkSchema = z
  .strictObject({
    cidr,
    gateway: address.optional().meta({
      description: "Default gateway on this network (only the management network usually has one).",
    }),
    vlan: z.number().int().optional().meta({
      description: "802.1Q VLAN id (1–4094) of this network; `tagging` says who applies the tag.",
    }),
    tagging: vlanTagging.optional(),
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
      description:
        "VLAN id of this attachment (defaults to the network's vlan); 0 means untagged everywhere. Applied where `tagging` says.",
    }),
    tagging: vlanTagging
      .optional()
      .meta({ description: "Overrides the network's tagging for this attachment." }),
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

/** Boot media Image Factory serves: the ISO, and disk images raw (optionally compressed) or QCOW2. */
export const BOOT_FORMATS = ["iso", "raw", "raw.xz", "raw.zst", "raw.gz", "qcow2"] as const;

const imageSchema = z
  .strictObject({
    platform: z.enum(["metal", "nocloud", "hcloud"]).optional().meta({
      description:
        "Image Factory platform of the boot image and installer. Default: nocloud on proxmox, hcloud on hetzner, metal on static.",
    }),
    format: z.enum(BOOT_FORMATS).optional().meta({
      description:
        "Boot medium: iso, or a disk image raw, raw.xz, raw.zst, raw.gz or qcow2. Default: the platform's disk image (raw.xz; raw.zst on metal).",
    }),
    networkMeta: z.boolean().default(false).meta({
      description:
        "Bake each node's planned addresses, default route, hostname and nameservers into its image as META key 10, so it boots on its static address without DHCP (metal platform; one image per node).",
    }),
  })
  .meta({ description: "Which Talos image the machines boot." });

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
    sysctls: z
      .record(z.string(), z.union([z.string(), z.number().transform(String)]))
      .default({})
      .meta({
        description: "Kernel parameters, e.g. vm.nr_hugepages: 1024 (numbers are written as Talos' strings).",
      }),
    patches: z
      .array(configPatch)
      .default([])
      .meta({ description: "Talos config patches for this node, applied last." }),
    schematic: schematicSchema.optional(),
    podBlock: z.string().optional().meta({
      description:
        "This node's pod CIDR block (inside a pod subnet). Default: carved when kubernetes.podBlocks is set.",
    }),
    ...placementFields,
  })
  .meta({ description: "A machine in the cluster." });

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
        image: imageSchema.default({ networkMeta: false }),
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
export type { PoolSpec } from "../addons/shared-sections.js";
export type InstallDiskSpec = z.output<typeof installDiskSchema>;
export type ConfigPatchSpec = z.output<typeof configPatch>;
