// The `cairn apply` plan: pure (model + state + desired configs + what the nodes report + the provider's part →
// Plan). It brings new machines from maintenance mode into the cluster (bootstrap of a new cluster included),
// applies config changes with the least disruptive mode, one control plane at a time, and removes nodes that left
// the spec behind a quorum guard.
import type { Action, Plan } from "../../engine/types.js";
import type { Model, ModelNode } from "../../clusterspec/model.js";
import type { ProviderPlan } from "../../providers/types.js";
import { configHash, type CairnState } from "../state.js";
import {
  describeMode,
  diffConfigs,
  formatChanges,
  predictApplyMode,
  type ConfigChange,
} from "../config-diff.js";
import { reportOf, type Reported } from "../observe-configs.js";
import { withKubernetesAt } from "../upgrade-kubernetes/images.js";
import { planScale, type ScaleOptions } from "../scale/plan.js";
import { isConfigChange } from "../plan-weave.js";
import { rolloutActions, rolloutTargets } from "../rollouts.js";

export interface ApplyPlanInput {
  model: Model;
  /** cairn's record of the cluster (empty when the provider found the machines' previous life gone). */
  state: CairnState;
  /** Node → desired config text (secret; only hashes and redacted diffs reach the plan). */
  configs: Record<string, string>;
  /** Node → config the node last accepted, when cairn applied one (the hint for a node that does not answer). */
  applied: Record<string, string | undefined>;
  /** What each running node reports now (its config and Talos version); the plan compares the spec with it. */
  reported?: Reported;
  simulated: boolean;
  /** The provider's actions for the nodes that join and leave (see `membership`). */
  provider: ProviderPlan;
  options?: ScaleOptions;
}

/** Which spec nodes still need a machine and its first config, and which recorded nodes left the spec. */
export function membership(
  model: Model,
  state: CairnState,
): { joining: ModelNode[]; leaving: { name: string; role: "controlplane" | "worker" }[] } {
  const inSpec = new Set(model.nodes.map((n) => n.name));
  return {
    joining: model.nodes.filter((n) => !state.nodes[n.name] || state.nodes[n.name]!.stage === "pending"),
    leaving: Object.entries(state.nodes)
      .filter(([name]) => !inSpec.has(name))
      .map(([name, st]) => ({ name, role: st.role })),
  };
}

const TIMEOUTS = {
  provision: 15 * 60_000,
  applyMaintenance: 10 * 60_000,
  applySecure: 2 * 60_000,
  waitSecure: 15 * 60_000,
  bootstrap: 5 * 60_000,
  waitEtcd: 10 * 60_000,
  waitKubernetes: 15 * 60_000,
  fetchKubeconfig: 2 * 60_000,
  healthGate: 15 * 60_000,
  reset: 10 * 60_000,
  etcdRemove: 2 * 60_000,
  deprovision: 10 * 60_000,
};

/** The CNI the health gate should expect: Talos' built-in flannel makes nodes Ready; none/cilium wait for the add-on. */
function cniOf(model: Model): "flannel" | "cilium" | "none" {
  return model.spec.addons?.cni?.type ?? "flannel";
}

const cps = (nodes: ModelNode[]): ModelNode[] => nodes.filter((n) => n.role === "controlplane");

