// The NoCloud seed a Proxmox VM boots with: an ISO 9660 volume labelled "cidata" holding user-data (the node's
// machine config), meta-data (instance id, hostname) and network-config (v2, interfaces matched by MAC, static
// addresses). Talos' nocloud platform reads it from any block device with that label, so the machine config and
// the static addresses are there at first boot with no DHCP, no SSH and no snippet storage: PVE's upload API
// accepts .iso into `iso` content, and the volume is attached as a CD-ROM. Pure: same input, same bytes.
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { buildIso } from "./iso9660.js";

interface NocloudRoute {
  to: string;
  via: string;
  metric?: number;
}

export interface NocloudInterface {
  /** MAC the NIC gets in the VM config (netN macaddr=…): Talos matches the interface by it. */
  mac: string;
  /** CIDR addresses, e.g. 10.8.16.20/24. */
  addresses: readonly string[];
  gateway4?: string;
  gateway6?: string;
  mtu?: number;
  routes?: readonly NocloudRoute[];
  /** VLAN sub-interfaces Talos makes on this NIC (a trunk the hypervisor does not tag), with their addresses. */
  vlans?: readonly NocloudVlan[];
}

interface NocloudVlan {
  id: number;
  addresses: readonly string[];
  gateway4?: string;
  mtu?: number;
}

export interface CidataInput {
  /** The node's machine config; Talos ignores user-data that starts with #cloud-config. */
  userData: string;
  hostname: string;
  /** Stable per machine; a change makes cloud-init style readers treat the VM as new. */
  instanceId: string;
  interfaces: readonly NocloudInterface[];
  nameservers?: readonly string[];
  searchDomains?: readonly string[];
}

export interface CidataFiles {
  "user-data": string;
  "meta-data": string;
  "network-config": string;
}

export interface Cidata {
  files: CidataFiles;
  iso: Buffer;
  /** SHA-256 of the ISO, hex: the upload checksum and part of the volume name. */
  sha256: string;
}

const MAC_RE = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;

/** The three seed files. Throws on input Talos would not read (a #cloud-config user-data, a malformed MAC). */
export function cidataFiles(input: CidataInput): CidataFiles {
  if (/^#cloud-config/.test(input.userData))
    throw new Error(
      "user-data starting with #cloud-config is ignored by Talos; pass the machine config itself",
    );
  if (input.interfaces.length === 0) throw new Error("network-config needs at least one interface");
  const ethernets: Record<string, unknown> = {};
  const vlans: Record<string, unknown> = {};
  input.interfaces.forEach((nic, i) => {
    if (!MAC_RE.test(nic.mac)) throw new Error(`interface ${i}: "${nic.mac}" is not a MAC address`);
    const eth: Record<string, unknown> = {
      match: { macaddress: nic.mac.toLowerCase() },
      dhcp4: false,
      dhcp6: false,
      addresses: [...nic.addresses],
    };
    if (nic.gateway4) eth.gateway4 = nic.gateway4;
    if (nic.gateway6) eth.gateway6 = nic.gateway6;
    if (nic.mtu !== undefined) eth.mtu = nic.mtu;
    if (nic.routes?.length)
      eth.routes = nic.routes.map((r) => ({
        to: r.to,
        via: r.via,
        ...(r.metric !== undefined ? { metric: r.metric } : {}),
      }));
    // Talos (like netplan) reads resolvers per interface; put them on the first one so they are read once.
    if (i === 0 && (input.nameservers?.length || input.searchDomains?.length))
      eth.nameservers = {
        ...(input.searchDomains?.length ? { search: [...input.searchDomains] } : {}),
        ...(input.nameservers?.length ? { addresses: [...input.nameservers] } : {}),
      };
    ethernets[`nic${i}`] = eth;
    // netplan v2 `vlans:` (Talos' nocloud reader makes a VLAN link on the matched NIC, e.g. eth0.16).
    for (const v of nic.vlans ?? []) {
      if (!Number.isInteger(v.id) || v.id < 1 || v.id > 4094)
        throw new Error(`interface ${i}: VLAN ${v.id} is not 1–4094`);
      vlans[`nic${i}.${v.id}`] = {
        id: v.id,
        link: `nic${i}`,
        dhcp4: false,
        dhcp6: false,
        addresses: [...v.addresses],
        ...(v.gateway4 ? { gateway4: v.gateway4 } : {}),
        ...(v.mtu !== undefined ? { mtu: v.mtu } : {}),
      };
    }
  });
  return {
    "user-data": input.userData,
    "meta-data": stringify({ "instance-id": input.instanceId, "local-hostname": input.hostname }),
    "network-config": stringify({
      version: 2,
      ethernets,
      ...(Object.keys(vlans).length ? { vlans } : {}),
    }),
  };
}

/** The cidata ISO for a node. */
export function buildCidata(input: CidataInput): Cidata {
  const files = cidataFiles(input);
  const iso = buildIso({
    volumeId: "cidata",
    files: (Object.keys(files) as (keyof CidataFiles)[]).map((name) => ({
      name,
      data: Buffer.from(files[name], "utf8"),
    })),
  });
  return { files, iso, sha256: createHash("sha256").update(iso).digest("hex") };
}

/**
 * The ISO's file name in PVE's iso storage: owned by cairn (prefix), per cluster and node, and content-addressed so
 * a changed config is a new volume and a rerun finds the one it uploaded.
 */
export function cidataFilename(cluster: string, node: string, sha256: string): string {
  return `cairn-${cluster}-${node}-cidata-${sha256.slice(0, 12)}.iso`;
}

/**
 * A MAC in Proxmox's OUI (BC:24:11, the one PVE assigns from) derived from `seed` (cluster/node/interface), so the
 * network-config can name the NIC before the VM exists and a recreated VM keeps its MAC.
 */
export function deterministicMac(seed: string): string {
  const h = createHash("sha256").update(seed).digest();
  return [
    "BC",
    "24",
    "11",
    ...[h[0]!, h[1]!, h[2]!].map((b) => b.toString(16).toUpperCase().padStart(2, "0")),
  ].join(":");
}
