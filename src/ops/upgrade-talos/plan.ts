// Rolling Talos upgrades as a plan: pre-flight findings (supported path, etcd health, every member present, quorum
// margin) become blockers; control planes go strictly one at a time, each followed by an etcd gate (healthy, the
// member rejoined); workers follow in a group limited to --max-unavailable. Pure: model + observations in, plan out.
// The same builder serves `cairn upgrade talos --to` and a spec-driven change shown by `cairn plan`.
import type { Action, Plan } from "../../engine/types.js";
import type { Model, ModelNode } from "../../clusterspec/model.js";
import { nodeInstallerImage } from "../../render/machine-configs.js";
import { etcdPreflight } from "../etcd-health.js";
import type { ObservedCluster } from "../observe.js";
import { downgradeRefusal, newest } from "../version-guard.js";
import { parseMaxUnavailable } from "../support.js";
import {
  compareMinor,
  compareVersions,
  kubernetesSupported,
  minorOf,
  normaliseTalosVersion,
  parseVersion,
  talosMinor,
  TALOS_MINORS,
  upgradeSupported,
} from "../../talos/versions.js";

export interface TalosUpgradeOptions {
  /** Target version; default the spec's `talos.version` (spec-driven). */
  to?: string;
  /** Workers upgraded at once: a count or a percentage of the workers ("10", "25%"). Default 1. */
  maxUnavailable?: string | number;
  /** Nodes an interrupted run of the same upgrade recorded; kept in the plan so the journal can resume it. */
  resumeNodes?: readonly string[];
  /** Per-node upgrade timeout (send, reboot, back on the new version, ready). Default 15 min. */
  nodeTimeoutMs?: number;
  /** etcd gate timeout after each control plane. Default 5 min. */
  gateTimeoutMs?: number;
  /** Only these nodes (by name); default every node of the spec. */
  nodes?: readonly string[];
  /** Move nodes that run a newer release back to the target (refused otherwise: a plan never downgrades). */
  allowDowngrade?: boolean;
  /** The flag that allows a downgrade, named in the refusal (default --allow-downgrade). */
  downgradeFlag?: string;
  /** The target is cairn.yaml's (apply, plan, `upgrade talos` without --to): a refusal names the spec change. */
  fromSpec?: boolean;
}

export const UPGRADE_OPERATION = "upgrade talos";
const CP_GROUP = "upgrade-controlplanes";
const WORKER_GROUP = "upgrade-workers";

/** The installer image for a node at a Talos version (the schematic from the spec, the version given). */
export function installerImageFor(
  model: Model,
  node: ModelNode,
  version: string,
): { id: string; image: string } {
  const override = model.spec.talos.installImage;
  if (override) {
    // A user-pinned installer: keep the repository, swap the tag.
    const at = override.split("@")[0]!;
    const colon = at.lastIndexOf(":");
    const repo = colon > at.lastIndexOf("/") ? at.slice(0, colon) : at;
    return { id: nodeInstallerImage(model, node).id, image: `${repo}:${version}` };
  }
  return nodeInstallerImage({ ...model, talosVersion: version }, node);
}

/** The schematic ID in an Image Factory installer reference ("factory.talos.dev/metal-installer/<id>:v1.13.9"). */
export function schematicOfImage(image: string): string | undefined {
  const m = /\/([0-9a-f]{64})(?::[^/]*)?(?:@.*)?$/.exec(image);
  return m?.[1];
}

/**
 * The rolling-upgrade plan. A node is upgraded when its running version differs from the target, or its installed
 * schematic (when known) differs from the spec's. Control planes go first, the etcd leader last among them.
 */