export function buildApplyPlan(input: ApplyPlanInput): Plan {
  const { model, state, configs: rendered, applied, simulated, provider } = input;
  const actions: Action[] = [];
  const blockers: string[] = [];
  const warnings: string[] = [];
  const add = (a: Action): Action => {
    actions.push(a);
    return a;
  };
  const sim = simulated ? " (simulated)" : "";
  blockers.push(...provider.blockers);
  warnings.push(...provider.warnings);
  for (const a of provider.before) add(a);

  // ---- new machines: provision, apply config over the insecure channel, wait for secure mode -------------------
  const joining: ModelNode[] = [];
  const waitSecureOf = new Map<string, string>();
  for (const n of model.nodes) {
    const st = state.nodes[n.name];
    if (st && st.stage !== "pending") {
      if (st.stage === "config-applied") {
        // Accepted its config in an earlier run; only the wait is left.
        joining.push(n);
        const w = add({
          id: `wait-secure:${n.name}`,
          kind: "wait-secure",
          node: n.name,
          title: `wait for ${n.name} to boot into secure mode${sim}`,
          dependsOn: [],
          params: { node: n.name, role: n.role },
          timeoutMs: TIMEOUTS.waitSecure,
        });
        waitSecureOf.set(n.name, w.id);
      }
      continue;
    }
    joining.push(n);
    const deps: string[] = [];
    const made = provider.provision[n.name];
    if (made) deps.push(add(made).id);
    const hash = configHash(rendered[n.name] ?? "");
    const fp = st?.fingerprint;
    const apply = add({
      id: `apply-config:${n.name}`,
      kind: "apply-config",
      node: n.name,
      title: `apply ${n.role} config to ${n.name} (maintenance mode, insecure channel)${sim}`,
      dependsOn: deps,
      params: { node: n.name, role: n.role, maintenance: true, configHash: hash },
      timeoutMs: TIMEOUTS.applyMaintenance,
      detail: [
        `new machine: full ${n.role} config (${hash.slice(0, 19)}…), mode auto (installs and reboots)`,
        fp
          ? `maintenance fingerprint pinned: ${fp}`
          : "maintenance fingerprint: shown and pinned when first seen",
      ],
    });
    const w = add({
      id: `wait-secure:${n.name}`,
      kind: "wait-secure",
      node: n.name,
      title: `wait for ${n.name} to boot into secure mode${sim}`,
      dependsOn: [apply.id],
      params: { node: n.name, role: n.role },
      timeoutMs: TIMEOUTS.waitSecure,
    });
    waitSecureOf.set(n.name, w.id);
  }

  // The provider's follow-ups once a node runs its config (e.g. removing the seed that carried it).
  for (const [node, a] of Object.entries(provider.settle ?? {})) {
    const w = waitSecureOf.get(node);
    add({ ...a, dependsOn: [...a.dependsOn, ...(w ? [w] : [])] });
  }

  // ---- bootstrap exactly once, then etcd quorum, API server, kubeconfig ---------------------------------------
  const controlPlanes = cps(model.nodes);
  let etcdGate: string | undefined;
  const joiningCps = joining.filter((n) => n.role === "controlplane");
  if (controlPlanes.length === 0) blockers.push("the spec has no control plane");
  else {
    let bootstrapId: string | undefined;
    if (!state.bootstrap) {
      // Prefer a control plane already running (an earlier run configured it); else the first in the spec.
      const target = controlPlanes.find((n) => state.nodes[n.name]?.stage === "running") ?? controlPlanes[0]!;
      const dep = waitSecureOf.get(target.name);
      bootstrapId = add({
        id: "bootstrap",
        kind: "bootstrap",
        node: target.name,
        title: `bootstrap etcd on ${target.name} (exactly once)${sim}`,
        dependsOn: dep ? [dep] : [],
        params: { node: target.name },
        timeoutMs: TIMEOUTS.bootstrap,
        detail: [
          "checks the node's etcd service and member list first; recorded in state before success is reported",
        ],
      }).id;
    }
    if (bootstrapId || joiningCps.length > 0) {
      etcdGate = add({
        id: "wait-etcd",
        kind: "wait-etcd",
        title: `wait for etcd quorum: ${controlPlanes.length} member${controlPlanes.length === 1 ? "" : "s"} healthy${sim}`,
        dependsOn: [
          ...(bootstrapId ? [bootstrapId] : []),
          ...joiningCps.map((n) => waitSecureOf.get(n.name)!),
        ],
        params: { controlplanes: controlPlanes.map((n) => n.name) },
        timeoutMs: TIMEOUTS.waitEtcd,
      }).id;
    }
    if (bootstrapId || !state.kubeconfigFetchedAt) {
      const k8s = add({
        id: "wait-kubernetes",
        kind: "wait-kubernetes",
        title: `wait for a healthy Kubernetes API server${sim}`,
        dependsOn: etcdGate ? [etcdGate] : [],
        params: { controlplanes: controlPlanes.map((n) => n.name) },
        timeoutMs: TIMEOUTS.waitKubernetes,
      });
      add({
        id: "fetch-kubeconfig",
        kind: "fetch-kubeconfig",
        title: `fetch the admin kubeconfig${sim}`,
        dependsOn: [k8s.id],
        params: { controlplanes: controlPlanes.map((n) => n.name) },
        timeoutMs: TIMEOUTS.fetchKubeconfig,
      });
    }
  }

  // ---- config changes on running nodes: control planes one at a time, then workers one at a time -------------
  // Decided from what each node reports (the config it runs), as `cairn diff` compares; cairn's record of the
  // last applied config is only the fallback for a node that did not answer. The Kubernetes images are left out:
  // a Kubernetes change goes through the Kubernetes upgrade path (its ordering), never as a plain config change.
  const reported = input.reported ?? {};
  const changed: { node: ModelNode; changes: ConfigChange[]; known: boolean; observed: boolean }[] = [];
  for (const n of model.nodes) {
    const st = state.nodes[n.name];
    if (st?.stage !== "running") continue;
    const desired = rendered[n.name] ?? "";
    const report = reportOf(reported, n.name);
    if (report) {
      const changes = diffConfigs(withKubernetesAt(report.config, model.kubernetesVersion), desired);
      if (changes.length) changed.push({ node: n, changes, known: true, observed: true });
      continue;
    }
    const down = reported[n.name];
    if (down && "unreachable" in down)
      warnings.push(
        `${n.name} did not answer (${down.unreachable}): its config is compared with the one cairn last applied`,
      );
    if (st.appliedConfigHash === configHash(desired)) continue;
    const before = applied[n.name];
    changed.push({
      node: n,
      changes: diffConfigs(before, desired),
      known: before !== undefined,
      observed: false,
    });
  }
  let previous: string | undefined = etcdGate;
  for (const { node: n, changes, known, observed } of [
    ...changed.filter((x) => x.node.role === "controlplane"),
    ...changed.filter((x) => x.node.role === "worker"),
  ]) {
    const predicted = predictApplyMode(changes, model.talosVersion);
    const expected = describeMode(predicted.mode);
    const because = predicted.rebootBecause;
    const apply = add({
      id: `apply-config:${n.name}`,
      kind: "apply-config",
      node: n.name,
      title: `apply config change to ${n.name} (mode auto${known ? `, expected ${expected}` : ""})${sim}`,
      dependsOn: previous ? [previous] : [],
      params: {
        node: n.name,
        role: n.role,
        maintenance: false,
        configHash: configHash(rendered[n.name] ?? ""),
        expectedMode: known ? predicted.mode : "unknown",
      },
      timeoutMs: TIMEOUTS.applySecure,
      group: { name: n.role === "controlplane" ? "controlplanes" : "workers", limit: 1 },
      detail: known
        ? [
            `apply mode: auto → ${
              predicted.mode === "no-reboot"
                ? "no-reboot (every changed field is applied live)"
                : `${expected} (${because.slice(0, 3).join(", ")}${because.length > 3 ? ", …" : ""})`
            }`,
            ...(observed ? [] : ["compared with the config cairn last applied (the node did not answer)"]),
            ...formatChanges(changes),
          ]
        : ["the node did not answer and cairn has no record of its config; the node decides the mode (auto)"],
    });
    previous = add({
      id: `wait-ready:${n.name}`,
      kind: "wait-secure",
      node: n.name,
      title: `wait for ${n.name} to be running and healthy after the change${sim}`,
      dependsOn: [apply.id],
      params: { node: n.name, role: n.role, afterChange: true },
      timeoutMs: TIMEOUTS.waitSecure,
      group: { name: n.role === "controlplane" ? "controlplanes" : "workers", limit: 1 },
    }).id;
  }

  // ---- removals (scale-down) -------------------------------------------------------------------------------
  const afterJoins = [
    ...waitSecureOf.values(),
    ...(etcdGate ? [etcdGate] : []),
    ...(previous ? [previous] : []),
  ];
  const scale = planScale({
    model,
    state,
    simulated,
    deprovision: provider.deprovision,
    dependsOn: [...new Set(afterJoins)],
    options: input.options ?? {},
  });
  actions.push(...scale.actions);
  blockers.push(...scale.blockers);
  warnings.push(...scale.warnings);

  // ---- every run that changed something closes with each workload's rollout, then the health gate ----------
  if (actions.length > 0)
    actions.push(
      ...closingActions(
        model,
        simulated,
        rendered,
        actions.map((a) => a.id),
      ),
    );

  return { operation: "apply", actions, blockers, warnings };
}

