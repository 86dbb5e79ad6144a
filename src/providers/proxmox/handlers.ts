// The Proxmox actions, carried out through the API and safe to run again: every step looks before it acts (the VM by
// its fixed id and cairn's tag, volumes by their cluster-owned names, HA entries by theirs), notes in the journal
// what it is about to send, and treats "already there" as done — so an apply killed anywhere, run again, finishes
// the half-made VM instead of making a second one.
import type { ActionContext, ActionHandler } from "../../engine/types.js";
import { CairnError } from "../../errors.js";
import type { ProxmoxClient } from "./client.js";
import { ProxmoxApiError, ProxmoxTaskError } from "./errors.js";
import { normaliseTags, parseDrive, parseSize } from "./propstring.js";

export interface ProxmoxHandlerContext {
  client(): ProxmoxClient;
  /** The node's cidata ISO from its machine config now, and the file name it must have (the plan's). */
  seed(node: string): { iso: Buffer; sha256: string; filename: string } | undefined;
  /** Records what cairn made for a node (its VM), or forgets it. */
  record(node: string, vm: { vmid: number; host: string } | undefined): void;
  /** PVE polling interval (tests shorten it). */
  pollMs: number;
}

const GiB = 2 ** 30;
const str = (v: unknown): string => String(v);

const isNotFound = (e: unknown): boolean => e instanceof ProxmoxApiError && e.notFound;
const refusedOverride = (e: unknown): boolean =>
  e instanceof ProxmoxTaskError && /refusing to override|already exists/i.test(e.exitstatus);

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
}