export function planTalosUpgrade(
  model: Model,
  observed: ObservedCluster,
  options: TalosUpgradeOptions = {},
): Plan {
  const blockers: string[] = [];
  const warnings: string[] = [];
  const actions: Action[] = [];
  const fromSpec = options.fromSpec ?? options.to === undefined;
  const to = normaliseTalosVersion(options.to ?? model.talosVersion);
  if (!to) {
    return {
      operation: UPGRADE_OPERATION,
      actions,
      blockers: [`"${options.to}" is not a Talos version such as v1.13.9`],
      warnings,
    };
  }
  const target = talosMinor(to);
  if (!target) {
    blockers.push(
      `Talos ${to} is not supported by this cairn (known minors: ${TALOS_MINORS.map((m) => m.minor).join(", ")})`,
    );
  } else if (compareVersions(parseVersion(to)!, parseVersion(target.latestPatch)!) > 0) {
    // The factory would have no installer for it: every node would fail to pull the image mid-upgrade.
    blockers.push(
      `Talos ${to} is not a release cairn knows: the newest ${target.minor} release is v${target.latestPatch}`,
    );
  } else if (!kubernetesSupported(target, model.kubernetesVersion)) {
    blockers.push(
      `Kubernetes ${model.kubernetesVersion} is outside Talos ${target.minor}'s window (${target.kubernetesMin}–${target.kubernetesMax}); ` +
        `upgrade Kubernetes first (cairn upgrade kubernetes --to ${target.kubernetesMin}.x) or pick another Talos version`,
    );
  }
  const wanted = new Set(options.nodes ?? model.nodes.map((n) => n.name));
  for (const n of options.nodes ?? []) {
    if (!model.nodes.some((m) => m.name === n)) blockers.push(`node ${n} is not in the spec`);
  }
  const resume = new Set(options.resumeNodes ?? []);
  const byName = new Map(observed.nodes.map((o) => [o.name, o]));
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 15 * 60_000;
  const gateTimeoutMs = options.gateTimeoutMs ?? 5 * 60_000;

  interface Pending {
    node: ModelNode;
    from: string | undefined;
    image: string;
    schematicId: string;
    why: string;
  }
  const pending: Pending[] = [];
  const ahead: { node: string; version: string }[] = [];
  for (const node of model.nodes) {
    if (!wanted.has(node.name)) continue;
    const o = byName.get(node.name);
    const { id, image } = installerImageFor(model, node, to);
    if (!o || !o.reachable || !o.version) {
      if (resume.has(node.name)) {
        // Mid-upgrade when the run was interrupted (possibly still rebooting): its handler waits for it.
        pending.push({
          node,
          from: undefined,
          image,
          schematicId: id,
          why: "resuming an interrupted upgrade",
        });
        continue;
      }
      blockers.push(
        `node ${node.name} is unreachable${o?.error ? `: ${o.error}` : ""}; every node must answer before an upgrade`,
      );
      continue;
    }
    const from = normaliseTalosVersion(o.version) ?? o.version;
    const fv = parseVersion(from);
    const tv = parseVersion(to)!;
    const versionChange = !fv || compareVersions(fv, tv) !== 0;
    const schematicChange = o.schematicId !== undefined && o.schematicId !== id;
    if (!versionChange && !schematicChange && !resume.has(node.name)) continue;
    if (versionChange && target) {
      if (fv && compareVersions(fv, tv) > 0) {
        // A node ahead of the target: one refusal for all of them below, unless the downgrade was asked for.
        ahead.push({ node: node.name, version: from });
        if (options.allowDowngrade && compareMinor(minorOf(fv), minorOf(tv)) > 0)
          blockers.push(
            `node ${node.name} runs ${from}; downgrading to ${to} across minor versions is not supported`,
          );
      } else if (!upgradeSupported(from, to))
        blockers.push(
          `node ${node.name} runs ${from}; Talos ${target.minor} upgrades only from ${target.upgradeFrom} or later: ` +
            `upgrade to ${stepping(from, to) ?? "an intermediate release"} first`,
        );
    }
    const why = versionChange
      ? `${from} → ${to}${schematicChange ? `, schematic ${short(o.schematicId)} → ${short(id)}` : ""}`
      : schematicChange
        ? `schematic ${short(o.schematicId)} → ${short(id)} (${to})`
        : `${to} (resuming)`;
    pending.push({ node, from, image, schematicId: id, why });
  }

  if (ahead.length > 0 && !options.allowDowngrade) {
    const running = newest(ahead.map((a) => a.version))!;
    blockers.push(
      downgradeRefusal({
        what: "Talos",
        field: "talos.version",
        to,
        running,
        nodes: ahead.map((a) => a.node),
        total: wanted.size,
        flag: options.downgradeFlag ?? "--allow-downgrade",
        fromSpec,
      }),
    );
  }

  const cps = model.nodes.filter((n) => n.role === "controlplane").map((n) => n.name);
  const cpPending = pending.filter((p) => p.node.role === "controlplane");
  const workerPending = pending.filter((p) => p.node.role !== "controlplane");
  if (cpPending.length > 0 || workerPending.length > 0) {
    const pre = etcdPreflight(cps, observed.etcd, observed.addresses);
    // A resumed run may find a control plane mid-reboot; its own gate will wait for etcd, so only warn then.
    if (resume.size > 0) warnings.push(...pre.blockers.map((b) => `pre-flight (resuming): ${b}`));
    else blockers.push(...pre.blockers);
    warnings.push(...pre.warnings);
    // The leader last: one leader election instead of one per control plane.
    if (pre.leader)
      cpPending.sort((a, b) => Number(a.node.name === pre.leader) - Number(b.node.name === pre.leader));
  }

  const maxUnavailable = parseMaxUnavailable(
    options.maxUnavailable,
    model.nodes.filter((n) => n.role !== "controlplane").length,
  );
  let previous: string | undefined;
  for (const p of cpPending) {
    const id = `upgrade:${p.node.name}`;
    actions.push({
      id,
      kind: "upgrade",
      node: p.node.name,
      title: `upgrade ${p.node.name} ${p.why}`,
      dependsOn: previous ? [previous] : [],
      params: {
        node: p.node.name,
        role: "controlplane",
        image: p.image,
        version: to,
        schematicId: p.schematicId,
      },
      timeoutMs: nodeTimeoutMs,
      detail: [`installer ${p.image}`, "control plane: one at a time, etcd gate afterwards"],
      group: { name: CP_GROUP, limit: 1 },
    });
    const gate = `gate:etcd-after:${p.node.name}`;
    actions.push({
      id: gate,
      kind: "gate",
      node: p.node.name,
      title: `etcd healthy with ${p.node.name} rejoined`,
      dependsOn: [id],
      params: { check: "etcd", node: p.node.name, controlPlanes: cps },
      timeoutMs: gateTimeoutMs,
    });
    previous = gate;
  }
  for (const p of workerPending) {
    actions.push({
      id: `upgrade:${p.node.name}`,
      kind: "upgrade",
      node: p.node.name,
      title: `upgrade ${p.node.name} ${p.why}`,
      dependsOn: previous ? [previous] : [],
      params: { node: p.node.name, role: "worker", image: p.image, version: to, schematicId: p.schematicId },
      timeoutMs: nodeTimeoutMs,
      detail: [`installer ${p.image}`, `workers: at most ${maxUnavailable} at a time`],
      group: { name: WORKER_GROUP, limit: maxUnavailable },
    });
  }
  return { operation: UPGRADE_OPERATION, actions, blockers, warnings };
}

/** Engine concurrency a plan needs so the worker group can use its whole limit. */
export function upgradeConcurrency(plan: Plan): number {
  return Math.max(1, ...plan.actions.map((a) => a.group?.limit ?? 1));
}

function short(id: string | undefined): string {
  return id ? id.slice(0, 12) : "unknown";
}

/** The newest release a node on `from` may upgrade to on the way to `to` (one supported hop). */
function stepping(from: string, to: string): string | undefined {
  const tv = parseVersion(to);
  if (!tv) return undefined;
  const hops = TALOS_MINORS.filter(
    (m) => compareMinor(m.minor, minorOf(tv)) < 0 && upgradeSupported(from, `v${m.latestPatch}`),
  );
  const best = hops.at(-1);
  return best ? `v${best.latestPatch}` : undefined;
}
