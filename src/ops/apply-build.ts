// Builds the `cairn apply` plan for an opened cluster: reads the rendered and last-applied configs and the state,
// runs the pure builder, and — once every node runs — adds the spec-driven rolling upgrade (the upgrade builder
// observes the nodes' running versions), after the config changes and before the health gate.
import type { Action, ActionHandlers, Plan } from "../engine/types.js";
import type { ClusterAccess } from "./access.js";
import { applyHandlers } from "./apply-handlers.js";
import { buildApplyPlan } from "./apply-plan.js";
import type { ScaleOptions } from "./scale-plan.js";
import { readAppliedConfig } from "./state.js";

export interface BuiltApply {
  plan: Plan;
  handlers: ActionHandlers;
  /** Engine concurrency for this plan. */
  concurrency: number;
  /** Called just before the plan runs (the upgrade records its in-flight target for resumption). */
  beforeRun(): void;
  afterRun(ok: boolean): void;
}

export async function buildApply(access: ClusterAccess, options: ScaleOptions = {}): Promise<BuiltApply> {
  const { model } = access;
  const state = access.readState();
  const rendered: Record<string, string> = {};
  const applied: Record<string, string | undefined> = {};
  for (const n of model.nodes) {
    rendered[n.name] = access.renderedConfig(n.name);
    applied[n.name] = readAppliedConfig(access.paths.applied, n.name);
  }
  const plan = buildApplyPlan({ model, state, rendered, applied, twin: access.twin, options });
  const handlers: ActionHandlers = applyHandlers(access);
  let concurrency = 4;
  let beforeRun = (): void => undefined;
  let afterRun = (_ok: boolean): void => undefined;

  const allRunning = model.nodes.every((n) => state.nodes[n.name]?.stage === "running") && state.bootstrap;
  if (allRunning && plan.blockers.length === 0) {
    const { opsAccess } = await import("./upgrade-access.js");
    const { buildTalosUpgradePlan } = await import("./upgrade-run.js");
    const { upgradeConcurrency } = await import("./upgrade-plan.js");
    const { UPGRADE_SECTION } = await import("./upgrade-observe.js");
    const ops = opsAccess(access);
    const up = await buildTalosUpgradePlan(ops, {});
    if (up.plan.actions.length > 0 || up.plan.blockers.length > 0) {
      const health = plan.actions.find((a) => a.id === "health-gate");
      // A version change may change the config contract: a node gets its new config after its upgrade, never
      // before (the old Talos would reject documents it does not know).
      const isChange = (a: Action): boolean =>
        (a.kind === "apply-config" && a.params.maintenance === false) || a.id.startsWith("wait-ready:");
      const mine = plan.actions.filter((a) => a !== health);
      const before = mine.filter((a) => !isChange(a));
      const changes = mine.filter(isChange);
      const tail = before.length ? [before[before.length - 1]!.id] : [];
      const merged: Action[] = up.plan.actions.map((a) =>
        a.dependsOn.length === 0 ? { ...a, dependsOn: [...tail] } : a,
      );
      const upgradeIds = merged.map((a) => a.id);
      const changeIds = new Set(changes.map((a) => a.id));
      for (const c of changes)
        if (!c.dependsOn.some((d) => changeIds.has(d))) c.dependsOn = [...c.dependsOn, ...upgradeIds];
      plan.actions = [...before, ...merged, ...changes];
      const cni = model.spec.addons?.cni?.type ?? "flannel";
      plan.actions.push(
        health ?? {
          id: "health-gate",
          kind: "health-gate",
          title: `health gate: etcd, services, machine readiness${access.twin ? " (simulated)" : ""}`,
          dependsOn: [],
          params: {
            nodes: model.nodes.map((n) => n.name),
            controlplanes: model.nodes.filter((n) => n.role === "controlplane").map((n) => n.name),
            cni,
          },
          timeoutMs: 15 * 60_000,
        },
      );
      const gate = plan.actions[plan.actions.length - 1]!;
      gate.dependsOn = plan.actions.filter((a) => a !== gate).map((a) => a.id);
      plan.blockers.push(...up.plan.blockers);
      plan.warnings.push(...up.plan.warnings);
      concurrency = Math.max(concurrency, upgradeConcurrency(up.plan));
      const { upgradeHandler } = await import("./handlers/upgrade.js");
      const { gateHandler } = await import("./handlers/gate.js");
      handlers.upgrade = upgradeHandler(ops);
      handlers.gate = gateHandler(ops);
      const planned = up.plan.actions.filter((a) => a.kind === "upgrade").map((a) => a.node!);
      beforeRun = () =>
        ops.stateSection.set(UPGRADE_SECTION, {
          to: up.to,
          nodes: [...new Set([...up.resumeNodes, ...planned])],
          startedAt: new Date().toISOString(),
        });
      afterRun = (ok) => {
        if (ok) ops.stateSection.set(UPGRADE_SECTION, undefined);
      };
    }
  }
  return { plan, handlers, concurrency, beforeRun, afterRun };
}
