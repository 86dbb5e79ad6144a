// The twin's Kubernetes objects live in its real etcd: an etcd snapshot taken with cairn's snapshot code, the whole
// twin destroyed, fresh machines restored with cairn's restore code — and kubectl sees the same objects again
// (same uid, same data), because the simulated kube-apiserver of the restored control plane reads them from etcd.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { runEtcdRestore } from "../../src/ops/etcd-restore/run.js";
import { snapshotEtcd } from "../../src/ops/etcd-snapshot.js";
import { twinCluster, type TwinCluster } from "../ops/upgrade-helpers.js";
import { kubectl } from "../helpers/kubectl.js";
import { adminKubeconfigFile, waitForKubeApi } from "./kube-helpers.js";

const SUBNET = "127.0.125.0/24";
let c: TwinCluster | undefined;

afterAll(async () => {
  await c?.close();
});

const OBJECTS = `apiVersion: v1
kind: Namespace
metadata: { name: keep }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: keep }
data: { colour: teal }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: keep }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: "nginx:1.27" }] }
`;

test("etcd snapshot → destroy → restore brings the Kubernetes objects back", async () => {
  c = await twinCluster(1, 1, SUBNET, { rebootMs: 200, contract: "1.12" });
  const cp = c.twin.node("cp-1");
  await waitForKubeApi(c.twin, cp);
  const k = kubectl(await adminKubeconfigFile(cp));
  const applied = await k(["apply", "-f", "-"], OBJECTS);
  expect(applied.err).toBe("");
  const before = JSON.parse((await k(["-n", "keep", "get", "configmap", "settings", "-o", "json"])).out) as {
    metadata: { uid: string };
  };

  const file = join(mkdtempSync(join(tmpdir(), "cairn-kube-snap-")), "etcd.snapshot");
  const snap = await snapshotEtcd(c.access, file);
  expect(snap.ok).toBe(true);

  // Objects written after the snapshot are not in it.
  await k(["-n", "keep", "create", "configmap", "later", "--from-literal=a=b"]);
  await c.close();
  c = await twinCluster(1, 1, SUBNET, { rebootMs: 200, contract: "1.12", bare: true });
  const { result } = await runEtcdRestore(c.access, { file });
  expect(result.ok).toBe(true);

  const restored = c.twin.node("cp-1");
  await waitForKubeApi(c.twin, restored, 60_000);
  const k2 = kubectl(await adminKubeconfigFile(restored));
  const cm = JSON.parse((await k2(["-n", "keep", "get", "configmap", "settings", "-o", "json"])).out) as {
    data: Record<string, string>;
    metadata: { uid: string };
  };
  expect(cm.data).toEqual({ colour: "teal" });
  expect(cm.metadata.uid).toBe(before.metadata.uid);
  expect((await k2(["-n", "keep", "get", "deployment", "web", "-o", "name"])).out.trim()).toBe(
    "deployment.apps/web",
  );
  const later = await k2(["-n", "keep", "get", "configmap", "later"]);
  expect(later.err).toMatch(/NotFound/);
  // The restored control plane's kubelet finds its own Node again and reports it Ready.
  const ready = await k2(["wait", "--for=condition=Ready", "node/cp-1", "--timeout=30s"]);
  expect(ready.code, ready.err).toBe(0);
}, 180_000);
