// What an apply waits for and who drains, as pure functions: the workloads Talos' own generated configs deploy
// (the talosctl golden configs of 1.12 and 1.14 as the oracle), switched off the way Talos reads the switches, the
// Deployments, DaemonSets and Flux HelmReleases of inline manifests, the order of their `wait-rollout` actions, and
// per Talos version whether cairn drains (never where Talos does, for an upgrade).
import { parseAllDocuments } from "yaml";
import { describe, expect, test } from "vitest";
import { talosDrainBehaviour } from "../../src/kube/talos-drain.js";
import { removalDrainDecision, upgradeApiFor, upgradeDrainDecision } from "../../src/ops/drain-policy.js";
import { configWorkloads, manifestWorkloads, rolloutActions } from "../../src/ops/rollouts.js";
import { goldenConfig } from "../twin/helpers.js";

const names = (c: string) => configWorkloads(c).map((t) => `${t.kind}/${t.namespace}/${t.name}`);

describe("configWorkloads", () => {
  test("Talos' generated configs deploy Flannel, kube-proxy and CoreDNS (1.12 v1alpha1 and 1.14 documents)", () => {
    for (const contract of ["1.12", "1.14"])
      expect(names(goldenConfig("controlplane", contract))).toEqual([
        "DaemonSet/kube-system/kube-flannel",
        "DaemonSet/kube-system/kube-proxy",
        "Deployment/kube-system/coredns",
      ]);
    const [flannel, proxy, dns] = configWorkloads(goldenConfig("controlplane", "1.12"));
    expect(flannel).toMatchObject({ owner: "Talos", cni: true, needsCni: false });
    expect(proxy).toMatchObject({ needsCni: false });
    expect(dns).toMatchObject({ needsCni: true });
  });

  test("switched off as Talos reads the switches: cni none, proxy disabled, coreDNS disabled", () => {
    const v112 = goldenConfig("controlplane", "1.12").replace(
      "    network:\n        dnsDomain",
      "    network:\n        cni:\n            name: none\n        dnsDomain",
    );
    expect(v112).toContain("name: none");
    expect(names(v112)).toEqual(["DaemonSet/kube-system/kube-proxy", "Deployment/kube-system/coredns"]);
    const docs = parseAllDocuments(v112);
    docs[0]!.setIn(["cluster", "proxy", "disabled"], true);
    docs[0]!.setIn(["cluster", "coreDNS", "disabled"], true);
    expect(names(docs.map((d) => d.toString()).join("---\n"))).toEqual([]);
    // 1.14: Flannel only with its document; kube-proxy and CoreDNS off with enabled: false.
    const v114 = goldenConfig("controlplane", "1.14")
      .replace(/---\napiVersion: v1alpha1\nkind: KubeFlannelCNIConfig\n[^-]*/, "")
      .replace(/(kind: KubeProxyConfig\n)/, "$1enabled: false\n")
      .replace("kind: KubeCoreDNSConfig\nenabled: true", "kind: KubeCoreDNSConfig\nenabled: false");
    expect(v114).not.toContain("KubeFlannelCNIConfig");
    expect(names(v114)).toEqual([]);
  });

  test("inline manifests: Deployments, DaemonSets and HelmReleases, a CNI by its DaemonSet name", () => {
    const m = `apiVersion: apps/v1
kind: DaemonSet
metadata: { name: cilium, namespace: kube-system }
spec: { template: { spec: { hostNetwork: true } } }
---
apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: { name: web }
  - apiVersion: v1
    kind: ConfigMap
    metadata: { name: ignored }
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: { name: cert-manager, namespace: flux-system }
`;
    expect(manifestWorkloads(m, "inline manifest extras")).toEqual([
      {
        kind: "DaemonSet",
        namespace: "kube-system",
        name: "cilium",
        owner: "inline manifest extras",
        needsCni: false,
        cni: true,
      },
      {
        kind: "Deployment",
        namespace: "default",
        name: "web",
        owner: "inline manifest extras",
        needsCni: true,
      },
      {
        kind: "HelmRelease",
        namespace: "flux-system",
        name: "cert-manager",
        owner: "inline manifest extras",
        needsCni: true,
      },
    ]);
    expect(manifestWorkloads("not: [yaml", "x")).toEqual([]);
  });

  test("wait-rollout actions: the CNI first; what needs the pod network waits for the CNI's rollout too", () => {
    const a = rolloutActions(configWorkloads(goldenConfig("controlplane", "1.12")), ["health-x"], true);
    expect(a.map((x) => x.id)).toEqual([
      "wait-rollout:daemonset/kube-system/kube-flannel",
      "wait-rollout:daemonset/kube-system/kube-proxy",
      "wait-rollout:deployment/kube-system/coredns",
    ]);
    expect(a[0]!.dependsOn).toEqual(["health-x"]);
    expect(a[1]!.dependsOn).toEqual(["health-x"]);
    expect(a[2]!.dependsOn).toEqual(["health-x", "wait-rollout:daemonset/kube-system/kube-flannel"]);
    expect(a[2]!.title).toBe("wait for deployment/kube-system/coredns to roll out (Talos) (simulated)");
  });
});

describe("who drains", () => {
  test.each([
    ["v1.11.6", "legacy"],
    ["v1.12.11", "legacy"],
    ["v1.13.0", "lifecycle"],
    ["v1.14.0", "lifecycle"],
  ])("an upgrade from %s (the %s API): cairn drains exactly where Talos does not", (version, api) => {
    expect(upgradeApiFor(version)).toBe(api);
    const d = upgradeDrainDecision(version, upgradeApiFor(version));
    const t = talosDrainBehaviour(version, { kind: "upgrade", api: upgradeApiFor(version) });
    expect(d.cairnDrains).toBe(!t.talosDrains);
    expect(d.why).toMatch(d.cairnDrains ? /: cairn cordons and drains first$/ : /: cairn does not drain$/);
  });

  test("a removal: cairn drains first, so a PodDisruptionBudget can stop it (Talos' own drain only logs)", () => {
    const d = removalDrainDecision("v1.13.9");
    expect(d.cairnDrains).toBe(true);
    expect(d.why).toMatch(
      /drain errors are only logged\): cairn drains first, so a PodDisruptionBudget stops/,
    );
  });
});
