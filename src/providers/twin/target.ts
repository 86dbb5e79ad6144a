// The twin as a provider: the spec's machines played by a local SIMULATED fleet (src/twin). Observing it reads the
// daemon's record and asks it for its slots; nothing starts until a plan's `twin-up` action runs. A node is
// "provisioned" by giving it a free slot of its role; "deprovisioning" frees the slot again.
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Action, ActionHandler } from "../../engine/types.js";
import { CairnError, UserError } from "../../errors.js";
import type { TwinStatus } from "../../twin/twin.js";
import type {
  ProviderObservation,
  ProviderPlan,
  ProviderPlanInput,
  ProviderTarget,
  TargetContext,
} from "../types.js";

/** Spare slots beyond the spec, so a rehearsal can add a node (or a replacement control plane) later. */
const SPARE_CONTROLPLANES = 1;
const SPARE_WORKERS = 1;
const DEFAULT_REBOOT_MS = 1000;

interface TwinSlot {
  /** The twin's node name ("cp-1", "worker-2"). */
  slot: string;
  address: string;
}

/** The twin's section of cairn's state: which daemon played the cluster, and each node's slot. */
export interface TwinRecord {
  daemon?: { pid: number; startedAt: string; subnet: string };
  slots: Record<string, TwinSlot>;
}

interface TwinObservationDetails {
  running: boolean;
  daemon?: { pid: number; startedAt: string };
  status?: TwinStatus;
}

interface DaemonFile {
  pid: number;
  startedAt: string;
}

