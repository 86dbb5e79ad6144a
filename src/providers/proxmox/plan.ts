// The Proxmox part of `cairn plan`/`apply`, pure: from the spec's VMs and what the PVE cluster holds, the actions in
// PVE's own terms — download the Talos image once per schematic+version+storage, create/start each joining node's
// VM, update a VM whose config drifted, remove a seed once its node runs its config, delete the VM of a node that
// left the spec (or one cairn made for a node that never joined). Anything at the spec's VM ids that is not cairn's
// is a blocker, never a target.
import type { Action } from "../../engine/types.js";
import type { NodeBootImage, ProviderNode, ProviderPlan } from "../types.js";
import { haName, volumeFile, type ObservedVm, type PveObservation } from "./observe.js";
import { parseDrive } from "./propstring.js";
import type { ProxmoxPlacement, ProxmoxSection } from "./schema.js";
import {
  clusterTag,
  createParams,
  describeVm,
  desiredVm,
  vmDrift,
  type BootMode,
  type DesiredVm,
} from "./vm.js";

export interface ProxmoxPlanInput {
  cluster: string;
  section: ProxmoxSection;
  /** Every node of the spec. */
  nodes: readonly ProviderNode[];
  joining: readonly string[];
  leaving: readonly { name: string; role: "controlplane" | "worker" }[];
  /** Nodes cairn's record knows (joined earlier). */
  known: readonly string[];
  observed: PveObservation;
  images: Readonly<Record<string, NodeBootImage | undefined>>;
  /** Each node's cidata file name (content-addressed by its config), unless its image carries META key 10. */
  seeds: Readonly<Record<string, string | undefined>>;
  /** True when the spec asks for META key 10 (talos.image.networkMeta): no cidata seeds. */
  networkMeta: boolean;
  timeouts: { provision: number; deprovision: number };
}

export const placementOf = (n: ProviderNode): ProxmoxPlacement | undefined =>
  (n.spec as { proxmox?: ProxmoxPlacement }).proxmox;

const TIMEOUT_IMAGE = 30 * 60_000;

/** The VM of a node: the one cairn owns by that name (its VM id may sit on another host after an HA move). */
export function ownedVm(observed: PveObservation, node: string): ObservedVm | undefined {
  return observed.vms.find((v) => v.name === node);
}

/** Import when PVE (≥ 8.4) has the content type on the import storage, else boot the ISO and let Talos install. */
function bootMode(
  observed: PveObservation,
  section: ProxmoxSection,
  host: string,
  image: NodeBootImage,
): { mode: BootMode; why?: string } {
  if (image.format === "iso") return { mode: "iso" };
  const storage = section.importStorage ?? section.isoStorage;
  const { major, minor } = observed.version;
  if (major < 8 || (major === 8 && minor < 4))
    return { mode: "iso", why: `PVE ${observed.version.version} has no import content (8.4+)` };
  const st = observed.storages[host]?.find((s) => s.storage === storage);
  if (!st?.content.includes("import"))
    return { mode: "iso", why: `storage ${storage} on ${host} has no import content enabled` };
  return { mode: "import" };
}

/** HA entries for a VM: a group on PVE 8.x, a node-affinity rule on 9.x, preferring the VM's own host. */
export function haParams(
  cluster: string,
  vm: DesiredVm,
  hosts: readonly string[],
  major: number,
): Record<string, unknown> {
  const nodes = [`${vm.host}:2`, ...hosts.filter((h) => h !== vm.host).map((h) => `${h}:1`)].join(",");
  return {
    sid: `vm:${vm.vmid}`,
    name: haName(cluster, vm.node),
    nodes,
    kind: major >= 9 ? "rule" : "group",
  };
}

function seedVolumes(observed: PveObservation, cluster: string, node: string, host: string): string[] {
  const out: string[] = [];
  const re = new RegExp(
    `^cairn-${cluster.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-(.+)-cidata-[0-9a-f]{12}\\.iso$`,
  );
  for (const [key, vols] of Object.entries(observed.volumes)) {
    if (!key.startsWith(`${host}/`)) continue;
    for (const v of vols) if (re.exec(volumeFile(v.volid))?.[1] === node) out.push(v.volid);
  }
  return [...new Set(out)].sort();
}

