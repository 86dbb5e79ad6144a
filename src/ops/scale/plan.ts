// Scale-down: nodes cairn manages that left the spec are removed behind a quorum guard — never below a safe
// control-plane count, never two control planes at once — with a drain in Kubernetes (PodDisruptionBudgets
// honoured), a graceful reset (the member leaves etcd), etcd member removal by ID when the node is dead (--force),
// the Node object deleted, then deletion at the provider (its own action) and cairn forgetting the node. Pure.
import type { Action } from "../../engine/types.js";
import type { Model } from "../../clusterspec/model.js";
import type { CairnState } from "../state.js";
import { DRAIN_TIMEOUT_MS, removalDrainDecision } from "../drain-policy.js";
import { formatMs } from "../../engine/executor.js";

export interface ScaleOptions {
  /** Allow a removal that lowers etcd's fault tolerance, and removal of dead nodes (etcd member removal by ID). */
  force?: boolean;
  /** Bound on the drain before each removal (default 5 min); also given to a spec-driven upgrade's drains. */
  drainTimeoutMs?: number;
}

export interface ScaleInput {
  model: Model;
  state: CairnState;
  simulated: boolean;
  /** The provider's action deleting each leaving node's machine (absent: nothing to delete, e.g. static). */
  deprovision: Readonly<Record<string, Action>>;
  /** Removals wait for these (joins of new nodes, the etcd gate), so a replacement is in before the old node leaves. */
  dependsOn: string[];
  options: ScaleOptions;
}

/**
 * The control-plane count a removal may go down to without --force: etcd keeps the fault tolerance it has
 * (3 → 2 loses the ability to survive one failure), and the last control plane never goes.
 */
export function quorumGuard(
  current: number,
  after: number,
  force: boolean,
): { ok: true } | { ok: false; reason: string; forceable: boolean } {
  if (after < 1)
    return {
      ok: false,
      reason: "it would remove the last control plane (etcd and the API would be gone)",
      forceable: false,
    };
  const safe = Math.min(current, 3);
  if (after < safe && !force)
    return {
      ok: false,
      reason: `it would leave ${after} control plane${after === 1 ? "" : "s"} of ${current} (etcd ${after === 2 ? "2 members tolerate no failure" : "loses its fault tolerance"})`,
      forceable: true,
    };
  return { ok: true };
}

/**
 * After a control plane has left: etcd healthy without it, then Kubernetes healthy (every spec node Ready,
 * control-plane pods, CoreDNS, no cordon left), before the next removal starts. Returns the last gate's id.
 */
function removalGates(
  actions: Action[],
  node: string,
  after: string,
  controlPlanes: string[],
  sim: string,
): string {
  const etcd: Action = {
    id: `gate:etcd-after-removal:${node}`,
    kind: "gate",
    title: `etcd healthy without ${node}: every remaining member healthy, leader agreed${sim}`,
    dependsOn: [after],
    params: { check: "etcd", controlPlanes },
    timeoutMs: 5 * 60_000,
  };
  const kube: Action = {
    id: `gate:kubernetes-after-removal:${node}`,
    kind: "gate",
    title: `Kubernetes healthy without ${node}: every node Ready, control-plane pods, CoreDNS${sim}`,
    dependsOn: [etcd.id],
    params: { check: "kubernetes", controlPlanes },
    timeoutMs: 10 * 60_000,
  };
  actions.push(etcd, kube);
  return kube.id;
}

