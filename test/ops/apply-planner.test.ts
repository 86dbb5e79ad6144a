// The pure apply planner: model + cairn's record + desired/applied configs + the provider's part → the plan. Each
// case checks the actions, their order (dependencies) and what they carry, without any machine.
import { describe, expect, it } from "vitest";
import type { Action, Plan } from "../../src/engine/types.js";
import { validatePlan } from "../../src/engine/executor.js";
import {
  buildApplyPlan,
  closingActions,
  membership,
  mergeUpgrade,
  healthGate,
} from "../../src/ops/apply/plan.js";
import { configHash, emptyState, type CairnState } from "../../src/ops/state.js";
import type { ProviderPlan } from "../../src/providers/types.js";
import { model } from "./upgrade-helpers.js";

const m = model(3, 2); // cp-1..cp-3, worker-1, worker-2 on the static provider

const configs = (version = "v1", changed: string[] = []): Record<string, string> =>
  Object.fromEntries(
    m.nodes.map((n) => [
      n.name,
      `version: v1alpha1\nmachine:\n  type: ${n.role}\n  nodeLabels: { rev: ${changed.includes(n.name) ? "v2" : version} }\n`,
    ]),
  );

const noProvider: ProviderPlan = { before: [], provision: {}, deprovision: {}, blockers: [], warnings: [] };

/** A provider that makes each joining node's machine (like the twin), with one cluster-wide step first. */
function makingProvider(state: CairnState): ProviderPlan {
  const { joining, leaving } = membership(m, state);
  const up: Action = { id: "machines-up", kind: "machines-up", title: "start", dependsOn: [], params: {} };
  return {
    before: [up],
    provision: Object.fromEntries(
      joining.map((n) => [
        n.name,
        {
          id: `provision:${n.name}`,
          kind: "provision",
          node: n.name,
          title: "make",
          dependsOn: [up.id],
          params: {},
        },
      ]),
    ),
    deprovision: Object.fromEntries(
      leaving.map((n) => [
        n.name,
        {
          id: `deprovision:${n.name}`,
          kind: "deprovision",
          node: n.name,
          title: "delete",
          dependsOn: [],
          params: { node: n.name },
        },
      ]),
    ),
    blockers: [],
    warnings: [],
  };
}

function running(
  hashes: Record<string, string>,
  extra: Record<string, { role: "controlplane" | "worker" }> = {},
): CairnState {
  const s = emptyState(m.name, false);
  for (const n of m.nodes)
    s.nodes[n.name] = {
      stage: "running",
      role: n.role,
      address: n.address!,
      appliedConfigHash: configHash(hashes[n.name]!),
    };
  for (const [name, { role }] of Object.entries(extra))
    s.nodes[name] = { stage: "running", role, address: "10.0.9.9", hostname: name };
  s.bootstrap = { node: "cp-1", at: "2026-12-01T00:00:00Z", via: "bootstrap-call" };
  s.kubeconfigFetchedAt = "2026-12-01T00:00:00Z";
  return s;
}

const ROLLOUTS = [
  "wait-rollout:daemonset/kube-system/kube-flannel",
  "wait-rollout:daemonset/kube-system/kube-proxy",
  "wait-rollout:deployment/kube-system/coredns",
];
const byId = (p: Plan): Map<string, Action> => new Map(p.actions.map((a) => [a.id, a]));
const ids = (p: Plan): string[] => p.actions.map((a) => a.id);

