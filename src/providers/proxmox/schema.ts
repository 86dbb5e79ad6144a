// `provider: {type: proxmox}` and a node's `proxmox:` placement: the Proxmox VE API and where each VM runs.
import { z } from "zod";

export const proxmoxSection = z.strictObject({
  type: z.literal("proxmox"),
  endpoint: z.string().meta({
    description:
      "API URL, e.g. https://pve.lab:8006 (any node of the PVE cluster). CAIRN_PROXMOX_ENDPOINT overrides it (a proxy, the simulated PVE).",
  }),
  tokenIdEnv: z
    .string()
    .default("PROXMOX_TOKEN_ID")
    .meta({ description: "Env var holding the API token id (user@realm!name)." }),
  tokenSecretEnv: z
    .string()
    .default("PROXMOX_TOKEN_SECRET")
    .meta({ description: "Env var holding the token secret." }),
  caFile: z.string().optional().meta({
    description:
      "CA bundle the PVE certificate must chain to (/etc/pve/pve-root-ca.pem on any node); relative to cairn.yaml. TLS is always verified: without caFile or fingerprint, by the system's CAs.",
  }),
  fingerprint: z.string().optional().meta({
    description:
      "Pinned SHA-256 fingerprint of the PVE node's certificate (AB:CD:…, as Node → System → Certificates shows it); cairn shows it on first contact.",
  }),
  storage: z.string().default("local-lvm").meta({ description: "Storage for VM disks (content images)." }),
  isoStorage: z
    .string()
    .default("local")
    .meta({ description: "Storage for the cidata seed ISOs (and boot ISOs), content iso." }),
  importStorage: z.string().optional().meta({
    description:
      "Storage the Talos disk image is downloaded to (content import, PVE ≥ 8.4); defaults to isoStorage. Without import content cairn boots the Talos ISO instead.",
  }),
  bridge: z.string().default("vmbr0"),
  cpu: z
    .string()
    .default("host")
    .meta({ description: "CPU type (host; x86-64-v2-AES if VMs must live-migrate between CPU models)." }),
  ha: z.boolean().default(false).meta({
    description:
      "Make every VM an HA resource (restarted on another node when its host fails); a node's proxmox.ha overrides it.",
  }),
});

export const proxmoxPlacement = z
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
    ha: z.boolean().optional().meta({ description: "HA resource for this VM; defaults to provider.ha." }),
  })
  .meta({ description: "Where and how big the VM is on Proxmox VE." });

export type ProxmoxSection = z.output<typeof proxmoxSection>;
export type ProxmoxPlacement = z.output<typeof proxmoxPlacement>;