function readDaemonFile(twinDir: string): DaemonFile | undefined {
  try {
    return JSON.parse(readFileSync(join(twinDir, "daemon.json"), "utf8")) as DaemonFile;
  } catch {
    return undefined;
  }
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Which free slot each joining node takes: its role's first free slot, else any free slot (deterministic). A slot
 * whose machine still holds a config (released without a reset: it was dead) or has a fault goes last: a node given
 * it would wait for a machine that is not in maintenance mode.
 */
function assignSlots(
  joining: readonly { name: string; role: "controlplane" | "worker" }[],
  slots: readonly {
    name: string;
    address: string;
    plannedRole: "controlplane" | "worker";
    machineType?: string | undefined;
    faults?: readonly string[];
  }[],
  taken: Readonly<Record<string, TwinSlot>>,
): { assigned: Record<string, TwinSlot>; missing: string[] } {
  const used = new Set(Object.values(taken).map((t) => t.slot));
  const assigned: Record<string, TwinSlot> = {};
  const missing: string[] = [];
  const ready = (s: (typeof slots)[number]): boolean => s.machineType === undefined && !s.faults?.length;
  for (const n of joining) {
    if (taken[n.name]) continue;
    const free =
      slots.find((s) => !used.has(s.name) && s.plannedRole === n.role && ready(s)) ??
      slots.find((s) => !used.has(s.name) && ready(s)) ??
      slots.find((s) => !used.has(s.name) && s.plannedRole === n.role) ??
      slots.find((s) => !used.has(s.name));
    if (!free) {
      missing.push(`${n.name} (${n.role})`);
      continue;
    }
    used.add(free.name);
    assigned[n.name] = { slot: free.name, address: free.address };
  }
  return { assigned, missing };
}

export function twinTarget(ctx: TargetContext): ProviderTarget {
  const twinDir = join(ctx.dir, "twin");
  const record = (): TwinRecord => {
    const r = ctx.state.get() as Partial<TwinRecord> | undefined;
    return { ...(r?.daemon ? { daemon: r.daemon } : {}), slots: { ...(r?.slots ?? {}) } };
  };
  const save = (mutate: (r: TwinRecord) => void): void => {
    const r = record();
    mutate(r);
    ctx.state.set(r);
  };
  const cps = ctx.model.nodes.filter((n) => n.role === "controlplane").length;
  const workers = ctx.model.nodes.length - cps;
  const size = { controlplanes: cps + SPARE_CONTROLPLANES, workers: workers + SPARE_WORKERS };
  const talosVersion = ctx.twin?.talosVersion ?? ctx.model.talosVersion;
  const envReboot = Number(process.env.CAIRN_TWIN_REBOOT_MS);
  const rebootMs =
    ctx.twin?.rebootMs ?? (Number.isFinite(envReboot) && envReboot > 0 ? envReboot : DEFAULT_REBOOT_MS);
  const subnet = ctx.twin?.subnet ?? process.env.CAIRN_TWIN_SUBNET;

  const address = (node: string): string | undefined => record().slots[node]?.address;

  const observe = async (): Promise<ProviderObservation> => {
    const daemon = await import("../../twin/daemon.js");
    let info = readDaemonFile(twinDir);
    // A cairn killed while its twin was starting leaves a daemon that writes daemon.json a moment later: wait for
    // it (reading only) rather than plan a second twin on the same addresses.
    const logFile = join(twinDir, "daemon.log");
    if (!info && existsSync(logFile) && Date.now() - statSync(logFile).mtimeMs < 60_000) {
      const deadline = Date.now() + 20_000;
      while (!info && Date.now() < deadline) {
        await delay(100);
        info = readDaemonFile(twinDir);
      }
    }
    const rec = record();
    if (!info || !daemon.processAlive(info.pid)) {
      const details: TwinObservationDetails = { running: false };
      return {
        summary: "no twin is running: apply starts one (SIMULATED machines, every node in maintenance mode)",
        fresh: true,
        absent: `no twin is running for ${ctx.model.name} (state ${twinDir}): \`cairn apply --twin\` starts one`,
        details,
      };
    }
    const status = await daemon.status(twinDir);
    const same = rec.daemon?.pid === info.pid && rec.daemon?.startedAt === info.startedAt;
    const details: TwinObservationDetails = {
      running: true,
      daemon: { pid: info.pid, startedAt: info.startedAt },
      status,
    };
    return {
      summary: `twin running (SIMULATED Talos ${status.talosVersion}) on ${status.subnet}, ${status.nodes.length} slots, state ${twinDir}`,
      // A daemon other than the one the record describes: the simulated machines were wiped, so is the record.
      fresh: !same,
      details,
    };
  };

  const plan = (input: ProviderPlanInput): ProviderPlan => {
    const d = (input.observed.details ?? { running: false }) as TwinObservationDetails;
    const before: Action[] = [];
    const provision: Record<string, Action> = {};
    const deprovision: Record<string, Action> = {};
    const blockers: string[] = [];
    const warnings: string[] = [];
    if (!d.running) {
      before.push({
        id: "twin-up",
        kind: "twin-up",
        title: `start the twin: SIMULATED Talos ${talosVersion}, ${cps}+${SPARE_CONTROLPLANES} control-plane and ${workers}+${SPARE_WORKERS} worker slots on ${subnet ?? "a free 127.0.x.0/24"}`,
        dependsOn: [],
        params: { ...size, talosVersion, rebootMs, ...(subnet ? { subnet } : {}) },
        timeoutMs: 2 * 60_000,
        detail: [
          `state ${twinDir}; reboot ${rebootMs} ms; \`cairn twin down --state-dir ${twinDir}\` stops it`,
        ],
      });
    }
    const taken = input.observed.fresh ? {} : record().slots;
    let predicted: Record<string, TwinSlot> = {};
    if (d.running && d.status) {
      const { assigned, missing } = assignSlots(input.joining, d.status.nodes, taken);
      predicted = assigned;
      for (const [node, slot] of Object.entries(assigned)) {
        const m = d.status.nodes.find((x) => x.name === slot.slot);
        if (m && (m.machineType !== undefined || m.faults.length > 0))
          warnings.push(
            `${node} gets twin slot ${slot.slot}, whose simulated machine is not waiting in maintenance mode (${m.faults.length ? m.faults.join(", ") : "it still holds an old config"}): its config waits until the machine is back (\`cairn twin fault ${slot.slot} heal --state-dir ${twinDir}\`)`,
          );
      }
      if (missing.length)
        blockers.push(
          `the twin running from ${twinDir} has no free slot for ${missing.join(", ")}; stop it with \`cairn twin down --state-dir ${twinDir}\` and apply again to start a twin sized for the spec (the rehearsal starts over)`,
        );
    }
    for (const n of input.joining) {
      const at = predicted[n.name]?.address;
      provision[n.name] = {
        id: `provision:${n.name}`,
        kind: "provision",
        node: n.name,
        title: `give ${n.name} a twin slot${at ? ` at ${at}` : ""} (simulated: a machine waiting in maintenance mode)`,
        dependsOn: before.map((a) => a.id),
        params: { node: n.name, role: n.role },
        timeoutMs: 60_000,
      };
    }
    for (const n of input.leaving) {
      deprovision[n.name] = {
        id: `deprovision:${n.name}`,
        kind: "deprovision",
        node: n.name,
        title: `release ${n.name}'s twin slot (simulated)`,
        dependsOn: [],
        params: { node: n.name },
        timeoutMs: 60_000,
      };
    }
    return { before, provision, deprovision, blockers, warnings };
  };

  const twinUp: ActionHandler = async (action, ac) => {
    const daemon = await import("../../twin/daemon.js");
    const info = readDaemonFile(twinDir);
    if (info && daemon.processAlive(info.pid)) {
      ac.progress(`the twin is already running (pid ${info.pid})`);
    } else {
      const p = action.params as {
        controlplanes: number;
        workers: number;
        talosVersion: string;
        rebootMs: number;
        subnet?: string;
      };
      const status = await daemon.up({
        stateDir: twinDir,
        controlplanes: p.controlplanes,
        workers: p.workers,
        talosVersion: p.talosVersion,
        subnet: p.subnet ?? (await freeSubnet(ctx.dir)),
        rebootMs: p.rebootMs,
      });
      ac.progress(
        `started a twin (SIMULATED Talos ${status.talosVersion}) on ${status.subnet}: ${status.nodes.length} slots`,
      );
    }
    const now = readDaemonFile(twinDir);
    const status = await daemon.status(twinDir);
    if (!now) throw new CairnError("twin", `the twin in ${twinDir} did not record its daemon`);
    save((r) => {
      r.daemon = { pid: now.pid, startedAt: now.startedAt, subnet: status.subnet };
    });
  };

  const provisionSlot: ActionHandler = async (action, ac) => {
    const node = String(action.params.node);
    const role = action.params.role === "controlplane" ? "controlplane" : "worker";
    const existing = record().slots[node];
    if (existing) {
      ac.progress(`${node} plays twin slot ${existing.slot} at ${existing.address} (simulated)`);
      return;
    }
    const daemon = await import("../../twin/daemon.js");
    const status = await daemon.status(twinDir);
    const { assigned, missing } = assignSlots([{ name: node, role }], status.nodes, record().slots);
    if (missing.length)
      throw new UserError(`the twin running from ${twinDir} has no free slot for ${missing.join(", ")}`, {
        hint: `stop it with \`cairn twin down --state-dir ${twinDir}\` and apply again (the rehearsal starts over)`,
      });
    save((r) => Object.assign(r.slots, assigned));
    ac.progress(`${node} plays twin slot ${assigned[node]!.slot} at ${assigned[node]!.address} (simulated)`);
  };

  const releaseSlot: ActionHandler = async (action, ac) => {
    const node = String(action.params.node);
    const slot = record().slots[node];
    let machine: { machineType: string | undefined; faults: string[] } | undefined;
    if (slot) {
      const daemon = await import("../../twin/daemon.js");
      machine = (await daemon.status(twinDir).catch(() => undefined))?.nodes.find(
        (n) => n.name === slot.slot,
      );
    }
    save((r) => {
      delete r.slots[node];
    });
    if (machine?.machineType !== undefined) {
      // Released without a reset (the node was dead): the simulated machine still holds its old config.
      const why = machine.faults.length ? ` (${machine.faults.join(", ")})` : "";
      ac.outcome(
        `released twin slot ${slot!.slot}, but its simulated machine was not reset${why}: it still holds its old config, so new nodes get other slots first`,
        { partial: true },
      );
      return;
    }
    ac.progress(`${node}'s twin slot${slot ? ` ${slot.slot}` : ""} is free again (simulated)`);
  };

  return {
    type: "twin",
    simulated: true,
    label: "the twin (SIMULATED)",
    address,
    maintenanceAddress: address,
    observe,
    plan,
    handlers: () => ({
      "twin-up": twinUp,
      provision: provisionSlot,
      deprovision: releaseSlot,
      "twin-down": async (_action, ac) => {
        const daemon = await import("../../twin/daemon.js");
        await daemon.down(twinDir);
        ctx.state.set({ slots: {} });
        ac.progress(`the twin in ${twinDir} is stopped (SIMULATED machines gone)`);
      },
    }),
    destroy: (observed) => {
      const d = (observed.details ?? { running: false }) as TwinObservationDetails;
      return {
        actions: d.running
          ? [
              {
                id: "twin-down",
                kind: "twin-down",
                title: `stop the twin (SIMULATED): ${d.status?.nodes.length ?? 0} simulated machines on ${d.status?.subnet ?? "?"}, state ${twinDir}`,
                dependsOn: [],
                params: {},
                timeoutMs: 2 * 60_000,
              },
            ]
          : [],
        leftAlone: [],
        kept: [],
        blockers: [],
      };
    },
    prepare: async (observed) => {
      if (!observed.fresh) return [];
      const had = Object.keys(record().slots).length > 0 || record().daemon !== undefined;
      // A daemon that runs but is not the recorded one (a cairn killed between starting it and recording it, or a
      // twin started by hand) is recorded now: no twin-up is planned for it, and the next run must know it.
      const d = observed.details as TwinObservationDetails | undefined;
      ctx.state.set(
        d?.running && d.daemon && d.status
          ? { daemon: { ...d.daemon, subnet: d.status.subnet }, slots: {} }
          : { slots: {} },
      );
      return had
        ? [
            "the twin was stopped or restarted since the last run: its machines start over, and so does cairn's record of them",
          ]
        : [];
    },
  };
}

/** A 127.0.x.0/24 whose .1:50000 is free, starting from a spot derived from the directory (stable per cluster). */
async function freeSubnet(dir: string): Promise<string> {
  const start = createHash("sha256").update(dir).digest()[0]! % 200;
  for (let i = 0; i < 200; i++) {
    const x = 20 + ((start + i) % 200);
    if (await portFree(`127.0.${x}.1`, 50000)) return `127.0.${x}.0/24`;
  }
  throw new UserError("no free 127.0.x.0/24 subnet for a twin", { hint: "pass --twin-subnet" });
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createServer();
    s.once("error", () => done(false));
    s.listen(port, host, () => s.close(() => done(true)));
  });
}