export function planScale(input: ScaleInput): { actions: Action[]; blockers: string[]; warnings: string[] } {
  const { model, state, options } = input;
  const actions: Action[] = [];
  const blockers: string[] = [];
  const warnings: string[] = [];
  const inSpec = new Set(model.nodes.map((n) => n.name));
  const removed = Object.entries(state.nodes)
    .filter(([name]) => !inSpec.has(name))
    .map(([name, st]) => ({ name, st }));
  if (removed.length === 0) return { actions, blockers, warnings };

  const sim = input.simulated ? " (simulated)" : "";
  const runningCps = Object.entries(state.nodes).filter(
    ([, st]) => st.role === "controlplane" && (st.stage === "running" || st.stage === "removing"),
  ).length;
  const removedCps = removed.filter((r) => r.st.role === "controlplane");
  // Joining control planes count: the plan orders every removal after the joins and the etcd gate.
  const specCps = model.nodes.filter((n) => n.role === "controlplane").length;
  const after = specCps;
  const current = Math.max(runningCps, after);
  if (removedCps.length > 0) {
    const guard = quorumGuard(runningCps, after, options.force ?? false);
    if (!guard.ok) {
      const names = removedCps.map((r) => r.name).join(", ");
      blockers.push(
        `refusing to remove control plane${removedCps.length > 1 ? "s" : ""} ${names}: ${guard.reason}. ` +
          (guard.forceable
            ? "Add its replacement to the spec first (it joins before the old one leaves), or pass --force"
            : "A cluster needs at least one control plane"),
      );
    }
    if (removedCps.length > 1)
      warnings.push(
        `removing ${removedCps.length} control planes: strictly one at a time, etcd checked between them`,
      );
  }
  void current;

  let previousCp: string | undefined;
  const specControlPlanes = model.nodes.filter((n) => n.role === "controlplane").map((n) => n.name);
  const drainWhy = removalDrainDecision(model.talosVersion).why;
  const drainMs = options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS;
  for (const r of [...removedCps, ...removed.filter((x) => x.st.role !== "controlplane")]) {
    const isCp = r.st.role === "controlplane";
    const deps = [...input.dependsOn, ...(isCp && previousCp ? [previousCp] : [])];
    const hostname = r.st.hostname ?? r.name;
    // Kubernetes first: its pods leave through the Eviction API, so a PodDisruptionBudget can stop the removal.
    const drain: Action = {
      id: `drain:${r.name}`,
      kind: "drain",
      node: r.name,
      title: `cordon and drain ${r.name} in Kubernetes (PodDisruptionBudgets honoured)${sim}`,
      dependsOn: deps,
      params: {
        node: r.name,
        role: r.st.role,
        hostname,
        force: options.force ?? false,
        ...(options.drainTimeoutMs ? { timeoutMs: options.drainTimeoutMs } : {}),
      },
      timeoutMs: drainMs + 60_000,
      ...(isCp ? { group: { name: "controlplanes", limit: 1 } } : {}),
      detail: [
        drainWhy,
        options.force
          ? "--force: a blocked drain is reported and the removal goes on"
          : `a drain still blocked after ${formatMs(drainMs)} stops the removal (the node is uncordoned)`,
      ],
    };
    actions.push(drain);
    const reset: Action = {
      id: `reset:${r.name}`,
      kind: "reset",
      node: r.name,
      title: `reset ${r.name} gracefully (${isCp ? "leaves etcd, " : ""}wipes it, back to maintenance mode)${sim}`,
      dependsOn: [drain.id],
      params: { node: r.name, role: r.st.role, graceful: true, force: options.force ?? false },
      timeoutMs: 10 * 60_000,
      ...(isCp ? { group: { name: "controlplanes", limit: 1 } } : {}),
      detail: [
        `${r.name} is no longer in the spec`,
        ...(options.force ? ["--force: a dead node is skipped and its etcd member removed by ID"] : []),
      ],
    };
    actions.push(reset);
    let last = reset.id;
    if (isCp) {
      last =
        actions[
          actions.push({
            id: `etcd-remove-member:${r.name}`,
            kind: "etcd-remove-member",
            node: r.name,
            title: `make sure ${r.name} is no longer an etcd member (remove by ID if it is dead)${sim}`,
            dependsOn: [reset.id],
            params: { node: r.name, hostname: r.st.hostname ?? r.name, force: options.force ?? false },
            timeoutMs: 2 * 60_000,
            group: { name: "controlplanes", limit: 1 },
          }) - 1
        ]!.id;
    }
    // Its Node object goes too (the kubelet that registered it is gone with the reset).
    last =
      actions[
        actions.push({
          id: `delete-node:${r.name}`,
          kind: "delete-node",
          node: r.name,
          title: `delete ${r.name}'s Node object in Kubernetes${sim}`,
          dependsOn: [last],
          params: { node: r.name, hostname },
          timeoutMs: 2 * 60_000,
          ...(isCp ? { group: { name: "controlplanes", limit: 1 } } : {}),
        }) - 1
      ]!.id;
    // The machine goes at its provider (when it has one to delete), then cairn forgets the node.
    const made = input.deprovision[r.name];
    const deprovision: Action = made
      ? { ...made, dependsOn: [last] }
      : {
          id: `deprovision:${r.name}`,
          kind: "deprovision",
          node: r.name,
          title: `forget ${r.name} (${model.spec.provider.type} machine: nothing to delete; it stays in maintenance mode)`,
          dependsOn: [last],
          params: { node: r.name },
          timeoutMs: 60_000,
        };
    actions.push(deprovision);
    if (isCp) previousCp = removalGates(actions, r.name, deprovision.id, specControlPlanes, sim);
  }
  return { actions, blockers, warnings };
}
