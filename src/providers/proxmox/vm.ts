// What a node's Proxmox VM should be, as data: the VM cairn creates for it (q35, OVMF with an EFI disk, cpu host,
// the boot disk imported from the Image Factory image and grown to the spec's size, one virtio NIC per interface
// with its bridge and VLAN tag, a serial console, cairn's tags), the create call's parameters in PVE's own syntax,
// and the comparison of a VM's read-back config with it (parsed property strings, never raw text), so plan and
// diff see real drift only. Pure.
import { hypervisorVlanTag, nodeVlanTag } from "../tagging.js";
import type { NodeBootImage, ProviderInterface } from "../types.js";
import { assetUrl } from "../../talos/schematic/urls.js";
import { deterministicMac } from "./nocloud.js";
import { formatNetDevice, normaliseTags, parseDrive, parseNetDevice, parseSize } from "./propstring.js";
import type { ProxmoxPlacement, ProxmoxSection } from "./schema.js";

/** The tag that marks a VM as cairn's, for one cluster (PVE stores tags lower-cased). */
export const clusterTag = (cluster: string): string => `cairn-${cluster.toLowerCase()}`;

/** Owned volume names start with this (images, cidata seeds). */
const volumePrefix = (cluster: string): string => `cairn-${cluster}-`;

interface DesiredNic {
  index: number;
  bridge: string;
  /** The VLAN PVE tags on the NIC (tagging: hypervisor). */
  tag: number | undefined;
  mac: string;
  mtu: number | undefined;
}

/** How the VM gets Talos onto its disk. */
export type BootMode = "import" | "iso";

interface DesiredImage {
  mode: BootMode;
  storage: string;
  filename: string;
  volid: string;
  content: "import" | "iso";
  url: string;
  talosVersion: string;
  schematicId: string;
  platform: string;
}

export interface DesiredVm {
  node: string;
  role: "controlplane" | "worker";
  host: string;
  vmid: number;
  name: string;
  cores: number;
  memoryMiB: number;
  diskGiB: number;
  /** Storage of the boot and EFI disks. */
  storage: string;
  cpu: string;
  nics: DesiredNic[];
  /** cairn's tags (the VM may carry more of the user's own). */
  tags: string[];
  ha: boolean;
  /** The schematic carries the QEMU guest agent: enable the agent device. */
  agent: boolean;
  image: DesiredImage;
  /** The first-boot seed (absent with META key 10, which the metal image reads instead). */
  cidata: { storage: string; filename: string; volid: string } | undefined;
  /** ipconfigN mirroring the planned static addresses (META mode: shows them in PVE, read by nothing). */
  ipconfig: Record<string, string>;
  description: string;
}

export interface DesiredVmInput {
  cluster: string;
  node: { name: string; role: "controlplane" | "worker"; interfaces: readonly ProviderInterface[] };
  section: ProxmoxSection;
  placement: ProxmoxPlacement;
  image: NodeBootImage;
  /** Import the disk image (PVE ≥ 8.4 with an import storage) or boot the ISO and install (older PVE). */
  mode: BootMode;
  /** File name of the node's cidata seed in the ISO storage (content-addressed), unless the image has META. */
  cidataFilename: string | undefined;
  /** The image carries META key 10 (no seed): the planned addresses are mirrored in ipconfigN. */
  networkMeta: boolean;
}

/** The disk image PVE imports: qcow2 or raw (PVE's import cannot decompress, so a compressed raw becomes qcow2). */
function importFormat(format: string): "qcow2" | "raw" {
  return format === "raw" ? "raw" : "qcow2";
}

/** The Talos image a VM boots, named for the cluster (owned by it) and content-addressed by schematic+version. */
function desiredImage(
  cluster: string,
  section: ProxmoxSection,
  image: NodeBootImage,
  mode: BootMode,
): DesiredImage {
  const ext = mode === "iso" ? "iso" : importFormat(image.format);
  const base = `${image.platform}-amd64${image.secureBoot ? "-secureboot" : ""}`;
  const storage = mode === "iso" ? section.isoStorage : (section.importStorage ?? section.isoStorage);
  const filename = `${volumePrefix(cluster)}talos-${image.talosVersion}-${image.schematicId.slice(0, 12)}-${base}.${ext}`;
  return {
    mode,
    storage,
    filename,
    volid: `${storage}:${mode === "iso" ? "iso" : "import"}/${filename}`,
    content: mode === "iso" ? "iso" : "import",
    url: assetUrl(image.schematicId, image.talosVersion, `${base}.${ext}`),
    talosVersion: image.talosVersion,
    schematicId: image.schematicId,
    platform: image.platform,
  };
}