/**
 * The last action of every apply that changes something: etcd, services, machine readiness, and the Kubernetes
 * sweep of `cairn health` (node readiness awaited once a CNI is installed; without one it is said).
 */
export function healthGate(model: Model, simulated: boolean): Action {
  const cni = cniOf(model);
  return {
    id: "health-gate",
    kind: "health-gate",
    title: `health gate: etcd, services, machine readiness, Kubernetes (API, nodes Ready with the CNI, control-plane pods, CoreDNS, no cordon left)${simulated ? " (simulated)" : ""}`,
    dependsOn: [],
    params: {
      nodes: model.nodes.map((n) => n.name),
      controlplanes: cps(model.nodes).map((n) => n.name),
      cni,
    },
    timeoutMs: TIMEOUTS.healthGate,
  };
}

/**
 * What closes an apply that changed something: one `wait-rollout` per workload the cluster should run (src/ops/
 * rollouts.ts), then the health gate after them and everything else.
 */
export function closingActions(
  model: Model,
  simulated: boolean,
  configs: Record<string, string>,
  dependsOn: readonly string[],
): Action[] {
  const cp = cps(model.nodes)[0];
  const rollouts = rolloutActions(
    rolloutTargets(model, cp ? configs[cp.name] : undefined),
    dependsOn,
    simulated,
  );
  return [
    ...rollouts,
    { ...healthGate(model, simulated), dependsOn: [...dependsOn, ...rollouts.map((a) => a.id)] },
  ];
}

