// src/kube against the twin's simulated Kubernetes API: failover from the cluster endpoint to the control planes,
// the health checks, cordon/drain honouring a PodDisruptionBudget, rollout waits that name a crash-looping
// workload, HelmRelease readiness, and deleting a Node.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  cordon,
  deleteNode,
  drain,
  helmReleaseStatus,
  KubeRolloutFailed,
  KubeUnreachable,
  kubernetesHealth,
  noneCordonedByCairn,
  openKube,
  rolloutStatus,
  uncordon,
  waitForRollout,
  waitUntil,
  nodesReady,
  nodeBackState,
  type BootMatch,
  type KubeClient,
} from "../../src/kube/index.js";
import { startTwin, type Twin } from "../../src/twin/twin.js";
import { bootstrap, clientCert, configure } from "../twin/helpers.js";
import { adminKubeconfigFile, waitForKubeApi } from "../twin/kube-helpers.js";

const SUBNET = "127.0.164.0/24";
let twin: Twin;
let kube: KubeClient;
let kubeconfig: string;

beforeAll(async () => {
  twin = await startTwin({
    controlplanes: 3,
    workers: 2,
    subnet: SUBNET,
    rebootMs: 200,
    onError: () => undefined,
  });
  await configure(twin, "1.13", 60_000);
  await bootstrap(twin, await clientCert(["os:admin"]), 60_000);
  for (const n of twin.nodes.slice(0, 3)) await waitForKubeApi(twin, n, 60_000);
  // The kubeconfig's server is an address nothing listens on (a VIP that is down): the client must fail over.
  const file = await adminKubeconfigFile(twin.nodes[0]!);
  kubeconfig = readFileSync(file, "utf8").replace(
    `https://${twin.nodes[0]!.address}:6443`,
    "https://127.0.164.250:6443",
  );
  kube = openKube({
    kubeconfig,
    controlPlaneAddresses: twin.nodes.slice(0, 3).map((n) => n.address),
    connectTimeoutMs: 1000,
  });
}, 120_000);

afterAll(async () => {
  kube?.close();
  await twin?.stop();
});

const NODES = ["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"];

describe("client", () => {
  test("fails over from an unreachable endpoint to the control planes, and names every endpoint when all are down", async () => {
    await expect(kube.request("GET", "/readyz", { text: true })).resolves.toBe("ok");
    expect(kube.endpoint).toBe(`https://${twin.nodes[0]!.address}:6443`);
    const nowhere = openKube({
      kubeconfig,
      endpoints: ["https://127.0.164.250:6443", "https://127.0.164.251:6443"],
      connectTimeoutMs: 500,
    });
    const err = await nowhere.get("/version").catch((e: unknown) => e);
    nowhere.close();
    expect(err).toBeInstanceOf(KubeUnreachable);
    expect((err as KubeUnreachable).attempts.map((a) => a.endpoint)).toEqual([
      "https://127.0.164.250:6443",
      "https://127.0.164.251:6443",
    ]);
  });

  test("patches without a resourceVersion never conflict: twenty at once on one Node all apply", async () => {
    // kube-apiserver applies such a patch to the latest object, retrying a lost compare-and-swap itself
    // (GuaranteedUpdate); the simulated kubelets post this Node's status meanwhile.
    await waitUntil("nodes Ready", () => nodesReady(kube, NODES), { timeoutMs: 30_000 });
    const labels = Array.from({ length: 20 }, (_, i) => `cairn.test/p${i}`);
    await Promise.all(
      labels.map((l) => kube.patch("/api/v1/nodes/worker-1", { metadata: { labels: { [l]: "x" } } })),
    );
    const node = await kube.get<{ metadata: { labels: Record<string, string> } }>("/api/v1/nodes/worker-1");
    for (const l of labels) expect(node.metadata.labels[l]).toBe("x");
    // One with a stale resourceVersion is a precondition: that conflict stands.
    const stale = kube.patch("/api/v1/nodes/worker-1", {
      metadata: { resourceVersion: "1", labels: { a: "b" } },
    });
    await expect(stale).rejects.toMatchObject({ status: 409 });
  });

  test("a crashed control plane is skipped: the next one answers", async () => {
    await twin.fault("cp-1", { kind: "crash" });
    try {
      await expect(kube.request("GET", "/readyz", { text: true })).resolves.toBe("ok");
      expect(kube.endpoint).not.toContain(twin.nodes[0]!.address);
    } finally {
      await twin.fault("cp-1", { kind: "heal" });
    }
    await twin.waitFor("cp-1 back", () => twin.nodes[0]!.ready, 30_000);
    await waitForKubeApi(twin, twin.nodes[0]!, 30_000);
  });
});

