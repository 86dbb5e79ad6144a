// Versions in plans, pure: a plan never moves Talos or Kubernetes backwards unless a flag naming the downgrade
// asks (issue 9 item 2), and a spec behind the cluster is refused with the exact change to make; an unpinned
// Kubernetes keeps the version the cluster was built with (issue 10 item 12); Kubernetes images are found in either
// contract's form; rolling-upgrade steps are woven per node; cairn.yaml is edited in place.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Action } from "../../src/engine/types.js";
import { setSpecScalar } from "../../src/clusterspec/spec-edit.js";
import { loadSpecText } from "../../src/clusterspec/load.js";
import { pinKubernetes, recordedKubernetes } from "../../src/ops/kubernetes-pin.js";
import type { ObservedCluster } from "../../src/ops/observe.js";
import { extractChanges, sequence, weaveAfterUpgrades } from "../../src/ops/plan-weave.js";
import { emptyState } from "../../src/ops/state.js";
import {
  componentVersions,
  planKubernetesUpgrade,
  setComponentVersions,
  type ObservedK8sNode,
} from "../../src/ops/upgrade-kubernetes/plan.js";
import { withKubernetesAt } from "../../src/ops/upgrade-kubernetes/images.js";
import { planTalosUpgrade } from "../../src/ops/upgrade-talos/plan.js";
import { REPO_ROOT, SHARED } from "../helpers/shared.js";
import { model, specText } from "./upgrade-helpers.js";

function observed(versions: string[]): ObservedCluster {
  const names = versions.map((_, i) => (i === 0 ? "cp-1" : `worker-${i}`));
  return {
    nodes: names.map((name, i) => ({ name, reachable: true, version: versions[i]! })),
    etcd: {
      members: [{ id: "1", hostname: "cp-1", peerUrls: [], isLearner: false }],
      status: { "cp-1": { memberId: "1", leader: "1", errors: [], isLearner: false } },
    },
  };
}

describe("Talos never moves backwards unless asked", () => {
  const m = model(1, 1, "v1.12.4");
  it("a spec behind the cluster is refused, naming the exact spec change", () => {
    const p = planTalosUpgrade(m, observed(["v1.12.11", "v1.12.11"]), {
      downgradeFlag: "--allow-talos-downgrade",
    });
    expect(p.blockers).toEqual([
      "cairn.yaml is behind the cluster: talos.version says v1.12.4, but every node runs Talos v1.12.11. " +
        "A plan never moves Talos backwards unless asked: set `talos.version: v1.12.11` in cairn.yaml; " +
        "to move it back on purpose, pass --allow-talos-downgrade",
    ]);
  });
  it("the flag allows a patch downgrade, never one across minors", () => {
    const ok = planTalosUpgrade(m, observed(["v1.12.11", "v1.12.4"]), { allowDowngrade: true });
    expect(ok.blockers).toEqual([]);
    expect(ok.actions.filter((a) => a.kind === "upgrade").map((a) => a.title)).toEqual([
      "upgrade cp-1 v1.12.11 → v1.12.4",
    ]);
    const across = planTalosUpgrade(m, observed(["v1.13.9", "v1.12.4"]), { allowDowngrade: true });
    expect(across.blockers.join("\n")).toMatch(/cp-1 runs v1\.13\.9; downgrading to v1\.12\.4 across minor/);
  });
  it("an explicit --to older than what runs names --allow-downgrade", () => {
    const p = planTalosUpgrade(model(1, 0, "v1.12.11"), observed(["v1.12.11"]), { to: "v1.12.4" });
    expect(p.blockers).toEqual([
      "Talos v1.12.4 is older than the v1.12.11 cp-1 runs: an upgrade never moves Talos backwards unless asked; " +
        "to move it back on purpose, pass --allow-downgrade",
    ]);
  });
});

