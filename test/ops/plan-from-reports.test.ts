// The apply planner compares the spec with what each running node reports (its MachineConfig), as `cairn diff`
// does, so the two cannot disagree (issue 10 item 11): a change cairn's record has not caught up with is not
// planned again, drift the record does not know about is, a node that does not answer falls back to the record,
// and a difference in the Kubernetes images is not a config change (it goes through the Kubernetes upgrade path).
import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/engine/types.js";
import { buildApplyPlan } from "../../src/ops/apply/plan.js";
import type { Reported } from "../../src/ops/observe-configs.js";
import { configHash, emptyState, type CairnState } from "../../src/ops/state.js";
import type { ProviderPlan } from "../../src/providers/types.js";
import { model } from "./upgrade-helpers.js";

const m = model(1, 1); // cp-1, worker-1 on the static provider (Kubernetes 1.35.4: Talos v1.12.11's default)
const noProvider: ProviderPlan = { before: [], provision: {}, deprovision: {}, blockers: [], warnings: [] };

const config = (role: string, label: string, k8s = m.kubernetesVersion): string =>
  `version: v1alpha1\nmachine:\n  type: ${role}\n  nodeLabels: { rev: ${label} }\n  kubelet:\n    image: ghcr.io/siderolabs/kubelet:v${k8s}\n` +
  (role === "controlplane"
    ? `cluster:\n  apiServer:\n    image: registry.k8s.io/kube-apiserver:v${k8s}\n`
    : "");
const roleOf = (n: string): string => (n.startsWith("cp") ? "controlplane" : "worker");
const configs = (label: string): Record<string, string> =>
  Object.fromEntries(m.nodes.map((n) => [n.name, config(roleOf(n.name), label)]));

function running(recorded: Record<string, string>): CairnState {
  const s = emptyState(m.name, false);
  for (const n of m.nodes)
    s.nodes[n.name] = {
      stage: "running",
      role: n.role,
      address: n.address!,
      appliedConfigHash: configHash(recorded[n.name]!),
    };
  s.bootstrap = { node: "cp-1", at: "t", via: "bootstrap-call" };
  s.kubeconfigFetchedAt = "t";
  return s;
}

const reports = (texts: Record<string, string>): Reported =>
  Object.fromEntries(Object.entries(texts).map(([n, config]) => [n, { config, talosVersion: "v1.12.11" }]));

const plan = (state: CairnState, desired: Record<string, string>, reported: Reported): Plan =>
  buildApplyPlan({
    model: m,
    state,
    configs: desired,
    applied: {},
    reported,
    simulated: false,
    provider: noProvider,
  });

describe("apply plans from what the nodes report", () => {
  it("a change the nodes already run is not planned again, whatever cairn's record says", () => {
    // cairn's record is of the old configs (e.g. `upgrade kubernetes` changed them); the nodes run the desired ones.
    const p = plan(running(configs("old")), configs("new"), reports(configs("new")));
    expect(p.actions).toEqual([]);
  });

  it("drift cairn's record does not know about is planned, diffed against what the node runs", () => {
    const drifted = { ...configs("new"), "worker-1": config("worker", "hand-edited") };
    const p = plan(running(configs("new")), configs("new"), reports(drifted));
    expect(p.actions.filter((a) => a.kind !== "wait-rollout").map((a) => a.id)).toEqual([
      "apply-config:worker-1",
      "wait-ready:worker-1",
      "health-gate",
    ]);
    expect(p.actions[0]!.detail!.join("\n")).toContain('nodeLabels.rev: "hand-edited" → "new"');
  });

  it("a node that does not answer is compared with the config cairn last applied, and the plan says so", () => {
    const reported: Reported = {
      ...reports(configs("new")),
      "worker-1": { unreachable: "connection refused" },
    };
    const p = plan(running(configs("old")), configs("new"), reported);
    expect(p.actions.filter((a) => a.kind !== "wait-rollout").map((a) => a.id)).toEqual([
      "apply-config:worker-1",
      "wait-ready:worker-1",
      "health-gate",
    ]);
    expect(p.warnings.join("\n")).toMatch(/worker-1 did not answer \(connection refused\)/);
    expect(p.actions[0]!.detail!.join("\n")).toMatch(/the node did not answer/);
  });

  it("the Kubernetes images are not a config change: only the rest of the config is compared", () => {
    // The nodes run Kubernetes 1.35.9 (an `upgrade kubernetes`); the spec's configs name 1.35.4.
    const newer = Object.fromEntries(m.nodes.map((n) => [n.name, config(roleOf(n.name), "new", "1.35.9")]));
    expect(plan(running(configs("new")), configs("new"), reports(newer)).actions).toEqual([]);
    const labelled = { ...newer, "cp-1": config("controlplane", "other", "1.35.9") };
    const p = plan(running(configs("new")), configs("new"), reports(labelled));
    expect(p.actions.filter((a) => a.kind !== "wait-rollout").map((a) => a.id)).toEqual([
      "apply-config:cp-1",
      "wait-ready:cp-1",
      "health-gate",
    ]);
    const detail = p.actions[0]!.detail!.join("\n");
    expect(detail).toContain("nodeLabels.rev");
    expect(detail).not.toMatch(/image/);
  });
});