describe("health", () => {
  test("every Kubernetes check passes once the nodes are Ready", async () => {
    await waitUntil("nodes Ready", () => nodesReady(kube, NODES), { timeoutMs: 30_000 });
    const checks = await waitUntil(
      "kubernetes health",
      async () => {
        const all = await kubernetesHealth(kube, { nodes: NODES, controlPlanes: ["cp-1", "cp-2", "cp-3"] });
        const bad = all.filter((c) => !c.ok);
        return {
          name: "all",
          ok: bad.length === 0,
          detail: "",
          waitingFor: bad.map((c) => `${c.name}: ${c.detail} ${c.waitingFor.join(", ")}`),
        };
      },
      { timeoutMs: 30_000 },
    );
    expect(checks.ok).toBe(true);
    const all = await kubernetesHealth(kube, { nodes: NODES, controlPlanes: ["cp-1", "cp-2", "cp-3"] });
    expect(all.map((c) => [c.name, c.ok])).toEqual([
      ["api", true],
      ["nodes", true],
      ["cni", true],
      ["control-plane-pods", true],
      ["coredns", true],
      ["cordons", true],
    ]);
    expect(all.find((c) => c.name === "cni")!.detail).toMatch(/kube-flannel ready on 5 node/);
  });

  test("a node that is not registered is reported by name", async () => {
    const r = await nodesReady(kube, [...NODES, "worker-9"]);
    expect(r.ok).toBe(false);
    expect(r.waitingFor).toEqual(["worker-9: not registered"]);
  });
});

const deployment = (name: string, replicas: number) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "default" },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name, image: `example.com/${name}:1` }] },
    },
  },
});

describe("drain", () => {
  test("a PDB blocks the drain and the report says why; once it allows, the drain completes; uncordon only undoes cairn's cordon", async () => {
    await kube.post("/apis/apps/v1/namespaces/default/deployments", deployment("api", 2));
    await waitForRollout(
      kube,
      { kind: "Deployment", namespace: "default", name: "api" },
      { timeoutMs: 30_000 },
    );
    await kube.post("/apis/policy/v1/namespaces/default/poddisruptionbudgets", {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "api", namespace: "default" },
      spec: { minAvailable: 2, selector: { matchLabels: { app: "api" } } },
    });
    const pods = await kube.list("/api/v1/namespaces/default/pods", { labelSelector: "app=api" });
    const node = String((pods.items[0]!.spec as { nodeName: string }).nodeName);
    const blocked = await drain(kube, node, { timeoutMs: 2500, pollMs: 250 });
    expect(blocked.complete).toBe(false);
    expect(blocked.blocked[0]!.why).toMatch(
      /The disruption budget api needs 2 healthy pods and has 2 currently/,
    );
    expect(blocked.skipped.some((s) => s.why === "DaemonSet pod")).toBe(true);
    expect((await noneCordonedByCairn(kube)).waitingFor).toEqual([node]);

    await kube.patch("/apis/policy/v1/namespaces/default/poddisruptionbudgets/api", {
      spec: { minAvailable: 1 },
    });
    const done = await drain(kube, node, { timeoutMs: 30_000, pollMs: 250 });
    expect(done.complete).toBe(true);
    expect(done.evicted.length).toBeGreaterThanOrEqual(1);
    await waitForRollout(
      kube,
      { kind: "Deployment", namespace: "default", name: "api" },
      { timeoutMs: 30_000 },
    );
    const after = await kube.list("/api/v1/namespaces/default/pods", { labelSelector: "app=api" });
    expect(after.items.map((p) => (p.spec as { nodeName: string }).nodeName)).not.toContain(node);

    expect(await uncordon(kube, node)).toBe(true);
    expect(await uncordon(kube, node)).toBe(false);
    expect((await noneCordonedByCairn(kube)).ok).toBe(true);
  });

  test("a node someone else cordoned stays theirs", async () => {
    await kube.patch("/api/v1/nodes/worker-2", { spec: { unschedulable: true } });
    const r = await cordon(kube, "worker-2");
    expect(r).toEqual({ cordonedByCairn: false, alreadyUnschedulable: true });
    expect(await uncordon(kube, "worker-2")).toBe(false);
    expect(await uncordon(kube, "worker-2", { force: true })).toBe(true);
  });
});