async function configOf(
  pve: ProxmoxClient,
  host: string,
  vmid: number,
): Promise<Record<string, string> | undefined> {
  try {
    return (await pve.vmConfig(host, vmid)).values;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** A file in a storage: downloaded or uploaded once; a second try that PVE refuses because it exists is success. */
async function haveVolume(
  pve: ProxmoxClient,
  host: string,
  storage: string,
  volid: string,
): Promise<boolean> {
  return (await pve.storageContent(host, storage)).some((v) => v.volid === volid);
}

/** Waits while another task (an interrupted run's create) holds the VM; returns its config, or undefined if gone. */
async function settled(
  pve: ProxmoxClient,
  host: string,
  vmid: number,
  ctx: ActionContext,
  pollMs: number,
): Promise<Record<string, string> | undefined> {
  for (;;) {
    const config = await configOf(pve, host, vmid);
    if (!config?.lock) return config;
    ctx.progress(`VM ${vmid} is locked (${config.lock}) by a task still running in PVE; waiting`);
    if (ctx.signal.aborted) throw new CairnError("timeout", `VM ${vmid} stayed locked (${config.lock})`);
    await sleep(pollMs, ctx.signal);
  }
}

async function ensureImage(
  pve: ProxmoxClient,
  p: { host: string; storage: string; content: string; filename: string; volid: string; url: string },
  ctx: ActionContext,
): Promise<void> {
  if (await haveVolume(pve, p.host, p.storage, p.volid)) {
    ctx.progress(`${p.volid} is on ${p.host} already`);
    return;
  }
  ctx.journal.note("download", { volid: p.volid, url: p.url });
  ctx.progress(`${p.host} downloads ${p.url}`);
  try {
    await pve.run(
      pve.downloadUrl(p.host, p.storage, {
        url: p.url,
        filename: p.filename,
        content: p.content as "iso" | "import",
        verifyCertificates: true,
      }),
    );
  } catch (e) {
    // A download an interrupted run started finished first: the file is there.
    if (!(refusedOverride(e) && (await haveVolume(pve, p.host, p.storage, p.volid)))) throw e;
  }
  ctx.progress(`${p.volid} downloaded`);
}

async function ensureHa(
  pve: ProxmoxClient,
  ha: { sid: string; name: string; nodes: string; kind: "group" | "rule" },
  ctx: ActionContext,
): Promise<void> {
  const tolerate = async (call: Promise<unknown>): Promise<void> => {
    try {
      await call;
    } catch (e) {
      if (!(e instanceof ProxmoxApiError && e.alreadyExists)) throw e;
    }
  };
  if (ha.kind === "group") {
    if (!(await pve.haGroups()).some((g) => g.group === ha.name))
      await tolerate(pve.createHaGroup({ group: ha.name, nodes: ha.nodes, comment: "cairn" }));
  }
  if (!(await pve.haResources()).some((r) => r.sid === ha.sid)) {
    ctx.journal.note("ha", ha.sid);
    await tolerate(
      pve.createHaResource({
        sid: ha.sid,
        state: "started",
        ...(ha.kind === "group" ? { group: ha.name } : {}),
        comment: "cairn",
      }),
    );
  }
  if (ha.kind === "rule" && !(await pve.haRules()).some((r) => r.rule === ha.name))
    await tolerate(
      pve.createHaRule({
        rule: ha.name,
        type: "node-affinity",
        resources: ha.sid,
        nodes: ha.nodes,
        strict: false,
        comment: "cairn",
      }),
    );
  ctx.progress(`HA resource ${ha.sid} (${ha.kind} ${ha.name})`);
}

async function removeHa(
  pve: ProxmoxClient,
  p: { ha?: unknown; haGroup?: unknown; haRule?: unknown },
  ctx: ActionContext,
): Promise<void> {
  const gone = async (call: Promise<unknown>): Promise<void> => {
    try {
      await call;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  };
  if (p.haRule) await gone(pve.deleteHaRule(str(p.haRule)));
  if (p.ha) {
    await gone(pve.deleteHaResource(str(p.ha)));
    ctx.progress(`HA resource ${str(p.ha)} removed`);
  }
  if (p.haGroup) await gone(pve.deleteHaGroup(str(p.haGroup)));
}

async function deleteVolumes(
  pve: ProxmoxClient,
  host: string,
  volumes: readonly string[],
  ctx: ActionContext,
) {
  for (const volid of volumes) {
    const storage = volid.split(":")[0]!;
    try {
      await pve.waitTask(await pve.deleteVolume(host, storage, volid));
      ctx.progress(`deleted ${volid}`);
    } catch (e) {
      if (!isNotFound(e) && !(e instanceof ProxmoxTaskError && /does not exist/.test(e.exitstatus))) throw e;
    }
  }
}

/** Stop, destroy with purge (disks, HA, backup jobs, replication), then the seeds: whatever is left of it. */
async function deleteVm(pve: ProxmoxClient, p: Record<string, unknown>, ctx: ActionContext, pollMs: number) {
  const host = str(p.host);
  const vmid = Number(p.vmid);
  await removeHa(pve, p, ctx);
  const config = await settled(pve, host, vmid, ctx, pollMs);
  if (config) {
    if (
      !normaliseTags(config.tags ?? "")
        .split(";")
        .includes(str(p.tag ?? "")) &&
      p.tag
    )
      throw new CairnError(
        "apply",
        `VM ${vmid} on ${host} no longer carries cairn's tag ${str(p.tag)}: not deleting it`,
      );
    const status = await pve.vmStatus(host, vmid);
    if (status.status === "running") {
      ctx.journal.note("stop", vmid);
      await pve.run(pve.stopVm(host, vmid, { overruleShutdown: true }));
      ctx.progress(`VM ${vmid} stopped`);
    }
    ctx.journal.note("destroy", vmid);
    try {
      await pve.run(pve.deleteVm(host, vmid, { purge: true, destroyUnreferencedDisks: true }));
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    ctx.progress(`VM ${vmid} destroyed (purged)`);
  } else ctx.progress(`VM ${vmid} on ${host} is gone already`);
  await deleteVolumes(pve, host, (p.seeds as string[] | undefined) ?? [], ctx);
}

export function proxmoxHandlers(h: ProxmoxHandlerContext): Record<string, ActionHandler> {
  const provision: ActionHandler = async (action, ctx) => {
    const pve = h.client();
    const p = action.params;
    const node = str(p.node);
    const host = str(p.host);
    const vmid = Number(p.vmid);
    const image = p.image as {
      volid: string;
      storage: string;
      filename: string;
      url: string;
      content: string;
    };
    const cidata = p.cidata as { storage: string; filename: string; volid: string } | null;
    if (ctx.startedBefore)
      ctx.progress(
        `resuming ${node}: an interrupted run got as far as ${JSON.stringify(ctx.journal.get("step") ?? "the start")}`,
      );
    let config = await settled(pve, host, vmid, ctx, h.pollMs);
    if (
      config &&
      !normaliseTags(config.tags ?? "")
        .split(";")
        .includes(str(p.tag))
    )
      throw new CairnError(
        "apply",
        `VM ${vmid} on ${host} exists but is not cairn's (no tag ${str(p.tag)}): cairn never touches it`,
        {
          hint: "give the node another vmid in the spec, or remove that VM yourself",
        },
      );
    if (!config) {
      if (!(await haveVolume(pve, host, image.storage, image.volid)))
        await ensureImage(pve, { host, ...image }, ctx);
      if (cidata) {
        const seed = h.seed(node);
        if (!seed || seed.filename !== cidata.filename)
          throw new CairnError(
            "config-changed",
            `${node}: its machine config changed after the plan was made (seed ${seed?.filename ?? "none"}, planned ${cidata.filename}); nothing was created`,
            { hint: "run `cairn apply` again to plan with the current spec" },
          );
        if (!(await haveVolume(pve, host, cidata.storage, cidata.volid))) {
          ctx.journal.note("step", "upload-seed");
          try {
            await pve.run(
              pve.upload(host, cidata.storage, {
                content: "iso",
                filename: cidata.filename,
                data: seed.iso,
                sha256: seed.sha256,
              }),
            );
          } catch (e) {
            if (!(refusedOverride(e) && (await haveVolume(pve, host, cidata.storage, cidata.volid)))) throw e;
          }
          ctx.progress(`uploaded ${node}'s cidata seed ${cidata.volid}`);
        }
      }
      ctx.journal.note("step", "create");
      ctx.journal.note("create", { host, vmid });
      try {
        await pve.run(pve.createVm(host, p.create as Record<string, string | number> & { vmid: number }));
      } catch (e) {
        // Another run's create won the race: carry on with the VM it made (checked below).
        if (!(e instanceof ProxmoxApiError && e.alreadyExists)) throw e;
      }
      config = await settled(pve, host, vmid, ctx, h.pollMs);
      if (!config)
        throw new CairnError(
          "apply",
          `VM ${vmid} on ${host} is missing right after its create task succeeded`,
        );
      ctx.progress(`created VM ${vmid} on ${host}`);
    }
    h.record(node, { vmid, host });
    const disk = config.scsi0 ? parseDrive(config.scsi0) : undefined;
    const size = disk?.size ? parseSize(disk.size) : undefined;
    const want = Number(p.diskGiB);
    if (size !== undefined && size < want * GiB) {
      ctx.journal.note("step", "resize");
      await pve.waitTask(await pve.resizeDisk(host, vmid, "scsi0", `${want}G`));
      ctx.progress(`grew scsi0 to ${want} GiB`);
    }
    const status = await pve.vmStatus(host, vmid);
    if (status.status !== "running") {
      ctx.journal.note("step", "start");
      try {
        await pve.run(pve.startVm(host, vmid));
      } catch (e) {
        if (!(e instanceof ProxmoxTaskError && /already running/.test(e.exitstatus))) throw e;
      }
      ctx.progress(`started VM ${vmid}`);
    }
    if (p.ha)
      await ensureHa(pve, p.ha as { sid: string; name: string; nodes: string; kind: "group" | "rule" }, ctx);
  };

  const update: ActionHandler = async (action, ctx) => {
    const pve = h.client();
    const p = action.params;
    const host = str(p.host);
    const vmid = Number(p.vmid);
    const config = await settled(pve, host, vmid, ctx, h.pollMs);
    if (!config)
      throw new CairnError("apply", `VM ${vmid} on ${host} is gone`, { hint: "run `cairn apply` again" });
    const set: Record<string, string> = { ...(p.set as Record<string, string>) };
    if (p.tags) set.tags = str(p.tags);
    const remove = (p.remove as string[]) ?? [];
    if (Object.keys(set).length || remove.length) {
      await pve.waitTask(
        await pve.updateVmConfig(host, vmid, {
          ...set,
          ...(remove.length ? { delete: remove.join(",") } : {}),
        }),
      );
      ctx.progress(`VM ${vmid}: ${[...Object.keys(set), ...remove.map((r) => `-${r}`)].join(", ")} updated`);
    }
    if (p.resize) {
      await pve.waitTask(await pve.resizeDisk(host, vmid, "scsi0", str(p.resize)));
      ctx.progress(`VM ${vmid}: scsi0 grown to ${str(p.resize)}`);
    }
    const ha = p.ha as {
      change: "add" | "remove";
      sid: string;
      name: string;
      nodes: string;
      kind: "group" | "rule";
    } | null;
    if (ha?.change === "add") await ensureHa(pve, ha, ctx);
    if (ha?.change === "remove")
      await removeHa(
        pve,
        { ha: ha.sid, ...(ha.kind === "group" ? { haGroup: ha.name } : { haRule: ha.name }) },
        ctx,
      );
  };

  const seedRemove: ActionHandler = async (action, ctx) => {
    const pve = h.client();
    const p = action.params;
    const host = str(p.host);
    const vmid = Number(p.vmid);
    const config = await configOf(pve, host, vmid);
    const drives = Object.entries(config ?? {})
      .filter(
        ([k, v]) =>
          /^(ide|sata|scsi)\d+$/.test(k) && /media=cdrom/.test(v) && /-cidata-[0-9a-f]{12}\.iso/.test(v),
      )
      .map(([k, v]) => ({ key: k, volid: parseDrive(v).file ?? "" }));
    if (drives.length) {
      ctx.journal.note(
        "detach",
        drives.map((d) => d.key),
      );
      await pve.waitTask(
        await pve.updateVmConfig(host, vmid, { delete: drives.map((d) => d.key).join(",") }),
      );
      ctx.progress(`detached ${drives.map((d) => `${d.key} (${d.volid})`).join(", ")} from VM ${vmid}`);
    }
    await deleteVolumes(
      pve,
      host,
      [...new Set([...((p.volumes as string[]) ?? []), ...drives.map((d) => d.volid)])],
      ctx,
    );
  };

  const remove: ActionHandler = async (action, ctx) => {
    const p = action.params;
    if (p.vmid === undefined) return;
    await deleteVm(h.client(), p, ctx, h.pollMs);
    h.record(str(p.node), undefined);
  };

  const volumeDelete: ActionHandler = async (action, ctx) => {
    await deleteVolumes(h.client(), str(action.params.host), (action.params.volumes as string[]) ?? [], ctx);
  };

  const haDelete: ActionHandler = async (action, ctx) => removeHa(h.client(), action.params, ctx);

  return {
    "proxmox-image": async (action, ctx) =>
      ensureImage(h.client(), action.params as Parameters<typeof ensureImage>[1], ctx),
    provision,
    "proxmox-vm-update": update,
    "proxmox-seed-remove": seedRemove,
    "proxmox-vm-delete": remove,
    "proxmox-volume-delete": volumeDelete,
    "proxmox-ha-delete": haDelete,
    deprovision: remove,
  };
}
