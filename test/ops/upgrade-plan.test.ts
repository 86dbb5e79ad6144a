// The rolling-upgrade planner: order, groups, gates and pre-flight blockers from observations alone.
import { describe, expect, test } from "vitest";
import { etcdPreflight } from "../../src/ops/etcd-health.js";
import type { ObservedCluster, ObservedEtcd } from "../../src/ops/observe.js";
import { parseMaxUnavailable } from "../../src/ops/support.js";
import {
  installerImageFor,
  planTalosUpgrade,
  schematicOfImage,
  upgradeConcurrency,
} from "../../src/ops/upgrade-talos/plan.js";
import { model } from "./upgrade-helpers.js";

function healthyEtcd(cps: string[], leaderIndex = 0): ObservedEtcd {
  const members = cps.map((n, i) => ({ id: String(100 + i), hostname: n, peerUrls: [], isLearner: false }));
  const status: ObservedEtcd["status"] = {};
  cps.forEach(
    (n, i) =>
      (status[n] = {
        memberId: String(100 + i),
        leader: String(100 + leaderIndex),
        errors: [],
        isLearner: false,
      }),
  );
  return { members, status };
}

function observed(cps: number, workers: number, version: string, leaderIndex = 0): ObservedCluster {
  const names = [
    ...Array.from({ length: cps }, (_, i) => `cp-${i + 1}`),
    ...Array.from({ length: workers }, (_, i) => `worker-${i + 1}`),
  ];
  return {
    nodes: names.map((name) => ({ name, reachable: true, version })),
    etcd: healthyEtcd(names.slice(0, cps), leaderIndex),
  };
}

