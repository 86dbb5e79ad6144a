// Proxmox VE machines: a cluster's VMs made, changed and deleted through the PVE API. observe reads only (VMs by
// cairn's tag, volumes by their cluster-owned names), plan is pure (plan.ts), the handlers look before they act
// (handlers.ts), and destroy removes exactly what cairn owns, naming what it left alone.
import type { Action } from "../../engine/types.js";
import type {
  ProviderDestroyPlan,
  ProviderDrift,
  ProviderObservation,
  ProviderPlan,
  ProviderTarget,
  TargetContext,
} from "../types.js";
import type { ProxmoxClient } from "./client.js";
import { proxmoxClient, proxmoxConnection } from "./connect.js";
import { proxmoxHandlers } from "./handlers.js";
import { observeProxmox, volumeFile, type PveObservation } from "./observe.js";
import { haParams, ownedVm, placementOf, planProxmox } from "./plan.js";
import type { ProxmoxSection } from "./schema.js";
import { nodeSeed } from "./seed.js";
import { clusterTag, desiredVm, vmDrift } from "./vm.js";

interface Details {
  pve: PveObservation;
}

/** Timeouts of the provider's actions (a VM create with an image import takes minutes on slow storage). */
const TIMEOUTS = { provision: 20 * 60_000, deprovision: 10 * 60_000 };

