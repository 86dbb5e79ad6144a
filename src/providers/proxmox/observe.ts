// A read-only look at what a Proxmox VE cluster holds for one cairn cluster: the PVE version, the nodes the spec
// places VMs on, their storages, the VMs cairn owns (tag cairn-<cluster>) with their read-back configs, the VMs
// sitting at the spec's VM ids that are not cairn's (never touched), cairn's volumes (cluster-named images and
// cidata seeds) and HA entries. Nothing is created, changed or started.
import type { PveHaResource, PveStorage, PveVolume, ProxmoxClient } from "./client.js";
import { normaliseTags } from "./propstring.js";
import { clusterTag } from "./vm.js";

export interface ObservedVm {
  vmid: number;
  host: string;
  name: string | undefined;
  status: string;
  lock: string | undefined;
  tags: string;
  config: Record<string, string>;
}

interface ForeignVm {
  vmid: number;
  host: string | undefined;
  name: string | undefined;
  tags: string;
}

export interface PveObservation {
  version: { version: string; major: number; minor: number };
  /** Every PVE node and whether it is online. */
  nodes: Record<string, string>;
  /** Storages per PVE host cairn looked at. */
  storages: Record<string, PveStorage[]>;
  vms: ObservedVm[];
  /** VMs at the spec's VM ids that lack cairn's tag. */
  foreign: ForeignVm[];
  /** Other VMs on the hosts, for `destroy`'s report of what it left alone. */
  others: ForeignVm[];
  /** cairn's volumes by "host/storage" (the cluster's name prefix). */
  volumes: Record<string, PveVolume[]>;
  /** Volumes on the same storages that are not cairn's (left alone). */
  otherVolumes: Record<string, string[]>;
  ha: {
    resources: PveHaResource[];
    groups: { group: string; nodes: string | undefined }[];
    rules: { rule: string; type: string; resources: string | undefined; nodes: string | undefined }[];
  };
}

export interface ObserveInput {
  cluster: string;
  /** PVE hosts the spec (and cairn's VMs) use. */
  hosts: readonly string[];
  /** VM ids the spec asks for. */
  vmids: readonly number[];
  /** Storages whose content cairn owns files in (ISO, import). */
  storages: readonly string[];
  /** Node names of the spec and of cairn's record (cidata seeds and HA entries are named after them). */
  nodes: readonly string[];
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Whether a volume's file name is one cairn makes for this cluster: its Talos images
 * (cairn-<cluster>-talos-<version>-<schematic12>-<platform>-<arch>.<ext>) and its nodes' seeds
 * (cairn-<cluster>-<node>-cidata-<sha12>.iso). Exact shapes, so cluster "lab" never claims cluster "lab-2"'s files.
 */
export function ownsVolume(cluster: string, nodes: readonly string[], filename: string): boolean {
  const c = escape(cluster);
  if (
    new RegExp(
      `^cairn-${c}-talos-v\\d+\\.\\d+\\.\\d+[^-]*-[0-9a-f]{12}-[a-z]+-(amd64|arm64)(-secureboot)?\\.(qcow2|raw|iso)$`,
    ).test(filename)
  )
    return true;
  const m = new RegExp(`^cairn-${c}-(.+)-cidata-[0-9a-f]{12}\\.iso$`).exec(filename);
  return m !== null && nodes.includes(m[1]!);
}

/** The file name of a volume id ("local:iso/x.iso" → "x.iso"). */
export const volumeFile = (volid: string): string => volid.replace(/^[^:]+:(iso|import|images)\//, "");

/**
 * The HA group / rule id cairn uses for a node's VM: a pve-configid, so letters, digits and underscores only (older
 * pve-common refuses hyphens in these ids).
 */
export function haName(cluster: string, node: string): string {
  return `cairn_${cluster}_${node}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

export async function observeProxmox(pve: ProxmoxClient, input: ObserveInput): Promise<PveObservation> {
  const tag = clusterTag(input.cluster);
  const [version, nodes, resources] = await Promise.all([
    pve.version(),
    pve.nodes(),
    pve.clusterResources("vm"),
  ]);
  const qemu = resources.filter((r) => r.type === "qemu");
  const owned = qemu.filter((r) => normaliseTags(r.tags).split(";").includes(tag));
  const ownedIds = new Set(owned.map((r) => r.vmid));
  const wanted = new Set(input.vmids);
  const hosts = [...new Set([...input.hosts, ...owned.map((r) => r.node ?? "")])].filter(
    (h) => h && nodes.some((n) => n.node === h && n.status === "online"),
  );
  const vms = await Promise.all(
    owned.map(async (r): Promise<ObservedVm> => {
      const config = await pve.vmConfig(r.node!, r.vmid!);
      return {
        vmid: r.vmid!,
        host: r.node!,
        name: r.name,
        status: r.status ?? "unknown",
        lock: r.lock ?? config.values.lock,
        tags: r.tags,
        config: config.values,
      };
    }),
  );
  const describe = (r: (typeof qemu)[number]): ForeignVm => ({
    vmid: r.vmid ?? 0,
    host: r.node,
    name: r.name,
    tags: r.tags,
  });
  const storages: Record<string, PveStorage[]> = {};
  const volumes: Record<string, PveVolume[]> = {};
  const otherVolumes: Record<string, string[]> = {};
  const known = [...new Set([...input.nodes, ...vms.map((v) => v.name ?? "")])].filter((n) => n);
  await Promise.all(
    hosts.map(async (host) => {
      storages[host] = await pve.storages(host);
      for (const s of input.storages) {
        const st = storages[host]!.find((x) => x.storage === s);
        if (!st || !st.active) continue;
        const content = await pve.storageContent(host, s);
        const files = content.filter((v) => v.content === "iso" || v.content === "import");
        const mine = (v: PveVolume): boolean => ownsVolume(input.cluster, known, volumeFile(v.volid));
        volumes[`${host}/${s}`] = files.filter(mine);
        otherVolumes[`${host}/${s}`] = files.filter((v) => !mine(v)).map((v) => v.volid);
      }
    }),
  );
  const [haResources, groups, rules] = await Promise.all([
    pve.haResources(),
    version.major < 9 ? pve.haGroups() : Promise.resolve([]),
    version.major >= 9 ? pve.haRules() : Promise.resolve([]),
  ]);
  const haNames = new Set(known.map((n) => haName(input.cluster, n)));
  return {
    version: { version: version.version, major: version.major, minor: version.minor },
    nodes: Object.fromEntries(nodes.map((n) => [n.node, n.status])),
    storages,
    vms,
    foreign: qemu.filter((r) => wanted.has(r.vmid ?? -1) && !ownedIds.has(r.vmid)).map(describe),
    others: qemu.filter((r) => !ownedIds.has(r.vmid) && hosts.includes(r.node ?? "")).map(describe),
    volumes,
    otherVolumes,
    ha: {
      resources: haResources.filter((h) => ownedIds.has(Number(h.sid.replace(/^vm:/, "")))),
      groups: groups.filter((g) => haNames.has(g.group)),
      rules: rules.filter((r) => haNames.has(r.rule)),
    },
  };
}
