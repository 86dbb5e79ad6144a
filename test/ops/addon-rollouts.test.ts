// What an apply waits for from the add-on registry (src/addons): each add-on declares what its bootstrap step
// installs, and with Flux running the platform each chart release is a HelmRelease to await. The examples are the
// users' specs; the bootstrap Job carries the same list in its annotation, which the twin reads to simulate the steps.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { addonWorkloads, renderAddons } from "../../src/addons/index.js";
import { loadSpecText } from "../../src/clusterspec/load.js";
import { BOOTSTRAP_INSTALLS_ANNOTATION, installsOf } from "../../src/kube/bootstrap-job.js";
import { addonRolloutTargets, rolloutActions, rolloutTargets } from "../../src/ops/rollouts.js";
import { REPO_ROOT } from "../helpers/shared.js";

function model(example: string) {
  const r = loadSpecText(readFileSync(join(REPO_ROOT, "examples", example), "utf8"), example);
  if (!r.model) throw new Error(`${example} did not load`);
  return r.model;
}

const key = (t: { kind: string; namespace: string; name: string }) => `${t.kind}/${t.namespace}/${t.name}`;

describe("add-on rollout targets", () => {
  test("Cilium with Flux (home-ops-ceph): the agent is the CNI, the operator on the host network, Flux's controllers, a HelmRelease per release", () => {
    const m = model("home-ops-ceph.yaml");
    const targets = addonRolloutTargets(m);
    const byKey = new Map(targets.map((t) => [key(t), t]));
    expect(byKey.get("DaemonSet/kube-system/cilium")).toEqual({
      kind: "DaemonSet",
      namespace: "kube-system",
      name: "cilium",
      owner: "add-on cilium",
      needsCni: false,
      cni: true,
    });
    expect(byKey.get("Deployment/kube-system/cilium-operator")).toMatchObject({ needsCni: false });
    for (const c of [
      "source-controller",
      "kustomize-controller",
      "helm-controller",
      "notification-controller",
    ])
      expect(byKey.get(`Deployment/flux-system/${c}`)).toMatchObject({
        owner: "add-on flux",
        needsCni: true,
      });
    // Every chart release the GitOps tree holds is awaited as Flux's HelmRelease, after the CNI.
    const releases = renderAddons(m).outputs.flatMap((o) =>
      o.output.releases.map((r) => `${r.namespace}/${r.name}`),
    );
    expect(releases.length).toBeGreaterThan(1);
    expect(
      targets
        .filter((t) => t.kind === "HelmRelease")
        .map((t) => `${t.namespace}/${t.name}`)
        .sort(),
    ).toEqual([...releases].sort());
    for (const t of targets.filter((x) => x.kind === "HelmRelease"))
      expect(t).toMatchObject({ flux: true, needsCni: true });
    // In the apply's actions the Flux controllers and releases wait for the CNI's rollout.
    const actions = rolloutActions(rolloutTargets(m, undefined), ["gate"], true);
    const cni = actions.find((a) => a.id === "wait-rollout:daemonset/kube-system/cilium")!;
    expect(cni.dependsOn).toEqual(["gate"]);
    const hr = actions.find((a) => a.params.kind === "HelmRelease")!;
    expect(hr.dependsOn).toContain(cni.id);
    expect(hr.params).toMatchObject({ flux: true });
  });

  test("without Flux no HelmRelease is awaited; with Flannel (Talos' own) the registry adds nothing", () => {
    const noFlux = addonRolloutTargets(model("hetzner-oxide.yaml"));
    expect(noFlux.some((t) => t.kind === "HelmRelease")).toBe(false);
    expect(noFlux.map(key)).toContain("DaemonSet/kube-system/cilium");
    expect(addonRolloutTargets(model("single-node.yaml"))).toEqual([]);
  });

  test("the bootstrap Job says what its steps install, the same list the registry declares", () => {
    const m = model("home-ops-ceph.yaml");
    const job = renderAddons(m)
      .inlineManifests.flatMap((im) => im.objects)
      .find((o) => o.kind === "Job")!;
    expect(job.metadata.annotations?.[BOOTSTRAP_INSTALLS_ANNOTATION]).toBeDefined();
    const installs = installsOf(job.metadata.annotations).map(key).sort();
    expect(installs).toEqual(
      addonWorkloads(m)
        .filter((w) => w.installedBy === "bootstrap")
        .map(key)
        .sort(),
    );
    expect(installs).toContain("DaemonSet/kube-system/cilium");
    // A malformed annotation is nothing to install, not a crash.
    expect(installsOf({ [BOOTSTRAP_INSTALLS_ANNOTATION]: "{not json" })).toEqual([]);
    expect(
      installsOf({ [BOOTSTRAP_INSTALLS_ANNOTATION]: '[{"kind":"Pod","namespace":"a","name":"b"}]' }),
    ).toEqual([]);
  });
});