describe("Kubernetes never moves backwards unless asked", () => {
  const k8s = (v: string, talos = "v1.12.11"): ObservedK8sNode[] => [
    { name: "cp-1", reachable: true, talosVersion: talos, components: { apiServer: v, kubelet: v } },
    { name: "worker-1", reachable: true, talosVersion: talos, components: { kubelet: v } },
  ];
  it("a pinned spec behind the nodes is refused with the spec change (apply)", () => {
    const m = model(1, 1, "v1.12.11", "kubernetes:\n  version: 1.35.1");
    const p = planKubernetesUpgrade(m, k8s("1.35.4"), {
      to: "1.35.1",
      fromSpec: true,
      downgradeFlag: "--allow-kubernetes-downgrade",
    });
    expect(p.blockers).toEqual([
      "cairn.yaml is behind the cluster: kubernetes.version says 1.35.1, but every node runs Kubernetes 1.35.4. " +
        "A plan never moves Kubernetes backwards unless asked: set `kubernetes.version: 1.35.4` in cairn.yaml; " +
        "to move it back on purpose, pass --allow-kubernetes-downgrade",
    ]);
  });
  it("`upgrade kubernetes --to` an older patch needs --allow-downgrade; across minors never", () => {
    const m = model(1, 1);
    expect(planKubernetesUpgrade(m, k8s("1.35.4"), { to: "1.35.1" }).blockers[0]).toMatch(
      /^Kubernetes 1\.35\.1 is older than the 1\.35\.4 every node runs: .*pass --allow-downgrade$/,
    );
    const allowed = planKubernetesUpgrade(m, k8s("1.35.4"), { to: "1.35.1", allowDowngrade: true });
    expect(allowed.blockers).toEqual([]);
    expect(allowed.actions).toHaveLength(3);
    expect(
      planKubernetesUpgrade(m, k8s("1.35.4"), { to: "1.34.1", allowDowngrade: true }).blockers.join(),
    ).toMatch(/downgrading Kubernetes across minor versions \(1\.35\.4 → 1\.34\.1\) is not supported/);
  });
  it("the window is checked against the Talos the nodes will run when a Talos upgrade goes first", () => {
    const m = model(1, 1, "v1.13.9", "kubernetes:\n  version: 1.36.3");
    expect(planKubernetesUpgrade(m, k8s("1.35.4"), { to: "1.36.3" }).blockers.join()).toMatch(
      /outside Talos 1\.12's window/,
    );
    expect(
      planKubernetesUpgrade(m, k8s("1.35.4"), { to: "1.36.3", talosVersion: "v1.13.9" }).blockers,
    ).toEqual([]);
  });
});

describe("the Kubernetes a cluster was built with", () => {
  it("an unpinned spec keeps the recorded version; a pinned one is the spec's", () => {
    const unpinned = model(1, 0, "v1.13.9");
    expect(unpinned.kubernetesVersion).toBe("1.36.3"); // Talos 1.13's default
    const kept = pinKubernetes(unpinned, "1.35.4");
    expect(kept.model.kubernetesVersion).toBe("1.35.4");
    expect(kept.notice).toMatch(
      /kubernetes\.version is not set in cairn\.yaml: cairn keeps Kubernetes 1\.35\.4/,
    );
    const pinned = model(1, 0, "v1.13.9", "kubernetes:\n  version: 1.36.1");
    expect(pinKubernetes(pinned, "1.35.4").model.kubernetesVersion).toBe("1.36.1");
    expect(pinKubernetes(unpinned, undefined).model.kubernetesVersion).toBe("1.36.3");
  });
  it("the record comes from state; without one, from the config last applied to a control plane", () => {
    const s = emptyState("ops-test", false);
    s.kubernetes = { version: "1.34.1", at: "t", by: "apply" };
    expect(recordedKubernetes(s, "/nonexistent")).toBe("1.34.1");
    expect(recordedKubernetes(emptyState("ops-test", false), "/nonexistent")).toBeUndefined();
  });
});

describe("Kubernetes images in either contract's form", () => {
  const golden = (v: string, kind: string): string =>
    readFileSync(join(SHARED, "reference/talos/golden", v, `base-${kind}.yaml`), "utf8");
  it("1.14 keeps them in documents (KubeAPIServerConfig, KubeletConfig, …), earlier releases in v1alpha1", () => {
    const all = {
      apiServer: "1.28.0",
      controllerManager: "1.28.0",
      scheduler: "1.28.0",
      proxy: "1.28.0",
      kubelet: "1.28.0",
    };
    expect(componentVersions(golden("v1.14", "controlplane"))).toEqual(all);
    expect(componentVersions(golden("v1.13", "controlplane"))).toEqual(all);
    expect(componentVersions(golden("v1.14", "worker"))).toEqual({ kubelet: "1.28.0" });
  });
  it("moving them changes only the image fields; a 1.14 worker gets no API server", () => {
    const w = golden("v1.14", "worker");
    const moved = withKubernetesAt(w, "1.29.4");
    expect(componentVersions(moved)).toEqual({ kubelet: "1.29.4" });
    expect(moved).not.toMatch(/kube-apiserver|apiServer/);
    const cp = setComponentVersions(golden("v1.14", "controlplane"), ["apiServer"], "1.29.4");
    expect(componentVersions(cp)).toMatchObject({ apiServer: "1.29.4", kubelet: "1.28.0" });
    // No v1alpha1 image field is added to a config in the document form (Talos 1.14 would refuse both).
    expect(cp).not.toMatch(/^ {4}apiServer:/m);
  });
});

