// What each provider decides when the spec does not say: where a network's VLAN tag is applied and which Image
// Factory platform its machines boot. One table, so `validate --show-plan`, render and the provider itself read the
// same answer; the provider registry can take it over as one field per provider folder.

/**
 * Where an 802.1Q tag is put on a node's frames:
 * - `hypervisor`: the hypervisor's virtual NIC (Proxmox `net0: …,tag=16`), the cloud or the switch port tags;
 *   Talos sees and sends untagged frames on a plain link.
 * - `node`: Talos tags itself, with a VLAN sub-interface (`eth0.16`) on a link that carries the trunk.
 */
export const VLAN_TAGGINGS = ["hypervisor", "node"] as const;
export type VlanTagging = (typeof VLAN_TAGGINGS)[number];

export interface ProviderDefaults {
  vlanTagging: VlanTagging;
  /** Image Factory platform of the boot media and installer. */
  platform: "metal" | "nocloud" | "hcloud";
}

export const PROVIDER_DEFAULTS: Record<"proxmox" | "hetzner" | "static", ProviderDefaults> = {
  // Proxmox: the VM NIC carries the tag, as `qm set --net0 virtio,bridge=vmbr0,tag=16` does.
  proxmox: { vlanTagging: "hypervisor", platform: "nocloud" },
  // Hetzner Cloud networks have no VLANs on the server side; a vSwitch coupling maps them outside the server.
  hetzner: { vlanTagging: "hypervisor", platform: "hcloud" },
  // Machines cairn did not create: nothing but Talos can tag, so a VLAN on the network is Talos' job.
  static: { vlanTagging: "node", platform: "metal" },
};

export function providerDefaults(type: string): ProviderDefaults {
  return PROVIDER_DEFAULTS[type as keyof typeof PROVIDER_DEFAULTS] ?? PROVIDER_DEFAULTS.static;
}

/** What a provider or the renderer needs of an attachment to decide on tags (the model's interface has it). */
export interface TaggedAttachment {
  /** The VLAN id in effect, undefined when untagged. */
  vlan: number | undefined;
  tagging: VlanTagging;
}

/** The VLAN Talos must tag on this attachment (a VLAN sub-interface), if any. */
export const nodeVlanTag = (a: TaggedAttachment): number | undefined =>
  a.tagging === "node" ? a.vlan : undefined;

/** The VLAN the hypervisor or the network must tag for this attachment (e.g. the Proxmox NIC's tag=), if any. */
export const hypervisorVlanTag = (a: TaggedAttachment): number | undefined =>
  a.tagging === "hypervisor" ? a.vlan : undefined;
