// Where a network's 802.1Q VLAN tag is applied: by the hypervisor (or cloud, or switch port) or by Talos on the node.
// Each provider chooses a default (its definition's `vlanTagging`); `validate --show-plan`, the renderer and the
// provider read the same answer from the resolved model.

/**
 * Where an 802.1Q tag is put on a node's frames:
 * - `hypervisor`: the hypervisor's virtual NIC (Proxmox `net0: …,tag=16`), the cloud or the switch port tags;
 *   Talos sees and sends untagged frames on a plain link.
 * - `node`: Talos tags itself, with a VLAN sub-interface (`eth0.16`) on a link that carries the trunk.
 */
export const VLAN_TAGGINGS = ["hypervisor", "node"] as const;
export type VlanTagging = (typeof VLAN_TAGGINGS)[number];

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