describe("planTalosUpgrade", () => {
  test("control planes one at a time with an etcd gate after each, leader last, then workers in a group", () => {
    const m = model(3, 5, "v1.12.11");
    const plan = planTalosUpgrade(m, observed(3, 5, "v1.12.11", 0), { to: "v1.13.9", maxUnavailable: "2" });
    expect(plan.blockers).toEqual([]);
    const ids = plan.actions.map((a) => a.id);
    expect(ids).toEqual([
      "upgrade:cp-2",
      "gate:etcd-after:cp-2",
      "gate:kubernetes-after:cp-2",
      "upgrade:cp-3",
      "gate:etcd-after:cp-3",
      "gate:kubernetes-after:cp-3",
      "upgrade:cp-1",
      "gate:etcd-after:cp-1",
      "gate:kubernetes-after:cp-1",
      "upgrade:worker-1",
      "upgrade:worker-2",
      "upgrade:worker-3",
      "upgrade:worker-4",
      "upgrade:worker-5",
      "gate:kubernetes",
    ]);
    const byId = new Map(plan.actions.map((a) => [a.id, a]));
    // After each control plane: etcd, then Kubernetes (every node Ready, control-plane pods, CoreDNS).
    expect(byId.get("gate:kubernetes-after:cp-2")!.dependsOn).toEqual(["gate:etcd-after:cp-2"]);
    expect(byId.get("gate:kubernetes-after:cp-2")!.params).toMatchObject({
      check: "kubernetes",
      node: "cp-2",
    });
    expect(byId.get("upgrade:cp-3")!.dependsOn).toEqual(["gate:kubernetes-after:cp-2"]);
    expect(byId.get("upgrade:worker-4")!.dependsOn).toEqual(["gate:kubernetes-after:cp-1"]);
    // The last gate waits for every worker.
    expect(byId.get("gate:kubernetes")!.dependsOn).toEqual([1, 2, 3, 4, 5].map((i) => `upgrade:worker-${i}`));
    // Talos 1.12 drains itself during the legacy upgrade: cairn does not, and the plan says so.
    expect(byId.get("upgrade:worker-1")!.detail!.join("\n")).toMatch(
      /Kubernetes: Talos 1\.12: the Upgrade sequence cordons .* and drains, and uncordons after boot: cairn does not drain/,
    );
    expect(byId.get("upgrade:worker-4")!.group).toEqual({ name: "upgrade-workers", limit: 2 });
    expect(byId.get("upgrade:cp-1")!.group).toEqual({ name: "upgrade-controlplanes", limit: 1 });
    expect(byId.get("upgrade:cp-1")!.title).toBe("upgrade cp-1 v1.12.11 → v1.13.9");
    expect(String(byId.get("upgrade:cp-1")!.params.image)).toMatch(
      /^factory\.talos\.dev\/metal-installer\/[0-9a-f]{64}:v1\.13\.9$/,
    );
    expect(upgradeConcurrency(plan)).toBe(2);
  });

  test("spec-driven: the spec's version is the target; nothing pending when every node runs it", () => {
    const m = model(3, 2, "v1.13.9");
    expect(planTalosUpgrade(m, observed(3, 2, "v1.13.9")).actions).toEqual([]);
    const plan = planTalosUpgrade(m, observed(3, 2, "v1.12.11"));
    expect(plan.actions.filter((a) => a.kind === "upgrade").map((a) => a.node)).toEqual([
      "cp-2",
      "cp-3",
      "cp-1",
      "worker-1",
      "worker-2",
    ]);
  });

  test("a schematic change on the same version upgrades too", () => {
    const m = model(1, 1, "v1.13.9");
    const o = observed(1, 1, "v1.13.9");
    o.nodes[1]!.schematicId = "0".repeat(64);
    const plan = planTalosUpgrade(m, o);
    expect(plan.actions.map((a) => a.id)).toEqual(["upgrade:worker-1", "gate:kubernetes"]);
    // 1.13 upgrades through the lifecycle API, whose reboot does not drain: cairn does.
    expect(plan.actions[0]!.detail!.join("\n")).toMatch(
      /Kubernetes: Talos 1\.13: LifecycleService\/Upgrade .*: cairn cordons and drains first/,
    );
    expect(plan.actions[0]!.title).toMatch(/schematic 000000000000 → [0-9a-f]{12} \(v1\.13\.9\)/);
  });

  test("unsupported upgrade paths are blockers naming the hop", () => {
    const m = model(1, 0, "v1.12.11");
    const plan = planTalosUpgrade(m, observed(1, 0, "v1.10.9"), { to: "v1.13.9" });
    expect(plan.blockers.join("\n")).toMatch(
      /cp-1 runs v1\.10\.9; Talos 1\.13 upgrades only from 1\.11 or later.*upgrade to v1\.12\.11 first/,
    );
    expect(planTalosUpgrade(m, observed(1, 0, "v1.13.9"), { to: "v1.12.11" }).blockers.join()).toMatch(
      /downgrading/,
    );
    expect(planTalosUpgrade(m, observed(1, 0, "v1.12.11"), { to: "v9.0.0" }).blockers.join()).toMatch(
      /not supported/,
    );
    expect(planTalosUpgrade(m, observed(1, 0, "v1.12.11"), { to: "latest" }).blockers.join()).toMatch(
      /not a Talos version/,
    );
  });

  test("a release that does not exist is refused, naming the newest of its minor (issue 10 §15)", () => {
    const m = model(1, 0, "v1.12.11");
    expect(planTalosUpgrade(m, observed(1, 0, "v1.12.11"), { to: "v1.13.99" }).blockers).toEqual([
      "Talos v1.13.99 is not a release cairn knows: the newest 1.13 release is v1.13.9",
    ]);
    expect(planTalosUpgrade(m, observed(1, 0, "v1.12.11"), { to: "v1.13.9" }).blockers).toEqual([]);
  });

  test("blockers speak to the user, not to cairn's research notes", () => {
    const m = model(1, 0, "v1.12.11");
    const text = planTalosUpgrade(m, observed(1, 0, "v1.10.9"), { to: "v1.13.9" }).blockers.join("\n");
    expect(text).not.toMatch(/research|§/);
  });

  test("Kubernetes outside the target's window blocks", () => {
    const m = model(1, 0, "v1.12.11", "kubernetes:\n  version: 1.30.5");
    const plan = planTalosUpgrade(m, observed(1, 0, "v1.12.11"), { to: "v1.13.9" });
    expect(plan.blockers.join()).toMatch(
      /Kubernetes 1\.30\.5 is outside Talos 1\.13's window \(1\.31–1\.36\)/,
    );
  });

  test("unreachable nodes and unhealthy etcd block; a resumed node may be unreachable", () => {
    const m = model(3, 1, "v1.12.11");
    const o = observed(3, 1, "v1.12.11");
    o.nodes[3] = { name: "worker-1", reachable: false, error: "connection refused" };
    expect(planTalosUpgrade(m, o, { to: "v1.13.9" }).blockers).toEqual([
      "node worker-1 is unreachable: connection refused; every node must answer before an upgrade",
    ]);
    const resumed = planTalosUpgrade(m, o, { to: "v1.13.9", resumeNodes: ["worker-1"] });
    expect(resumed.blockers).toEqual([]);
    expect(resumed.actions.map((a) => a.id)).toContain("upgrade:worker-1");
  });
});

