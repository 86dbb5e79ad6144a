// A node's NoCloud first-boot seed: its machine config as user-data and its static addresses as network-config,
// NICs matched by the MACs cairn gives them (deterministic per cluster, node and interface). Where Talos tags a
// VLAN itself (tagging: node), the address sits on a netplan `vlans:` entry over the trunk NIC. Pure.
import { nodeVlanTag } from "../tagging.js";
import type { ProviderInterface } from "../types.js";
import {
  buildCidata,
  cidataFilename,
  deterministicMac,
  type Cidata,
  type NocloudInterface,
} from "./nocloud.js";

export interface SeedNode {
  name: string;
  /** The management address (its interface carries the default route). */
  address: string | undefined;
  interfaces: readonly ProviderInterface[];
}

function nocloudInterfaces(cluster: string, node: SeedNode): NocloudInterface[] {
  return node.interfaces.map((i, index) => {
    const mac = deterministicMac(`${cluster}/${node.name}/${index}`);
    const addresses = i.address ? [`${i.address}/${i.prefix}`] : [];
    const gateway4 = i.gateway && i.address === node.address ? i.gateway : undefined;
    const vlan = nodeVlanTag(i);
    if (vlan !== undefined)
      return {
        mac,
        addresses: [],
        vlans: [
          {
            id: vlan,
            addresses,
            ...(gateway4 ? { gateway4 } : {}),
            ...(i.mtu !== undefined ? { mtu: i.mtu } : {}),
          },
        ],
      };
    return {
      mac,
      addresses,
      ...(gateway4 ? { gateway4 } : {}),
      ...(i.mtu !== undefined ? { mtu: i.mtu } : {}),
    };
  });
}

/** The node's cidata ISO and the (content-addressed, cluster-owned) file name it is uploaded as. */
export function nodeSeed(
  cluster: string,
  node: SeedNode,
  nameservers: readonly string[],
  config: string,
): { cidata: Cidata; filename: string } {
  const cidata = buildCidata({
    userData: config,
    hostname: node.name,
    instanceId: `${cluster}-${node.name}`,
    interfaces: nocloudInterfaces(cluster, node),
    nameservers,
  });
  return { cidata, filename: cidataFilename(cluster, node.name, cidata.sha256) };
}