export function desiredVm(input: DesiredVmInput): DesiredVm {
  const { cluster, node, section, placement, image } = input;
  const bridge = placement.bridge ?? section.bridge;
  const nics = node.interfaces.map((i, index): DesiredNic => ({
    index,
    bridge,
    tag: hypervisorVlanTag(i),
    mac: deterministicMac(`${cluster}/${node.name}/${index}`),
    mtu: i.mtu,
  }));
  const ipconfig: Record<string, string> = {};
  if (input.networkMeta)
    node.interfaces.forEach((i, index) => {
      if (i.address && nodeVlanTag(i) === undefined)
        ipconfig[`ipconfig${index}`] = `ip=${i.address}/${i.prefix}${i.gateway ? `,gw=${i.gateway}` : ""}`;
    });
  const cidataStorage = section.isoStorage;
  return {
    node: node.name,
    role: node.role,
    host: placement.host,
    vmid: placement.vmid,
    name: node.name,
    cores: placement.cores,
    memoryMiB: placement.memory,
    diskGiB: placement.disk,
    storage: placement.storage ?? section.storage,
    cpu: section.cpu,
    nics,
    tags: normaliseTags([clusterTag(cluster), "talos", node.role]).split(";"),
    ha: placement.ha ?? section.ha,
    agent: image.extensions.includes("siderolabs/qemu-guest-agent"),
    image: desiredImage(cluster, section, image, input.mode),
    cidata: input.cidataFilename
      ? {
          storage: cidataStorage,
          filename: input.cidataFilename,
          volid: `${cidataStorage}:iso/${input.cidataFilename}`,
        }
      : undefined,
    ipconfig,
    description: `Talos node ${node.name} of cluster ${cluster} (${node.role}), made and managed by cairn: \`cairn plan\` shows drift, \`cairn destroy\` removes it.`,
  };
}

const nicValue = (n: DesiredNic): string =>
  formatNetDevice({
    model: "virtio",
    macaddr: n.mac,
    bridge: n.bridge,
    ...(n.tag !== undefined ? { tag: String(n.tag) } : {}),
    ...(n.mtu !== undefined ? { mtu: String(n.mtu) } : {}),
  });

/** The settings cairn keeps in line on an existing VM (values as PVE reads them back, before parsing). */
function managedValues(vm: DesiredVm): Record<string, string> {
  const out: Record<string, string> = {
    name: vm.name,
    machine: "q35",
    bios: "ovmf",
    ostype: "l26",
    cpu: vm.cpu,
    sockets: "1",
    cores: String(vm.cores),
    memory: String(vm.memoryMiB),
    balloon: "0",
    scsihw: "virtio-scsi-pci",
    serial0: "socket",
    onboot: "1",
    agent: vm.agent ? "enabled=1" : "enabled=0",
  };
  for (const n of vm.nics) out[`net${n.index}`] = nicValue(n);
  Object.assign(out, vm.ipconfig);
  return out;
}

/** POST /nodes/{host}/qemu parameters for the VM (created stopped: the disk is grown and HA set up first). */
export function createParams(vm: DesiredVm): Record<string, string | number> {
  const p: Record<string, string | number> = { vmid: vm.vmid, ...managedValues(vm) };
  p.memory = String(vm.memoryMiB);
  p.efidisk0 = `${vm.storage}:1,efitype=4m,pre-enrolled-keys=0`;
  if (vm.image.mode === "import") {
    p.scsi0 = `${vm.storage}:0,import-from=${vm.image.volid},discard=on,ssd=1`;
    p.boot = "order=scsi0";
  } else {
    p.scsi0 = `${vm.storage}:${vm.diskGiB},discard=on,ssd=1`;
    // The empty disk first: the firmware falls through to the ISO until Talos has installed itself.
    p.ide0 = `${vm.image.volid},media=cdrom`;
    p.boot = "order=scsi0;ide0";
  }
  if (vm.cidata) p.ide2 = `${vm.cidata.volid},media=cdrom`;
  p.tags = vm.tags.join(";");
  p.description = vm.description;
  return p;
}

