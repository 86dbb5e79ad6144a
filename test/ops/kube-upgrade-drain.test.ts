// A rolling upgrade whose drain is blocked, on an in-process twin (Talos 1.13: cairn drains before each upgrade): a
// pod pinned to the worker behind a PodDisruptionBudget that allows no disruption stops the upgrade at that worker
// with what blocks; the worker is left uncordoned and on its old version, the control plane before it upgraded.
// The workload and the node's state are applied and read with the real kubectl v1.35.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { runTalosUpgrade } from "../../src/ops/upgrade-talos/run.js";
import { kubectl, type Kubectl } from "../helpers/kubectl.js";
import { twinCluster, type TwinCluster } from "./upgrade-helpers.js";

let c: TwinCluster;
let k: Kubectl;

beforeAll(async () => {
  c = await twinCluster(1, 1, "127.0.170.0/24", { talos: "v1.13.0", contract: "1.13", rebootMs: 200 });
  const file = join(c.dir, "kubeconfig.yaml");
  // cairn's admin kubeconfig, aimed at the control plane's twin address (the spec's endpoint is not simulated).
  const text = c.access.artefacts.find((a) => a.kind === "kubeconfig")!.content;
  const server = `server: https://${c.twin.node("cp-1").address}:6443`;
  writeFileSync(file, text.replace(/server: \S+/, server), { mode: 0o600 });
  k = kubectl(file);
  const applied = await k(
    ["apply", "-f", "-"],
    `apiVersion: apps/v1
kind: Deployment
metadata: { name: pinned, namespace: default }
spec:
  replicas: 1
  selector: { matchLabels: { app: pinned } }
  template:
    metadata: { labels: { app: pinned } }
    spec:
      nodeSelector: { kubernetes.io/hostname: worker-1 }
      containers: [{ name: app, image: "busybox:1.37" }]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: pinned, namespace: default }
spec:
  maxUnavailable: 0
  selector: { matchLabels: { app: pinned } }
`,
  );
  expect(applied.code, applied.err).toBe(0);
  expect((await k(["rollout", "status", "deployment/pinned", "--timeout=60s"])).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await c?.close();
});

test("a PodDisruptionBudget blocks the worker's drain: the upgrade halts there, the worker uncordoned on its old version", async () => {
  const progress: string[] = [];
  const r = await runTalosUpgrade(c.access, {
    to: "v1.13.9",
    drainTimeoutMs: 1500,
    onEvent: (e) => {
      if (e.type === "action-progress") progress.push(`${e.id}: ${e.message}`);
    },
  });
  expect(r.result?.ok).toBe(false);
  expect(r.result?.failed?.id).toBe("upgrade:worker-1");
  expect(r.result?.failed?.error).toMatch(
    /^drain of worker-1 blocked after \ds: default\/pinned-[a-z0-9-]+: The disruption budget pinned needs 1 healthy pods and has 1 currently; worker-1 was uncordoned and was not upgraded$/,
  );
  expect(r.nodes.map((n) => [n.node, n.outcome])).toEqual([
    ["cp-1", "upgraded"],
    ["worker-1", "failed"],
  ]);
  // The control plane was drained (Talos 1.13 does not), upgraded, Ready again and uncordoned before the worker.
  expect(progress).toContain("upgrade:cp-1: Node cp-1 Ready, kube-flannel pod ready; uncordoned");
  expect(progress.some((p) => p.startsWith("upgrade:worker-1: draining worker-1: "))).toBe(true);
  expect(c.twin.node("worker-1").version).toBe("v1.13.0");
  expect(c.twin.node("cp-1").version).toBe("v1.13.9");
  const w = await k([
    "get",
    "node",
    "worker-1",
    "-o",
    "jsonpath={.spec.unschedulable}|{.metadata.annotations}",
  ]);
  expect(w.code, w.err).toBe(0);
  expect(w.out.split("|")[0]).toBe("");
  expect(w.out).not.toContain("cairn.dev/cordoned");
  const pinned = await k(["get", "pods", "-l", "app=pinned", "-o", "jsonpath={.items[*].status.phase}"]);
  expect(pinned.out).toBe("Running");
}, 120_000);