const isClosing = (a: Action): boolean => a.id === "health-gate" || a.kind === "wait-rollout";

/**
 * A spec-driven rolling upgrade merged into an apply plan: after the apply's own prerequisites, before its config
 * changes (a version change may change the config contract: a node gets its new config after its upgrade, never
 * before — the old Talos would reject documents it does not know), and the health gate last, after everything.
 */
export function mergeUpgrade(
  apply: readonly Action[],
  upgrade: readonly Action[],
  closing: Action | readonly Action[],
): Action[] {
  const own = apply.filter(isClosing);
  const tailActions: readonly Action[] = own.length
    ? own
    : Array.isArray(closing)
      ? (closing as readonly Action[])
      : [closing as Action];
  const health = tailActions.find((a) => a.id === "health-gate")!;
  const isChange = isConfigChange;
  const mine = apply.filter((a) => !isClosing(a));
  // What waits for a config change (a removal waits for every change) comes after the upgrade with the changes:
  // kept before it, it would close a cycle through them.
  const after = new Set(mine.filter(isChange).map((a) => a.id));
  for (let grew = true; grew;) {
    grew = false;
    for (const a of mine)
      if (!after.has(a.id) && a.dependsOn.some((d) => after.has(d))) grew = after.add(a.id) !== undefined;
  }
  const before = mine.filter((a) => !after.has(a.id));
  const changes = mine.filter((a) => after.has(a.id)).map((a) => ({ ...a, dependsOn: [...a.dependsOn] }));
  const tail = before.length ? [before[before.length - 1]!.id] : [];
  const merged: Action[] = upgrade.map((a) =>
    a.dependsOn.length === 0 ? { ...a, dependsOn: [...tail] } : a,
  );
  const upgradeIds = merged.map((a) => a.id);
  const changeIds = new Set(changes.map((a) => a.id));
  for (const c of changes)
    if (!c.dependsOn.some((d) => changeIds.has(d))) c.dependsOn = [...c.dependsOn, ...upgradeIds];
  const all = [...before, ...merged, ...changes];
  // The rollouts and the gate close it, after everything (a rollout keeps its wait for the CNI's rollout).
  const rolloutIds = new Set(tailActions.filter((a) => a.kind === "wait-rollout").map((a) => a.id));
  const rollouts = tailActions
    .filter((a) => rolloutIds.has(a.id))
    .map((a) => ({
      ...a,
      dependsOn: [...all.map((x) => x.id), ...a.dependsOn.filter((d) => rolloutIds.has(d))],
    }));
  const done = [...all, ...rollouts];
  return [...done, { ...health, dependsOn: done.map((a) => a.id) }];
}