export interface VmDrift {
  /** Human lines: "cores: VM has 2, spec 4". */
  changes: string[];
  /** POST …/config parameters that bring the VM in line. */
  set: Record<string, string>;
  /** Keys to remove (NICs the spec no longer has). */
  remove: string[];
  /** Grow the boot disk to this size ("64G"), when it is smaller. */
  resize: string | undefined;
  /** cairn's tags to add (the user's own tags stay). */
  tags: string | undefined;
}

const GiB = 2 ** 30;

function describeValue(key: string, v: string | undefined): string {
  if (v === undefined) return "unset";
  if (key === "memory") return `${Math.round(Number(v) / 1024)} GiB`;
  return v;
}

/** Whether two values of a key are the same setting (property strings parsed, case and order ignored). */
function sameValue(key: string, a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (/^net\d+$/.test(key)) {
    const x = parseNetDevice(a);
    const y = parseNetDevice(b);
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    return [...keys].every((k) => (x[k] ?? "").toLowerCase() === (y[k] ?? "").toLowerCase());
  }
  if (key === "agent") {
    const on = (s: string): boolean => /(^|,)(enabled=)?1(,|$)/.test(s);
    return on(a) === on(b);
  }
  if (key === "memory") return Number(a.replace(/^current=/, "")) === Number(b);
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return Number(a) === Number(b);
  return a === b;
}

/** NIC differences in the provider's words. */
function nicChange(key: string, have: string | undefined, want: string): string {
  if (have === undefined) return `${key}: missing, spec ${describeNic(want)}`;
  return `${key}: VM has ${describeNic(have)}, spec ${describeNic(want)}`;
}

function describeNic(value: string): string {
  const m = parseNetDevice(value);
  return [
    m.bridge ?? "no bridge",
    m.tag ? `tag ${m.tag}` : "untagged",
    ...(m.mtu ? [`mtu ${m.mtu}`] : []),
    ...(m.macaddr ? [m.macaddr] : []),
  ].join(" ");
}

/** A VM's read-back config against the spec: what differs, and the calls that fix it. */
export function vmDrift(vm: DesiredVm, observed: Record<string, string>): VmDrift {
  const want = managedValues(vm);
  const changes: string[] = [];
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(want)) {
    if (sameValue(k, observed[k], v)) continue;
    // The VM's own defaults PVE leaves out of the config when they are set to them.
    if (observed[k] === undefined && ((k === "sockets" && v === "1") || (k === "agent" && v === "enabled=0")))
      continue;
    set[k] = v;
    changes.push(
      /^net\d+$/.test(k)
        ? nicChange(k, observed[k], v)
        : `${k}: VM has ${describeValue(k, observed[k])}, spec ${describeValue(k, v)}`,
    );
  }
  const remove = Object.keys(observed)
    .filter((k) => /^net\d+$/.test(k) && !(k in want))
    .sort();
  for (const k of remove) changes.push(`${k}: VM has ${describeNic(observed[k]!)}, not in the spec`);
  let resize: string | undefined;
  const disk = observed.scsi0 ? parseDrive(observed.scsi0) : undefined;
  const size = disk?.size ? parseSize(disk.size) : undefined;
  if (size !== undefined && size < vm.diskGiB * GiB) {
    resize = `${vm.diskGiB}G`;
    changes.push(`scsi0: disk is ${Math.round((size / GiB) * 10) / 10} GiB, spec ${vm.diskGiB} GiB (grown)`);
  }
  const have = new Set(normaliseTags(observed.tags ?? "").split(";"));
  const missing = vm.tags.filter((t) => !have.has(t));
  let tags: string | undefined;
  if (missing.length) {
    tags = normaliseTags([...have, ...vm.tags]);
    changes.push(`tags: missing ${missing.join(", ")}`);
  }
  return { changes, set, remove, resize, tags };
}

/** One line for the plan: VM 101 on pve-ms01-01: 4 cores, 8 GiB, 64 GiB disk on local-lvm, NIC vmbr0 tag 16. */
export function describeVm(vm: DesiredVm): string {
  const nics = vm.nics.map((n) => `NIC ${n.bridge}${n.tag !== undefined ? ` tag ${n.tag}` : ""}`);
  const mem = vm.memoryMiB % 1024 === 0 ? `${vm.memoryMiB / 1024} GiB` : `${vm.memoryMiB} MiB`;
  return `VM ${vm.vmid} on ${vm.host}: ${vm.name}, ${vm.cores} cores, ${mem}, ${vm.diskGiB} GiB disk on ${vm.storage}, ${nics.join(", ")}`;
}
