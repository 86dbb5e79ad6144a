// The resolved model: the spec with every default applied, addresses planned and versions pinned. Everything
// downstream (render, plan, twin rehearsal) reads the model, never the raw spec.
import type { Contract } from "../talos/versions.js";
import type { VlanTagging } from "../providers/tagging.js";
import type { ClusterSpec, InstallDiskSpec, NodeSpec, SchematicSpec } from "./schema.js";

export interface ModelInterface {
  network: string;
  /** Planned or given address, without prefix; undefined for DHCP-only interfaces. */
  address: string | undefined;
  /** Prefix length of the network. */
  prefix: number;
  cidr: string;
  gateway: string | undefined;
  /** The VLAN id in effect (interface over network; 0 = untagged → undefined). */
  vlan: number | undefined;
  /** Who applies `vlan`: interface over network over the provider's default (providers/defaults.ts). */
  tagging: VlanTagging;
  mtu: number | undefined;
  dhcp: boolean;
  /** How Talos finds the link. */
  link: { name?: string; deviceSelector?: Record<string, string | boolean> };
  /** Control-plane VIP carried on this interface. */
  vip: string | undefined;
  /** True when `address: auto` was planned by cairn. */
  planned: boolean;
}

export interface ModelNode {
  name: string;
  role: NodeSpec["role"];
  /** Position in spec.nodes, for error paths. */
  index: number;
  interfaces: ModelInterface[];
  /** The address cairn uses to reach the node's Talos API (first management interface). */
  address: string | undefined;
  podBlock: string | undefined;
  schematic: SchematicSpec;
  installDisk: InstallDiskSpec;
  spec: NodeSpec;
}

export interface Model {
  spec: ClusterSpec;
  name: string;
  talosVersion: string;
  contract: Contract;
  kubernetesVersion: string;
  endpoint: { url: string; host: string; port: number };
  vip: { address: string; network: string } | undefined;
  /** The boot image: platform and medium (provider defaults applied), and whether META key 10 is derived. */
  image: { platform: "metal" | "nocloud" | "hcloud"; format: string; networkMeta: boolean };
  /** SANs for the API server and Talos API certificates beyond the defaults. */
  certSANs: string[];
  nodes: ModelNode[];
}