describe("weaving per-node steps into a rolling upgrade", () => {
  const a = (id: string, deps: string[], extra: Partial<Action> = {}): Action => ({
    id,
    kind: id.split(":")[0]!,
    title: id,
    dependsOn: deps,
    params: {},
    ...extra,
  });
  it("each node's steps right after its upgrade, its gate after the last step, in the upgrade's group", () => {
    const group = { name: "upgrade-controlplanes", limit: 1 };
    const up = [
      a("upgrade:cp-1", [], { node: "cp-1", group }),
      a("gate:etcd-after:cp-1", ["upgrade:cp-1"]),
      a("upgrade:cp-2", ["gate:etcd-after:cp-1"], { node: "cp-2", group }),
      a("gate:etcd-after:cp-2", ["upgrade:cp-2"]),
    ];
    const steps = {
      "cp-1": [a("apply-config:cp-1", []), a("wait-ready:cp-1", [])],
    };
    const w = weaveAfterUpgrades(up, steps);
    expect(w.map((x) => [x.id, x.dependsOn])).toEqual([
      ["upgrade:cp-1", []],
      ["apply-config:cp-1", ["upgrade:cp-1"]],
      ["wait-ready:cp-1", ["apply-config:cp-1"]],
      ["gate:etcd-after:cp-1", ["wait-ready:cp-1"]],
      ["upgrade:cp-2", ["gate:etcd-after:cp-1"]],
      ["gate:etcd-after:cp-2", ["upgrade:cp-2"]],
    ]);
    expect(w[1]!.group).toEqual(group);
  });
  it("an apply's config changes taken out for the upgraded nodes; the chain re-linked", () => {
    const apply = [
      a("apply-config:cp-1", ["wait-etcd"], { node: "cp-1", params: { maintenance: false } }),
      a("wait-ready:cp-1", ["apply-config:cp-1"], { node: "cp-1" }),
      a("apply-config:worker-1", ["wait-ready:cp-1"], { node: "worker-1", params: { maintenance: false } }),
      a("wait-ready:worker-1", ["apply-config:worker-1"], { node: "worker-1" }),
    ];
    const { rest, steps } = extractChanges(apply, new Set(["cp-1"]));
    expect(steps["cp-1"]!.map((x) => x.id)).toEqual(["apply-config:cp-1", "wait-ready:cp-1"]);
    expect(rest.map((x) => [x.id, x.dependsOn])).toEqual([
      ["apply-config:worker-1", ["wait-etcd"]],
      ["wait-ready:worker-1", ["apply-config:worker-1"]],
    ]);
    expect(sequence([a("x", [])], rest.slice(0, 1)).map((x) => x.dependsOn)).toEqual([[], ["wait-etcd"]]);
    expect(sequence([a("x", [])], [a("y", [])]).at(-1)!.dependsOn).toEqual(["x"]);
  });
});

describe("cairn.yaml edited in place", () => {
  it("only the value changes: comments, layout and quoting stay", () => {
    const text = specText(1, 0, "v1.12.4").replace(
      "  version: v1.12.4",
      "  version: v1.12.4 # the fleet's release",
    );
    const edit = setSpecScalar(text, ["talos", "version"], "v1.12.11")!;
    expect(edit.before).toBe("v1.12.4");
    expect(edit.line).toBe(5);
    expect(edit.text).toBe(text.replace("v1.12.4 #", "v1.12.11 #"));
    expect(loadSpecText(edit.text, "cairn.yaml").model!.talosVersion).toBe("v1.12.11");
    const quoted = setSpecScalar(`kubernetes:\n  version: "1.35.1"\n`, ["kubernetes", "version"], "1.35.4")!;
    expect(quoted.text).toBe(`kubernetes:\n  version: "1.35.4"\n`);
    // A value YAML would read as a number is quoted; a missing field is not invented.
    expect(setSpecScalar("a:\n  b: x\n", ["a", "b"], "1.30")!.text).toBe('a:\n  b: "1.30"\n');
    expect(setSpecScalar("a: {}\n", ["kubernetes", "version"], "1.35.4")).toBeUndefined();
  });
  it("every example can have its talos.version set that way", () => {
    for (const f of ["single-node.yaml", "homelab-proxmox-vlans.yaml", "hetzner-oxide.yaml"]) {
      const text = readFileSync(join(REPO_ROOT, "examples", f), "utf8");
      const edit = setSpecScalar(text, ["talos", "version"], "v1.13.9")!;
      expect(edit.text.split("\n").filter((l, i) => l !== text.split("\n")[i])).toHaveLength(1);
    }
  });
});

describe("render writes what apply would", () => {
  it("an unpinned Kubernetes renders at the version the cluster's record says", async () => {
    const { mkdtempSync, writeFileSync: write, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { runRender } = await import("../../src/ops/render/run.js");
    const dir = mkdtempSync(join(tmpdir(), "cairn-render-pin-"));
    try {
      const file = join(dir, "cairn.yaml");
      write(file, specText(1, 0, "v1.13.9"));
      const out = join(dir, ".cairn", "ops-test");
      const fresh = await runRender({ file });
      expect(fresh.warnings.join("\n")).not.toMatch(/keeps Kubernetes/);
      const kubelet = (): string | undefined =>
        componentVersions(readFileSync(join(out, "nodes", "cp-1.yaml"), "utf8")).kubelet;
      expect(kubelet()).toBe("1.36.3");
      const state = {
        ...emptyState("ops-test", false),
        kubernetes: { version: "1.35.4", at: "t", by: "apply" },
      };
      write(join(out, "state.json"), JSON.stringify(state));
      const pinned = await runRender({ file });
      expect(pinned.warnings.join("\n")).toMatch(/cairn keeps Kubernetes 1\.35\.4/);
      expect(kubelet()).toBe("1.35.4");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
