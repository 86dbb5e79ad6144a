// `provider: {type: proxmox}` and a node's `proxmox:` placement: the Proxmox VE API and where each VM runs.
import { z } from "zod";

export const proxmoxSection = z.strictObject({
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
  })
  .meta({ description: "Where and how big the VM is on Proxmox VE." });

export type ProxmoxSection = z.output<typeof proxmoxSection>;
export type ProxmoxPlacement = z.output<typeof proxmoxPlacement>;