/** The cidata drive a VM has attached (ide2 with a cairn seed), if any. */
function attachedSeed(vm: ObservedVm | undefined): { drive: string; volid: string } | undefined {
  if (!vm) return undefined;
  for (const [k, v] of Object.entries(vm.config)) {
    if (!/^(ide|sata|scsi)\d+$/.test(k) || !/media=cdrom/.test(v)) continue;
    const file = parseDrive(v).file ?? "";
    if (/-cidata-[0-9a-f]{12}\.iso$/.test(file)) return { drive: k, volid: file };
  }
  return undefined;
}

function deleteParams(
  cluster: string,
  observed: PveObservation,
  vm: ObservedVm,
  node: string,
): Record<string, unknown> {
  const sid = `vm:${vm.vmid}`;
  const name = haName(cluster, node);
  return {
    node,
    host: vm.host,
    vmid: vm.vmid,
    tag: clusterTag(cluster),
    ha: observed.ha.resources.some((r) => r.sid === sid) ? sid : null,
    haGroup: observed.ha.groups.some((g) => g.group === name) ? name : null,
    haRule: observed.ha.rules.some((r) => r.rule === name) ? name : null,
    seeds: seedVolumes(observed, cluster, node, vm.host),
  };
}

export function planProxmox(input: ProxmoxPlanInput): ProviderPlan {
  const { cluster, section, observed } = input;
  const before: Action[] = [];
  const provision: Record<string, Action> = {};
  const deprovision: Record<string, Action> = {};
  const settle: Record<string, Action> = {};
  const blockers: string[] = [];
  const warnings: string[] = [];
  const joining = new Set(input.joining);
  const specNames = new Set(input.nodes.map((n) => n.name));
  const hosts = [...new Set(input.nodes.map((n) => placementOf(n)?.host ?? ""))].filter((h) => h);
  const online = Object.keys(observed.nodes).filter((n) => observed.nodes[n] === "online");

  for (const f of observed.foreign)
    blockers.push(
      `VM ${f.vmid}${f.host ? ` on ${f.host}` : ""} (${f.name ?? "no name"}) exists but is not cairn's (no tag cairn-${cluster.toLowerCase()}): cairn never touches it. Give the spec's node another vmid, or remove that VM yourself`,
    );
  for (const h of hosts) {
    if (observed.nodes[h] === undefined)
      blockers.push(
        `the spec places VMs on ${h}, but the PVE cluster has no node ${h} (its nodes: ${Object.keys(observed.nodes).join(", ")})`,
      );
    else if (observed.nodes[h] !== "online") blockers.push(`PVE node ${h} is ${observed.nodes[h]}`);
  }

  // Images: one download per schematic+version+storage (per host unless the storage is shared).
  const images = new Map<string, Action>();
  const desired = new Map<string, DesiredVm>();
  for (const n of input.nodes) {
    const p = placementOf(n);
    const image = input.images[n.name];
    if (!p || !image) continue;
    const vm = ownedVm(observed, n.name);
    const host = vm?.host ?? p.host;
    const { mode, why } = bootMode(observed, section, host, image);
    const d = desiredVm({
      cluster,
      node: { name: n.name, role: n.role, interfaces: n.interfaces ?? [] },
      section,
      placement: { ...p, host },
      image,
      mode,
      cidataFilename: input.networkMeta ? undefined : input.seeds[n.name],
      networkMeta: input.networkMeta,
    });
    desired.set(n.name, d);
    if (vm && vm.vmid !== p.vmid)
      blockers.push(
        `node ${n.name} is VM ${vm.vmid} on ${vm.host}, but the spec gives it VM id ${p.vmid}: cairn does not renumber VMs (remove the node and add it again, or put its vmid back)`,
      );
    const holder = observed.vms.find((v) => v.vmid === p.vmid && v.name !== n.name);
    if (holder && specNames.has(holder.name ?? ""))
      blockers.push(
        `VM id ${p.vmid} of ${n.name} is cairn's VM for node ${holder.name}: two nodes cannot swap VM ids`,
      );
    if (!joining.has(n.name) || vm) continue;
    if (why) warnings.push(`${n.name}: ${why}; cairn boots the Talos ISO and lets Talos install itself`);
    const storages = observed.storages[host] ?? [];
    const need = (storage: string, content: string, what: string): void => {
      const st = storages.find((s) => s.storage === storage);
      if (!st) blockers.push(`storage ${storage} (${what}) does not exist on ${host}`);
      else if (!st.content.includes(content))
        blockers.push(`storage ${storage} on ${host} does not hold ${content} content (${what})`);
    };
    need(d.storage, "images", `disks of ${n.name}`);
    if (d.cidata) need(d.cidata.storage, "iso", `${n.name}'s cidata seed`);
    if (!input.networkMeta && !input.seeds[n.name])
      blockers.push(`no machine config for ${n.name} to seed its first boot with`);
    const st = storages.find((s) => s.storage === d.image.storage);
    const key = st?.shared ? d.image.volid : `${host}/${d.image.volid}`;
    const have = Object.entries(observed.volumes).some(
      ([k, vols]) => (st?.shared || k.startsWith(`${host}/`)) && vols.some((v) => v.volid === d.image.volid),
    );
    if (!have && !images.has(key))
      images.set(key, {
        id: `proxmox-image:${key}`,
        kind: "proxmox-image",
        title: `download the Talos ${image.talosVersion} ${d.image.platform} ${d.image.mode === "iso" ? "ISO" : "disk image"} (schematic ${image.schematicId.slice(0, 12)}…) to ${d.image.volid} on ${host}, from Image Factory (once, reused)`,
        dependsOn: [],
        params: {
          host,
          storage: d.image.storage,
          content: d.image.content,
          filename: d.image.filename,
          volid: d.image.volid,
          url: d.image.url,
        },
        timeoutMs: TIMEOUT_IMAGE,
        detail: [`PVE's download-url: ${d.image.url}`],
      });
  }
  before.push(...images.values());

  // VMs cairn made for nodes that are neither in the spec nor in its record: an apply stopped before they joined.
  for (const vm of observed.vms) {
    const name = vm.name ?? `vm${vm.vmid}`;
    if (specNames.has(name) || input.known.includes(name) || input.leaving.some((l) => l.name === name))
      continue;
    before.push({
      id: `proxmox-vm-delete:${name}`,
      kind: "proxmox-vm-delete",
      title: `delete VM ${vm.vmid} (${name}) on ${vm.host}: cairn made it for a node that is no longer in the spec and never joined`,
      dependsOn: [],
      params: deleteParams(cluster, observed, vm, name),
      timeoutMs: input.timeouts.deprovision,
    });
  }

  for (const n of input.nodes) {
    const d = desired.get(n.name);
    if (!d) continue;
    const vm = ownedVm(observed, n.name);
    const ha = d.ha ? haParams(cluster, d, online.length ? online : hosts, observed.version.major) : null;
    if (joining.has(n.name)) {
      const imageAction = [...images.values()].find((a) => a.params.volid === d.image.volid);
      const state = !vm
        ? `create ${describeVm(d)}`
        : vm.status === "running"
          ? `${describeVm(d)}: running (made by an earlier run)`
          : `start ${describeVm(d)} (made by an earlier run)`;
      provision[n.name] = {
        id: `provision:${n.name}`,
        kind: "provision",
        node: n.name,
        title: `${state}${vm ? "" : "; start it"}`,
        dependsOn: imageAction && !vm ? [imageAction.id] : [],
        params: {
          node: n.name,
          host: d.host,
          vmid: d.vmid,
          diskGiB: d.diskGiB,
          create: createParams(d),
          image: {
            volid: d.image.volid,
            storage: d.image.storage,
            filename: d.image.filename,
            url: d.image.url,
            content: d.image.content,
          },
          cidata: d.cidata ?? null,
          ha,
          tag: d.tags[0],
        },
        timeoutMs: input.timeouts.provision,
        detail: [
          `boot disk: ${d.image.mode === "import" ? `imported from ${d.image.volid}, grown to ${d.diskGiB} GiB` : `empty ${d.diskGiB} GiB; Talos installs itself from ${d.image.volid} (CD-ROM)`}`,
          d.cidata
            ? `first boot: cidata CD-ROM ${d.cidata.volid} (machine config + static addresses, NoCloud), removed once the node runs its config`
            : "first boot: the image's META key 10 holds the static addresses; cairn sends the config in maintenance mode",
          `q35, OVMF + EFI disk, cpu ${d.cpu}, virtio-scsi, serial console, tags ${d.tags.join(";")}${d.agent ? ", QEMU guest agent" : ""}`,
          ...(ha ? [`HA resource ${ha.sid} (${ha.kind} ${ha.name}: ${ha.nodes})`] : []),
        ],
      };
    } else if (vm) {
      const drift = vmDrift(d, vm.config);
      const haNow = observed.ha.resources.some((r) => r.sid === `vm:${vm.vmid}`);
      const haChange = d.ha !== haNow ? (d.ha ? "add" : "remove") : null;
      if (drift.changes.length || haChange)
        before.push({
          id: `proxmox-vm-update:${n.name}`,
          kind: "proxmox-vm-update",
          node: n.name,
          title: `update VM ${vm.vmid} on ${vm.host} (${n.name}): ${[...drift.changes, ...(haChange ? [`HA resource: ${haChange}`] : [])].join("; ")}`,
          dependsOn: [],
          params: {
            node: n.name,
            host: vm.host,
            vmid: vm.vmid,
            set: drift.set,
            remove: drift.remove,
            resize: drift.resize ?? null,
            tags: drift.tags ?? null,
            ha: haChange
              ? { change: haChange, ...(ha ?? haParams(cluster, d, hosts, observed.version.major)) }
              : null,
          },
          timeoutMs: input.timeouts.provision,
          detail: Object.keys(drift.set).some((k) =>
            /^(cores|memory|sockets|cpu|machine|bios|net\d+)$/.test(k),
          )
            ? [
                "hardware changes of a running VM are pending in PVE until the VM restarts (cairn does not restart it)",
              ]
            : [],
        });
    }
    // The seed holds the machine config: it goes once the node runs its config (Talos keeps it on its disk).
    const attached = attachedSeed(vm);
    const host = vm?.host ?? d.host;
    const stale = seedVolumes(observed, cluster, n.name, host);
    const seeded = joining.has(n.name) && d.cidata !== undefined;
    if (seeded || attached || stale.length)
      settle[n.name] = {
        id: `proxmox-seed-remove:${n.name}`,
        kind: "proxmox-seed-remove",
        node: n.name,
        title: `remove ${n.name}'s first-boot seed (cidata CD-ROM with its machine config) from VM ${d.vmid} and ${d.cidata?.storage ?? section.isoStorage}`,
        dependsOn: [],
        params: {
          node: n.name,
          host,
          vmid: d.vmid,
          volumes: [...new Set([...stale, ...(d.cidata && seeded ? [d.cidata.volid] : [])])].sort(),
        },
        timeoutMs: 5 * 60_000,
      };
  }

  for (const l of input.leaving) {
    const vm = ownedVm(observed, l.name);
    deprovision[l.name] = vm
      ? {
          id: `deprovision:${l.name}`,
          kind: "deprovision",
          node: l.name,
          title: `delete VM ${vm.vmid} on ${vm.host} (${l.name}): stop, destroy with purge (disks, HA, backup jobs)${deleteParams(cluster, observed, vm, l.name).ha ? ", HA resource removed" : ""}`,
          dependsOn: [],
          params: deleteParams(cluster, observed, vm, l.name),
          timeoutMs: input.timeouts.deprovision,
        }
      : {
          id: `deprovision:${l.name}`,
          kind: "deprovision",
          node: l.name,
          title: `${l.name}: no VM of cairn's is left at Proxmox VE (nothing to delete)`,
          dependsOn: [],
          params: { node: l.name },
          timeoutMs: 60_000,
        };
  }

  return {
    before,
    provision,
    deprovision,
    settle,
    concurrency: Math.max(4, Object.keys(provision).length + images.size),
    blockers,
    warnings,
  };
}