describe("rollouts", () => {
  test("an injected crash loop fails the rollout wait, naming the workload and the reason", async () => {
    await twin.fault("cp-1", { kind: "crash-loop", workload: "default/broken" });
    try {
      await kube.post("/apis/apps/v1/namespaces/default/deployments", deployment("broken", 1));
      const err = await waitForRollout(
        kube,
        { kind: "Deployment", namespace: "default", name: "broken" },
        { timeoutMs: 30_000, fatalAfterMs: 1000 },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeRolloutFailed);
      expect((err as Error).message).toMatch(
        /deployment\/default\/broken failed to roll out: pod broken-\S+ on \S+: CrashLoopBackOff/,
      );
    } finally {
      await twin.fault("cp-1", { kind: "heal" });
    }
    await waitForRollout(
      kube,
      { kind: "Deployment", namespace: "default", name: "broken" },
      { timeoutMs: 30_000 },
    );
  });

  test("an image pull failure reports ErrImagePull/ImagePullBackOff for a DaemonSet", async () => {
    await twin.fault("cp-1", { kind: "image-pull", workload: "kube-system/agent" });
    try {
      await kube.post("/apis/apps/v1/namespaces/kube-system/daemonsets", {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "agent", namespace: "kube-system" },
        spec: {
          selector: { matchLabels: { app: "agent" } },
          template: {
            metadata: { labels: { app: "agent" } },
            spec: { containers: [{ name: "agent", image: "example.com/agent:1" }] },
          },
        },
      });
      const err = await waitForRollout(
        kube,
        { kind: "DaemonSet", namespace: "kube-system", name: "agent" },
        { timeoutMs: 30_000, fatalAfterMs: 1000 },
      ).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(
        /daemonset\/kube-system\/agent failed to roll out: .*(ErrImagePull|ImagePullBackOff)/,
      );
    } finally {
      await twin.fault("cp-1", { kind: "heal" });
    }
    const s = await waitForRollout(
      kube,
      { kind: "DaemonSet", namespace: "kube-system", name: "agent" },
      { timeoutMs: 30_000 },
    );
    expect(s.done).toBe(true);
  });

  test("a Flux HelmRelease is ready on its Ready condition at the current generation, failed on InstallFailed", async () => {
    await kube.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "helmreleases.helm.toolkit.fluxcd.io" },
      spec: {
        group: "helm.toolkit.fluxcd.io",
        scope: "Namespaced",
        names: { plural: "helmreleases", singular: "helmrelease", kind: "HelmRelease", shortNames: ["hr"] },
        versions: [
          {
            name: "v2",
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          },
        ],
      },
    });
    const hr = "/apis/helm.toolkit.fluxcd.io/v2/namespaces/default/helmreleases/cilium";
    await waitUntil(
      "HelmRelease type served",
      async () => {
        await kube.get("/apis/helm.toolkit.fluxcd.io/v2/namespaces/default/helmreleases");
        return { name: "hr", ok: true, detail: "", waitingFor: [] };
      },
      { timeoutMs: 10_000 },
    );
    await kube.post("/apis/helm.toolkit.fluxcd.io/v2/namespaces/default/helmreleases", {
      apiVersion: "helm.toolkit.fluxcd.io/v2",
      kind: "HelmRelease",
      metadata: { name: "cilium", namespace: "default" },
      spec: { interval: "10m", chart: { spec: { chart: "cilium" } } },
    });
    const ref = { kind: "HelmRelease" as const, namespace: "default", name: "cilium" };
    expect((await rolloutStatus(kube, ref)).message).toMatch(/no Ready condition/);
    const setReady = async (status: string, reason: string, message: string): Promise<void> => {
      await kube.patch(
        `${hr}/status`,
        {
          status: {
            observedGeneration: 1,
            conditions: [
              { type: "Ready", status, reason, message, lastTransitionTime: "2026-01-01T00:00:00Z" },
            ],
          },
        },
        "merge",
      );
    };
    await setReady("False", "InstallFailed", "Helm install failed for release kube-system/cilium: timed out");
    const failed = await waitForRollout(kube, ref, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect((failed as Error).message).toMatch(
      /helmrelease\/default\/cilium failed to roll out: .*InstallFailed/,
    );
    await setReady("True", "InstallSucceeded", "Helm install succeeded");
    expect((await waitForRollout(kube, ref, { timeoutMs: 5000 })).done).toBe(true);
    expect(
      helmReleaseStatus({
        metadata: { name: "x", generation: 2 },
        status: { observedGeneration: 1, conditions: [{ type: "Ready", status: "True" }] },
      }).done,
    ).toBe(false);
  });
});

describe("nodes", () => {
  test("a Node counts as back only when posted by the kubelet of the boot asked for, or of any boot but the old one", async () => {
    const node = await kube.get<{ status: { nodeInfo: { bootID: string } } }>("/api/v1/nodes/worker-1");
    const posted = node.status.nodeInfo.bootID;
    expect(posted).toMatch(/^[0-9a-f-]{36}$/);
    const look = (boot?: BootMatch) => nodeBackState(kube, "worker-1", undefined, boot);
    expect(await look({ id: posted })).toMatchObject({
      currentBoot: true,
      ready: true,
      postedBootId: posted,
    });
    expect(await look({ not: posted })).toMatchObject({
      currentBoot: false,
      ready: false,
      waiting: "the kubelet has not posted status since the reboot",
    });
    expect(await look({ not: "an-earlier-boot" })).toMatchObject({ currentBoot: true, ready: true });
    expect(await look({ id: "a-later-boot" })).toMatchObject({ currentBoot: false });
  });

  test("deleteNode removes a Node once, and is idempotent", async () => {
    expect(await deleteNode(kube, "worker-2")).toBe(true);
    expect(await deleteNode(kube, "worker-2")).toBe(false);
    await expect(kube.get("/api/v1/nodes/worker-2")).rejects.toMatchObject({
      status: 404,
      reason: "NotFound",
    });
  });
});