export function proxmoxTarget(ctx: TargetContext): ProviderTarget {
  const { model } = ctx;
  const section = model.spec.provider as unknown as ProxmoxSection;
  const env = ctx.env ?? process.env;
  const byName = new Map(model.nodes.map((n) => [n.name, n]));
  const address = (node: string): string | undefined =>
    byName.get(node)?.address ?? ctx.known()[node]?.address;
  let client: ProxmoxClient | undefined;
  let label = "";
  const connect = (): ProxmoxClient => {
    if (client) return client;
    const conn = proxmoxConnection(section, env, ctx.specDir);
    label = `Proxmox VE at ${conn.endpoint} (TLS: ${conn.trustLabel})`;
    client = proxmoxClient(conn);
    return client;
  };
  const networkMeta = model.image?.networkMeta ?? false;
  const seedOf = (node: string): ReturnType<typeof nodeSeed> | undefined => {
    const n = byName.get(node);
    const config = ctx.config?.(node);
    if (!n || !config || networkMeta) return undefined;
    return nodeSeed(
      model.name,
      { name: n.name, address: n.address, interfaces: n.interfaces ?? [] },
      model.spec.nameservers ?? [],
      config.text,
    );
  };
  const images = (): Record<string, ReturnType<NonNullable<TargetContext["bootImage"]>>> =>
    Object.fromEntries(model.nodes.map((n) => [n.name, ctx.bootImage?.(n.name)]));

  const observe = async (): Promise<ProviderObservation> => {
    const pve = connect();
    const known = Object.keys(ctx.known());
    const hosts = model.nodes.map((n) => placementOf(n)?.host ?? "").filter((h) => h);
    const observed = await observeProxmox(pve, {
      cluster: model.name,
      hosts,
      vmids: model.nodes.map((n) => placementOf(n)?.vmid ?? 0).filter((v) => v),
      storages: [...new Set([section.isoStorage, section.importStorage ?? section.isoStorage])],
      nodes: [...new Set([...model.nodes.map((n) => n.name), ...known])],
    });
    const found = model.nodes.filter((n) => ownedVm(observed, n.name)).length;
    const details: Details = { pve: observed };
    return {
      summary: `${label}, PVE ${observed.version.version}: ${found} of ${model.nodes.length} VMs of ${model.name} found (tag ${clusterTag(model.name)})${observed.vms.length > found ? `, ${observed.vms.length - found} more of cairn's` : ""}`,
      fresh: false,
      details,
    };
  };

  const plan = (input: Parameters<ProviderTarget["plan"]>[0]): ProviderPlan => {
    const { pve } = input.observed.details as Details;
    const joining = input.joining.map((n) => n.name);
    const seeds: Record<string, string | undefined> = {};
    for (const n of joining) seeds[n] = seedOf(n)?.filename;
    return planProxmox({
      cluster: model.name,
      section,
      nodes: model.nodes,
      joining,
      leaving: input.leaving,
      known: Object.keys(ctx.known()),
      observed: pve,
      images: images(),
      seeds,
      networkMeta,
      timeouts: TIMEOUTS,
    });
  };

  const record = (node: string, vm: { vmid: number; host: string } | undefined): void => {
    const r = (ctx.state.get() as { vms?: Record<string, { vmid: number; host: string }> } | undefined) ?? {};
    const vms = { ...(r.vms ?? {}) };
    if (vm) vms[node] = vm;
    else delete vms[node];
    ctx.state.set({ ...r, vms });
  };

  const drift = (observed: ProviderObservation): ProviderDrift[] => {
    const { pve } = observed.details as Details;
    const out: ProviderDrift[] = [];
    for (const n of model.nodes) {
      const p = placementOf(n);
      const image = ctx.bootImage?.(n.name);
      if (!p || !image) continue;
      const vm = ownedVm(pve, n.name);
      if (!vm) {
        if (ctx.known()[n.name])
          out.push({ subject: n.name, changes: [`VM ${p.vmid} on ${p.host} is missing`] });
        continue;
      }
      const d = desiredVm({
        cluster: model.name,
        node: { name: n.name, role: n.role, interfaces: n.interfaces ?? [] },
        section,
        placement: { ...p, host: vm.host },
        image,
        mode: "import",
        cidataFilename: undefined,
        networkMeta,
      });
      const changes = vmDrift(d, vm.config).changes;
      const ha = pve.ha.resources.some((r) => r.sid === `vm:${vm.vmid}`);
      if (d.ha !== ha)
        changes.push(`HA resource: ${ha ? "present" : "missing"}, spec ${d.ha ? "wants one" : "wants none"}`);
      if (vm.host !== p.host)
        changes.push(`runs on ${vm.host}, spec places it on ${p.host} (an HA move; not changed)`);
      if (changes.length) out.push({ subject: `${n.name} (VM ${vm.vmid})`, changes });
    }
    return out;
  };

  const destroy = (observed: ProviderObservation): ProviderDestroyPlan => {
    const { pve } = observed.details as Details;
    const actions: Action[] = [];
    for (const vm of pve.vms) {
      const name = vm.name ?? `vm${vm.vmid}`;
      const sid = `vm:${vm.vmid}`;
      const ha = haParams(
        model.name,
        { node: name, vmid: vm.vmid, host: vm.host } as never,
        [],
        pve.version.major,
      );
      actions.push({
        id: `proxmox-vm-delete:${name}`,
        kind: "proxmox-vm-delete",
        node: name,
        title: `delete VM ${vm.vmid} (${name}) on ${vm.host}: stop, destroy with purge${pve.ha.resources.some((r) => r.sid === sid) ? ", HA resource removed" : ""}`,
        dependsOn: [],
        params: {
          node: name,
          host: vm.host,
          vmid: vm.vmid,
          tag: clusterTag(model.name),
          ha: pve.ha.resources.some((r) => r.sid === sid) ? sid : null,
          haGroup: pve.ha.groups.some((g) => g.group === ha.name) ? ha.name : null,
          haRule: pve.ha.rules.some((r) => r.rule === ha.name) ? ha.name : null,
          seeds: [],
        },
        timeoutMs: TIMEOUTS.deprovision,
      });
    }
    const vmDeletes = actions.map((a) => a.id);
    // A node's own storage holds its own copy; a shared one (Ceph, NFS) one copy that every node sees.
    const perHost = new Map<string, string[]>();
    const sharedSeen = new Set<string>();
    for (const [key, vols] of Object.entries(pve.volumes)) {
      const [host, storage] = key.split("/") as [string, string];
      const shared = pve.storages[host]?.find((x) => x.storage === storage)?.shared ?? false;
      for (const v of vols) {
        if (shared && sharedSeen.has(v.volid)) continue;
        sharedSeen.add(v.volid);
        perHost.set(host, [...new Set([...(perHost.get(host) ?? []), v.volid])]);
      }
    }
    for (const [host, volumes] of perHost)
      actions.push({
        id: `proxmox-volume-delete:${host}`,
        kind: "proxmox-volume-delete",
        title: `delete ${volumes.length} volume${volumes.length === 1 ? "" : "s"} of ${model.name} on ${host}: ${volumes.map(volumeFile).join(", ")}`,
        dependsOn: vmDeletes,
        params: { host, volumes: volumes.sort() },
        timeoutMs: 10 * 60_000,
      });
    const strayGroups = pve.ha.groups.map((g) => g.group);
    const strayRules = pve.ha.rules.map((r) => r.rule);
    for (const g of strayGroups)
      actions.push({
        id: `proxmox-ha-delete:group:${g}`,
        kind: "proxmox-ha-delete",
        title: `delete HA group ${g}`,
        dependsOn: vmDeletes,
        params: { haGroup: g },
      });
    for (const r of strayRules)
      actions.push({
        id: `proxmox-ha-delete:rule:${r}`,
        kind: "proxmox-ha-delete",
        title: `delete HA rule ${r}`,
        dependsOn: vmDeletes,
        params: { haRule: r },
      });
    const leftAlone = [
      ...pve.others.map(
        (v) =>
          `VM ${v.vmid} (${v.name ?? "no name"}) on ${v.host}: ${v.tags ? `tags ${v.tags}` : "no tags"}, not ${clusterTag(model.name)}`,
      ),
      ...[...new Set(Object.values(pve.otherVolumes).flat())].map(
        (v) => `volume ${v}: not named for ${model.name}`,
      ),
    ];
    return { actions, leftAlone, kept: [], blockers: [] };
  };

  return {
    type: "proxmox",
    simulated: false,
    label: "Proxmox VE",
    address,
    maintenanceAddress: address,
    observe,
    plan,
    handlers: () =>
      proxmoxHandlers({
        client: connect,
        seed: (node) => {
          const s = seedOf(node);
          return s ? { iso: s.cidata.iso, sha256: s.cidata.sha256, filename: s.filename } : undefined;
        },
        record,
        pollMs: 250,
      }),
    prepare: async () => [],
    drift,
    destroy,
    close: () => {
      client?.close();
      client = undefined;
    },
  };
}