describe("etcdPreflight", () => {
  const cps = ["cp-1", "cp-2", "cp-3"];
  test("healthy cluster: no findings, leader found", () => {
    expect(etcdPreflight(cps, healthyEtcd(cps, 1))).toEqual({ blockers: [], warnings: [], leader: "cp-2" });
  });
  test("a missing member, a learner, alarms, an unreachable member and no quorum margin", () => {
    const e = healthyEtcd(cps);
    e.members = e.members.slice(0, 2);
    expect(etcdPreflight(cps, e).blockers).toEqual(["control plane cp-3 is not an etcd member"]);
    const l = healthyEtcd(cps);
    l.members[2]!.isLearner = true;
    expect(etcdPreflight(cps, l).blockers).toEqual(["control plane cp-3 is still an etcd learner (joining)"]);
    const a = healthyEtcd(cps);
    a.status["cp-1"] = { memberId: "100", leader: "100", errors: ["NOSPACE"], isLearner: false };
    expect(etcdPreflight(cps, a).blockers[0]).toMatch(/cp-1 reports errors \(alarms\): NOSPACE/);
    const d = healthyEtcd(cps);
    d.status["cp-2"] = { error: "connection refused" };
    expect(etcdPreflight(cps, d).blockers).toEqual(["etcd on cp-2 is unreachable: connection refused"]);
  });
  test("members matched by peer address when hostnames differ", () => {
    const e = healthyEtcd(["a", "b", "c"]);
    e.members.forEach((m, i) => (m.peerUrls = [`https://10.0.0.${i + 1}:2380`]));
    e.status = { "cp-1": e.status.a!, "cp-2": e.status.b!, "cp-3": e.status.c! };
    const addresses = { "cp-1": "10.0.0.1", "cp-2": "10.0.0.2", "cp-3": "10.0.0.3" };
    expect(etcdPreflight(cps, e, addresses).blockers).toEqual([]);
  });
  test("a single control plane warns instead of blocking", () => {
    expect(etcdPreflight(["cp-1"], healthyEtcd(["cp-1"])).warnings[0]).toMatch(/single control plane/);
  });
});

test("parseMaxUnavailable: counts, percentages, bounds", () => {
  expect(parseMaxUnavailable(undefined, 97)).toBe(1);
  expect(parseMaxUnavailable("10", 97)).toBe(10);
  expect(parseMaxUnavailable("25%", 97)).toBe(24);
  expect(parseMaxUnavailable("1%", 10)).toBe(1);
  expect(parseMaxUnavailable("500", 97)).toBe(97);
  expect(() => parseMaxUnavailable("0", 5)).toThrow(/at least 1/);
  expect(() => parseMaxUnavailable("ten", 5)).toThrow(/not a count or a percentage/);
  expect(() => parseMaxUnavailable("150%", 5)).toThrow(/1%–100%/);
});

test("installer images: factory schematic per node, a pinned installImage keeps its repository", () => {
  const m = model(1, 0, "v1.12.11");
  const node = m.nodes[0]!;
  const { id, image } = installerImageFor(m, node, "v1.13.9");
  expect(image).toBe(`factory.talos.dev/metal-installer/${id}:v1.13.9`);
  expect(schematicOfImage(image)).toBe(id);
  const pinned = model(1, 0, "v1.12.11", "").spec;
  pinned.talos.installImage = "registry.example/talos/installer:v1.12.11";
  expect(installerImageFor({ ...m, spec: pinned }, node, "v1.13.9").image).toBe(
    "registry.example/talos/installer:v1.13.9",
  );
});
