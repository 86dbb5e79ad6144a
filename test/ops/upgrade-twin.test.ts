// Rolling upgrades end to end on the twin: an upgrade interrupted after its first node resumes from the journal
// (the done node is not upgraded again) and finishes with every node verified; and a Kubernetes upgrade with
// upgrade-k8s order (control-plane components, then kubelets) through machine-config changes.
import { afterAll, expect, test } from "vitest";
import type { AnyEngineEvent } from "../../src/engine/types.js";
import { runKubernetesUpgrade } from "../../src/ops/upgrade-kubernetes/run.js";
import { runTalosUpgrade } from "../../src/ops/upgrade-talos/run.js";
import { collectStatus } from "../../src/ops/status.js";
import { twinCluster, type TwinCluster } from "./upgrade-helpers.js";
import { kubeClientOf } from "../../src/ops/kube.js";

const openKubeOf = async (c: TwinCluster) => kubeClientOf(c.access)!;

const clusters: TwinCluster[] = [];
afterAll(async () => {
  for (const c of clusters) await c.close();
});

test("an interrupted rolling upgrade resumes where it stopped and verifies every node", async () => {
  const c = await twinCluster(3, 2, "127.0.135.0/24", { rebootMs: 300 });
  clusters.push(c);
  const abort = new AbortController();
  let first: string | undefined;
  const r1 = await runTalosUpgrade(c.access, {
    to: "v1.13.9",
    maxUnavailable: "2",
    signal: abort.signal,
    onEvent: (e) => {
      if (e.type === "action-done" && e.id.startsWith("upgrade:") && !first) {
        first = e.id;
        abort.abort(); // Ctrl-C: finish what runs, start nothing new
      }
    },
  });
  expect(r1.result?.interrupted).toBe(true);
  expect(r1.result?.completed).toEqual([first]);
  expect(c.twin.nodes.filter((n) => n.version === "v1.13.9")).toHaveLength(1);
  const upgradeCalls = (): number =>
    c.twin.nodes.reduce((a, n) => a + n.log.filter((r) => /Upgrade$/.test(r.method)).length, 0);
  const callsBefore = upgradeCalls();

  const events: AnyEngineEvent[] = [];
  const r2 = await runTalosUpgrade(c.access, {
    to: "v1.13.9",
    maxUnavailable: "2",
    onEvent: (e) => events.push(e),
  });
  expect(r2.resumed).toBe(true);
  expect(r2.result?.ok).toBe(true);
  expect(r2.result?.resumed).toEqual([first]);
  expect(events.find((e) => e.type === "plan")).toMatchObject({ resumed: 1 });
  // Four more Upgrade calls: the node done before the interruption was not upgraded again.
  expect(upgradeCalls() - callsBefore).toBe(4);
  const rows = await collectStatus(c.access);
  expect(rows.map((r) => r.talosVersion)).toEqual(Array(5).fill("v1.13.9"));
  expect(rows.filter((r) => r.etcd === "leader" || r.etcd === "follower")).toHaveLength(3);
  expect(r2.nodes.map((n) => n.outcome)).toEqual([
    "upgraded",
    "upgraded",
    "upgraded",
    "upgraded",
    "upgraded",
  ]);

  // Nothing left to do: a third run plans no action.
  const r3 = await runTalosUpgrade(c.access, { to: "v1.13.9" });
  expect(r3.plan.actions).toEqual([]);
  expect(r3.result).toBeUndefined();
}, 120_000);

test("workers rebooted after the pre-flight (its connections to them gone stale) are upgraded once each and verified", async () => {
  const c = await twinCluster(1, 2, "127.0.173.0/24", { rebootMs: 200 });
  clusters.push(c);
  const workers = c.twin.nodes.filter((n) => n.plannedRole === "worker");
  const report = await runTalosUpgrade(c.access, {
    to: "v1.13.9",
    maxUnavailable: "2",
    // Between the pre-flight and the first upgrade call: each worker reboots, dropping the pre-flight's connection.
    confirm: async () => {
      const until = async (what: string, ok: () => boolean): Promise<void> => {
        const deadline = Date.now() + 20_000;
        while (!ok()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      for (const n of workers) n.reboot();
      await until("the workers to go down", () => workers.every((n) => n.status().listening === false));
      await until("the workers to come back", () => workers.every((n) => n.stage === "running" && n.ready));
      return true;
    },
  });
  expect(report.result?.ok, report.result?.failed?.error).toBe(true);
  expect(c.twin.nodes.map((n) => n.version)).toEqual(Array(3).fill("v1.13.9"));
  for (const n of c.twin.nodes) expect(n.log.filter((r) => /Upgrade$/.test(r.method))).toHaveLength(1);
}, 120_000);

test("Kubernetes upgrade: control-plane components first, then kubelets, within the Talos window", async () => {
  const c = await twinCluster(2, 1, "127.0.136.0/24", { talos: "v1.10.9", contract: "1.10", rebootMs: 200 });
  clusters.push(c);
  await expect(runKubernetesUpgrade(c.access, { to: "1.30.1" })).rejects.toThrow(
    /one minor at a time: the API server runs 1\.28, so upgrade to 1\.29\.x first/,
  );
  await expect(runKubernetesUpgrade(c.access, { to: "1.34.0" })).rejects.toThrow(
    /outside Talos 1\.10's window on cp-1 \(1\.28–1\.33\)/,
  );
  const order: string[] = [];
  const progress: string[] = [];
  const r = await runKubernetesUpgrade(c.access, {
    to: "1.29.4",
    onEvent: (e) => {
      if (e.type === "action-done") order.push(e.id);
      if (e.type === "action-progress") progress.push(e.message);
    },
  });
  expect(r.result?.ok).toBe(true);
  expect(order).toEqual([
    "upgrade-kubernetes:control-plane:cp-1",
    "gate:kubernetes-after:cp-1",
    "upgrade-kubernetes:control-plane:cp-2",
    "gate:kubernetes-after:cp-2",
    "upgrade-kubernetes:kubelet:cp-1",
    "upgrade-kubernetes:kubelet:cp-2",
    "upgrade-kubernetes:kubelet:worker-1",
    "gate:kubernetes",
  ]);
  // Each kubelet came back in Kubernetes on the new version before the next one restarted.
  const kube = await openKubeOf(c);
  const versions = (await kube.list("/api/v1/nodes")).items.map(
    (n) => (n.status as { nodeInfo: { kubeletVersion: string } }).nodeInfo.kubeletVersion,
  );
  expect(versions).toEqual(["v1.29.4", "v1.29.4", "v1.29.4"]);
  expect(
    progress.filter((m) => /^Node (cp-\d|worker-1) Ready, kube-flannel pod ready$/.test(m)),
  ).toHaveLength(3);
  const rows = await collectStatus(c.access);
  expect(rows.map((x) => x.kubernetesVersion)).toEqual(["1.29.4", "1.29.4", "1.29.4"]);
  // No reboot: the nodes kept their boot (still Talos v1.10.9, no Upgrade/Reboot calls).
  expect(c.twin.nodes.flatMap((n) => n.log.filter((x) => /Upgrade$|Reboot$/.test(x.method)))).toEqual([]);
  const again = await runKubernetesUpgrade(c.access, { to: "1.29.4" });
  expect(again.plan.actions).toEqual([]);
}, 120_000);