describe("apply planner", () => {
  it("bootstraps a new cluster: machines, maintenance configs, one Bootstrap, etcd, API, kubeconfig, health gate", () => {
    const state = emptyState(m.name, false);
    const c = configs();
    const p = buildApplyPlan({
      model: m,
      state,
      configs: c,
      applied: {},
      simulated: false,
      provider: makingProvider(state),
    });
    expect(p.blockers).toEqual([]);
    const a = byId(p);
    expect(ids(p)[0]).toBe("machines-up");
    for (const n of m.nodes) {
      expect(a.get(`provision:${n.name}`)!.dependsOn).toEqual(["machines-up"]);
      const apply = a.get(`apply-config:${n.name}`)!;
      expect(apply.dependsOn).toEqual([`provision:${n.name}`]);
      expect(apply.params).toMatchObject({ maintenance: true, configHash: configHash(c[n.name]!) });
      expect(a.get(`wait-secure:${n.name}`)!.dependsOn).toEqual([`apply-config:${n.name}`]);
    }
    expect(p.actions.filter((x) => x.kind === "bootstrap")).toHaveLength(1);
    expect(a.get("bootstrap")!.node).toBe("cp-1");
    expect(a.get("bootstrap")!.dependsOn).toEqual(["wait-secure:cp-1"]);
    expect(a.get("wait-etcd")!.dependsOn.sort()).toEqual([
      "bootstrap",
      "wait-secure:cp-1",
      "wait-secure:cp-2",
      "wait-secure:cp-3",
    ]);
    expect(a.get("wait-kubernetes")!.dependsOn).toEqual(["wait-etcd"]);
    expect(a.get("fetch-kubeconfig")!.dependsOn).toEqual(["wait-kubernetes"]);
    const gate = p.actions.at(-1)!;
    expect(gate.id).toBe("health-gate");
    expect(gate.dependsOn).toEqual(ids(p).slice(0, -1));
    // Before the gate, each workload Talos deploys is awaited (the CNI first: CoreDNS needs the pod network).
    expect(ids(p).slice(-4, -1)).toEqual(ROLLOUTS);
    const before = ids(p).slice(0, -4);
    expect(a.get(ROLLOUTS[0]!)!.dependsOn).toEqual(before);
    expect(a.get(ROLLOUTS[2]!)!.dependsOn).toEqual([...before, ROLLOUTS[0]]);
    expect(a.get(ROLLOUTS[2]!)!.params).toMatchObject({ kind: "Deployment", needsCni: true, owner: "Talos" });
  });

  it("resumes a node that accepted its config in an earlier run: only the wait is left", () => {
    const state = emptyState(m.name, false);
    state.nodes["cp-1"] = { stage: "config-applied", role: "controlplane", address: "10.0.0.3" };
    const p = buildApplyPlan({
      model: m,
      state,
      configs: configs(),
      applied: {},
      simulated: false,
      provider: noProvider,
    });
    expect(ids(p)).not.toContain("apply-config:cp-1");
    expect(byId(p).get("wait-secure:cp-1")!.dependsOn).toEqual([]);
    expect(byId(p).get("bootstrap")!.dependsOn).toEqual(["wait-secure:cp-1"]);
  });

  it("has nothing to do when every node runs its desired config (no health gate either)", () => {
    const c = configs();
    const p = buildApplyPlan({
      model: m,
      state: running(c),
      configs: c,
      applied: c,
      simulated: false,
      provider: noProvider,
    });
    expect(p.actions).toEqual([]);
    expect(p.blockers).toEqual([]);
  });

  it("changes configs on running nodes one at a time, control planes first, with the predicted apply mode", () => {
    const before = configs();
    const after = configs("v1", ["cp-2", "worker-1"]);
    const p = buildApplyPlan({
      model: m,
      state: running(before),
      configs: after,
      applied: before,
      simulated: false,
      provider: noProvider,
    });
    expect(ids(p)).toEqual([
      "apply-config:cp-2",
      "wait-ready:cp-2",
      "apply-config:worker-1",
      "wait-ready:worker-1",
      ...ROLLOUTS,
      "health-gate",
    ]);
    const a = byId(p);
    expect(a.get("apply-config:cp-2")!.params).toMatchObject({
      maintenance: false,
      expectedMode: "no-reboot",
      configHash: configHash(after["cp-2"]!),
    });
    expect(a.get("apply-config:worker-1")!.dependsOn).toEqual(["wait-ready:cp-2"]);
    expect(a.get("apply-config:cp-2")!.detail!.join("\n")).toContain('nodeLabels.rev: "v1" → "v2"');
    expect(ids(p)).not.toContain("bootstrap");
  });

  it("scales up: only the new worker gets a machine and a config; the cluster is not bootstrapped again", () => {
    const c = configs();
    const state = running(c);
    delete state.nodes["worker-2"];
    const p = buildApplyPlan({
      model: m,
      state,
      configs: c,
      applied: c,
      simulated: false,
      provider: makingProvider(state),
    });
    expect(ids(p)).toEqual([
      "machines-up",
      "provision:worker-2",
      "apply-config:worker-2",
      "wait-secure:worker-2",
      ...ROLLOUTS,
      "health-gate",
    ]);
  });

  it("scales down: a removed worker is reset, then deleted at its provider; a removed control plane also leaves etcd", () => {
    const c = configs();
    const state = running(c, { "worker-9": { role: "worker" }, "cp-9": { role: "controlplane" } });
    const p = buildApplyPlan({
      model: m,
      state,
      configs: c,
      applied: c,
      simulated: false,
      provider: makingProvider(state),
    });
    expect(p.blockers).toEqual([]); // 4 → 3 control planes keeps etcd's fault tolerance
    const a = byId(p);
    // Kubernetes first (drain), then the reset, etcd, the Node object, and the machine.
    expect(a.get("reset:cp-9")!.dependsOn).toEqual(["drain:cp-9"]);
    expect(a.get("etcd-remove-member:cp-9")!.dependsOn).toEqual(["reset:cp-9"]);
    expect(a.get("delete-node:cp-9")!.dependsOn).toEqual(["etcd-remove-member:cp-9"]);
    expect(a.get("deprovision:cp-9")!.dependsOn).toEqual(["delete-node:cp-9"]);
    // Then etcd and Kubernetes must be healthy without it before another control plane may go.
    expect(a.get("gate:etcd-after-removal:cp-9")).toMatchObject({
      kind: "gate",
      dependsOn: ["deprovision:cp-9"],
      params: {
        check: "etcd",
        controlPlanes: m.nodes.filter((n) => n.role === "controlplane").map((n) => n.name),
      },
    });
    expect(a.get("gate:kubernetes-after-removal:cp-9")).toMatchObject({
      kind: "gate",
      dependsOn: ["gate:etcd-after-removal:cp-9"],
      params: { check: "kubernetes" },
    });
    // The closing health gate waits for them too.
    expect(a.get("health-gate")!.dependsOn).toContain("gate:kubernetes-after-removal:cp-9");
    expect(a.get("reset:worker-9")!.dependsOn).toEqual(["drain:worker-9"]);
    expect(a.get("delete-node:worker-9")!.dependsOn).toEqual(["reset:worker-9"]);
    expect(a.get("deprovision:worker-9")!.dependsOn).toEqual(["delete-node:worker-9"]);
    expect(a.get("drain:worker-9")!.params).toMatchObject({
      node: "worker-9",
      hostname: "worker-9",
      force: false,
    });
    expect(a.get("drain:worker-9")!.detail!.join("\n")).toMatch(
      /graceful reset cordons and drains first \(drain errors are only logged\): cairn drains first, so a PodDisruptionBudget stops the removal/,
    );
    // The second control plane's removal starts once the first is gone.
    expect(a.get("drain:cp-9")!.group).toEqual({ name: "controlplanes", limit: 1 });
    expect(a.get("deprovision:worker-9")!.title).toBe("delete");
    // Without a provider machine to delete (static), cairn only forgets the node.
    const stat = buildApplyPlan({
      model: m,
      state,
      configs: c,
      applied: c,
      simulated: false,
      provider: noProvider,
    });
    expect(byId(stat).get("deprovision:worker-9")!.title).toMatch(
      /^forget worker-9 \(static machine: nothing to delete/,
    );
  });

  it("removes two control planes strictly one after the other, etcd and Kubernetes gated between them", () => {
    const c = configs();
    const state = running(c, { "cp-8": { role: "controlplane" }, "cp-9": { role: "controlplane" } });
    const p = buildApplyPlan({
      model: m,
      state,
      configs: c,
      applied: c,
      simulated: true,
      provider: makingProvider(state),
    });
    expect(p.blockers).toEqual([]);
    const a = byId(p);
    expect(a.get("drain:cp-9")!.dependsOn).toContain("gate:kubernetes-after-removal:cp-8");
    expect(a.get("gate:kubernetes-after-removal:cp-8")!.title).toMatch(
      /^Kubernetes healthy without cp-8: .* \(simulated\)$/,
    );
  });

  it("refuses to go from 3 control planes to 2 without --force, and to remove the last one at all", () => {
    const small = model(2, 0);
    const s = emptyState(small.name, false);
    for (const n of ["cp-1", "cp-2", "cp-3"])
      s.nodes[n] = { stage: "running", role: "controlplane", address: "10.0.0.9" };
    s.bootstrap = { node: "cp-1", at: "t", via: "observed" };
    s.kubeconfigFetchedAt = "t";
    const c = Object.fromEntries(small.nodes.map((n) => [n.name, "x"]));
    const input = { model: small, state: s, configs: c, applied: c, simulated: false, provider: noProvider };
    expect(buildApplyPlan(input).blockers.join("\n")).toMatch(
      /refusing to remove control plane cp-3: it would leave 2 control planes of 3.*or pass --force/,
    );
    expect(buildApplyPlan({ ...input, options: { force: true } }).blockers).toEqual([]);
  });

  it("passes the provider's blockers on", () => {
    const state = emptyState(m.name, false);
    const p = buildApplyPlan({
      model: m,
      state,
      configs: configs(),
      applied: {},
      simulated: false,
      provider: { ...noProvider, blockers: ["cannot create VM 101: quota"] },
    });
    expect(p.blockers).toContain("cannot create VM 101: quota");
  });

  it("merges a spec-driven upgrade after the prerequisites and before config changes; the health gate closes it", () => {
    const before = configs();
    const after = configs("v1", ["worker-1"]);
    const p = buildApplyPlan({
      model: m,
      state: running(before),
      configs: after,
      applied: before,
      simulated: false,
      provider: noProvider,
    });
    const upgrade: Action[] = [
      { id: "upgrade:cp-1", kind: "upgrade", node: "cp-1", title: "up", dependsOn: [], params: {} },
      { id: "gate:etcd-after:cp-1", kind: "gate", title: "gate", dependsOn: ["upgrade:cp-1"], params: {} },
    ];
    const merged = mergeUpgrade(p.actions, upgrade, healthGate(m, false));
    const a = new Map(merged.map((x) => [x.id, x]));
    const changes = ["upgrade:cp-1", "gate:etcd-after:cp-1", "apply-config:worker-1", "wait-ready:worker-1"];
    expect(merged.map((x) => x.id)).toEqual([...changes, ...ROLLOUTS, "health-gate"]);
    expect(a.get("apply-config:worker-1")!.dependsOn).toEqual(["upgrade:cp-1", "gate:etcd-after:cp-1"]);
    expect(a.get("health-gate")!.dependsOn).toEqual(merged.slice(0, -1).map((x) => x.id));
    // The rollouts wait for everything, the upgrade included (and CoreDNS for the CNI's rollout).
    expect(a.get(ROLLOUTS[0]!)!.dependsOn).toEqual(changes);
    expect(a.get(ROLLOUTS[2]!)!.dependsOn).toEqual([...changes, ROLLOUTS[0]]);
    // An apply with nothing else to do still closes an upgrade with the rollouts and the gate it is given.
    const only = mergeUpgrade([], upgrade, closingActions(m, false, configs(), []));
    expect(only.map((x) => x.id)).toEqual([...upgrade.map((x) => x.id), ...ROLLOUTS, "health-gate"]);
    // A removal waits for the config changes; with an upgrade merged in it comes after the changes (no cycle).
    const state = running(before, { "worker-9": { role: "worker" } });
    const withRemoval = buildApplyPlan({
      model: m,
      state,
      configs: after,
      applied: before,
      simulated: false,
      provider: noProvider,
    });
    const both = mergeUpgrade(withRemoval.actions, upgrade, healthGate(m, false));
    const b = new Map(both.map((x) => [x.id, x]));
    expect(b.get("drain:worker-9")!.dependsOn).toContain("wait-ready:worker-1");
    expect(b.get("upgrade:cp-1")!.dependsOn).toEqual([]);
    const order = both.map((x) => x.id);
    expect(order.indexOf("gate:etcd-after:cp-1")).toBeLessThan(order.indexOf("apply-config:worker-1"));
    expect(order.indexOf("wait-ready:worker-1")).toBeLessThan(order.indexOf("drain:worker-9"));
    const every = Object.fromEntries(both.map((x) => [x.kind, async () => undefined]));
    expect(() =>
      validatePlan({ operation: "apply", actions: both, blockers: [], warnings: [] }, every),
    ).not.toThrow();
    // The apply's own actions are not changed in place.
    expect(byId(p).get("apply-config:worker-1")!.dependsOn).toEqual([]);
  });
});
