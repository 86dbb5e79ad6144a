// The Kubernetes side of cairn's operations on the twin, through the built CLI, with workloads applied and watched by
// the real kubectl v1.35: a rolling Talos upgrade (1.13 upgrades through the lifecycle API, whose reboot does not
// drain, so cairn cordons and drains each node, PodDisruptionBudgets honoured) waits for each node to be Ready again
// before the next; a worker scale-down blocked by a PodDisruptionBudget stops with what blocks and leaves the node
// uncordoned, and once the budget allows it drains, resets and deletes the Node; a crash loop injected into CoreDNS
// makes apply fail naming the workload and why.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl, type Kubectl } from "../helpers/kubectl.js";
import { BIN, twinCli, twinDown, twinEnv, type CliResult } from "../helpers/twin-cli.js";
import { specText } from "./upgrade-helpers.js";

const SUBNET = "127.0.179.0/24";
const dir = mkdtempSync(join(tmpdir(), "cairn-kube-ops-"));
const spec = join(dir, "cairn.yaml");
const clusterDir = join(dir, ".cairn", "ops-test");
const twinDir = join(clusterDir, "twin");
const cairn = twinCli(dir, SUBNET, 150_000);
let k: Kubectl;

/** cairn as a child process that does not block this test's event loop (kubectl watches meanwhile). */
function cairnAsync(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: twinEnv(SUBNET) });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out, err });
    });
  });
}

interface KubeNode {
  metadata: { name: string };
  spec: { unschedulable?: boolean };
  status: { conditions: { type: string; status: string }[]; nodeInfo: { osImage: string } };
}

async function nodes(): Promise<KubeNode[]> {
  const r = await k(["get", "nodes", "-o", "json"]);
  expect(r.code, r.err).toBe(0);
  return (JSON.parse(r.out) as { items: KubeNode[] }).items;
}
const isReady = (n: KubeNode): boolean =>
  n.status.conditions.find((c) => c.type === "Ready")?.status === "True";

const WORKLOADS = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: web, image: "nginx:1.27" }]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: web, namespace: default }
spec:
  maxUnavailable: 1
  selector: { matchLabels: { app: web } }
`;

const PINNED = `apiVersion: apps/v1
kind: Deployment
metadata: { name: pinned, namespace: default }
spec:
  replicas: 1
  selector: { matchLabels: { app: pinned } }
  template:
    metadata: { labels: { app: pinned } }
    spec:
      nodeSelector: { kubernetes.io/hostname: worker-3 }
      containers: [{ name: pinned, image: "busybox:1.37" }]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: pinned, namespace: default }
spec:
  minAvailable: 1
  selector: { matchLabels: { app: pinned } }
`;

beforeAll(async () => {
  writeFileSync(spec, specText(1, 3, "v1.13.0"));
  const a = cairn(["apply", "-f", spec, "--twin", "--yes"]);
  expect(a.code, a.err + a.out).toBe(0);
  const kc = join(dir, "twin.kubeconfig");
  const c = cairn(["kubeconfig", "-f", spec, "--twin", "-o", kc], 30_000);
  expect(c.code, c.err).toBe(0);
  k = kubectl(kc);
  expect((await nodes()).every(isReady)).toBe(true);
  const applied = await k(["apply", "-f", "-"], WORKLOADS);
  expect(applied.code, applied.err).toBe(0);
  const rolled = await k(["rollout", "status", "deployment/web", "--timeout=60s"]);
  expect(rolled.code, rolled.err).toBe(0);
}, 240_000);

afterAll(() => {
  twinDown(twinDir);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("Kubernetes in cairn's operations on the twin (1 control plane + 3 workers, Flannel)", () => {
  it("a rolling upgrade drains each node where Talos does not, and waits for it to be Ready before the next", async () => {
    // kubectl watches the nodes while cairn upgrades: every sample with a worker cordoned has every other node Ready.
    const samples: KubeNode[][] = [];
    let running = true;
    const watch = (async () => {
      while (running) {
        const r = await k(["get", "nodes", "-o", "json"], undefined, 10_000);
        if (r.code === 0) samples.push((JSON.parse(r.out) as { items: KubeNode[] }).items);
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
    const up = await cairnAsync(["upgrade", "talos", "--to", "v1.13.9", "-f", spec, "--twin", "--yes"]);
    running = false;
    await watch;
    expect(up.code, up.err + up.out).toBe(0);
    const out = up.out;
    for (const n of ["cp-1", "worker-1", "worker-2", "worker-3"]) {
      expect(out).toMatch(
        new RegExp(`${n}.*LifecycleService/Upgrade installs the image .*: cairn cordons and drains first`),
      );
      expect(out).toMatch(new RegExp(`${n}.*drained ${n}: (evicted \\d+ pod|no pod to evict)`));
      expect(out).toMatch(new RegExp(`${n}.*Node ${n} Ready, kube-flannel pod ready; uncordoned`));
    }
    // The web pods were evicted somewhere along the way (PDB maxUnavailable 1 honoured by the Eviction API).
    expect(out).toMatch(/evicted \d+ pod\(s\) \(default\/web-/);
    // Each worker is back in Kubernetes before the next one starts.
    const at = (re: RegExp): number => out.search(re);
    expect(at(/Node worker-1 Ready/)).toBeLessThan(at(/→ upgrade worker-2/));
    expect(at(/Node worker-2 Ready/)).toBeLessThan(at(/→ upgrade worker-3/));
    expect(at(/Kubernetes healthy with cp-1 back/)).toBeLessThan(at(/→ upgrade worker-1/));
    expect(out).toMatch(/Kubernetes healthy after the upgrade/);
    const withWorkerOut = samples.filter((s) =>
      s.some((n) => n.metadata.name.startsWith("worker-") && n.spec.unschedulable),
    );
    expect(withWorkerOut.length).toBeGreaterThan(0);
    for (const s of withWorkerOut) {
      const out = s.filter((n) => n.spec.unschedulable || !isReady(n)).map((n) => n.metadata.name);
      expect(out.length, JSON.stringify(out)).toBe(1);
    }
    const after = await nodes();
    expect(after.every((n) => isReady(n) && !n.spec.unschedulable)).toBe(true);
    expect(after.every((n) => n.status.nodeInfo.osImage.includes("v1.13.9"))).toBe(true);
    const web = await k(["rollout", "status", "deployment/web", "--timeout=60s"]);
    expect(web.code, web.err).toBe(0);
  }, 240_000);

  it("a scale-down blocked by a PodDisruptionBudget stops, says what blocks and uncordons; once allowed it drains, resets and deletes the Node", async () => {
    const applied = await k(["apply", "-f", "-"], PINNED);
    expect(applied.code, applied.err).toBe(0);
    expect((await k(["rollout", "status", "deployment/pinned", "--timeout=60s"])).code).toBe(0);
    const smaller = join(dir, "smaller.yaml");
    writeFileSync(smaller, specText(1, 2, "v1.13.9"));
    const blocked = cairn([
      "apply",
      "-f",
      smaller,
      "--twin",
      "--dir",
      clusterDir,
      "--yes",
      "--drain-timeout",
      "2s",
    ]);
    expect(blocked.code).toBe(1);
    const said = blocked.out + blocked.err;
    expect(said).toMatch(
      /apply failed at drain:worker-3: drain of worker-3 blocked after \ds: default\/pinned-[a-z0-9-]+: The disruption budget pinned needs 1 healthy pods and has 1 currently/,
    );
    expect(said).toMatch(/worker-3 was uncordoned and was not removed/);
    let w3 = (await nodes()).find((n) => n.metadata.name === "worker-3");
    expect(w3 && !w3.spec.unschedulable && isReady(w3)).toBe(true);
    const state = JSON.parse(readFileSync(join(twinDir, "state.json"), "utf8")) as {
      nodes: Record<string, unknown>;
    };
    expect(state.nodes["worker-3"]).toBeDefined();

    expect((await k(["delete", "pdb", "pinned"])).code).toBe(0);
    const removed = cairn([
      "apply",
      "-f",
      smaller,
      "--twin",
      "--dir",
      clusterDir,
      "--yes",
      "--drain-timeout",
      "2s",
    ]);
    expect(removed.code, removed.err + removed.out).toBe(0);
    expect(removed.out).toMatch(/drained worker-3: evicted \d+ pod\(s\) \([^)]*default\/pinned-/);
    expect(removed.out).toMatch(/deleted Node worker-3/);
    w3 = (await nodes()).find((n) => n.metadata.name === "worker-3");
    expect(w3).toBeUndefined();
    // The pinned pod has nowhere to go now; the rest of the cluster is Ready.
    const pinned = await k(["get", "pods", "-l", "app=pinned", "-o", "jsonpath={.items[*].status.phase}"]);
    expect(pinned.out).toMatch(/Pending/);
    expect((await nodes()).every(isReady)).toBe(true);
  }, 240_000);

  it("a crash loop injected into CoreDNS makes apply fail naming the workload and why; healed, apply finishes", async () => {
    const slots = (
      JSON.parse(readFileSync(join(twinDir, "state.json"), "utf8")) as {
        providers: { twin: { slots: Record<string, { slot: string }> } };
      }
    ).providers.twin.slots;
    const f = cairn([
      "twin",
      "fault",
      slots["cp-1"]!.slot,
      "crash-loop=kube-system/coredns",
      "--state-dir",
      twinDir,
    ]);
    expect(f.code, f.err + f.out).toBe(0);
    // A change for apply to make: a node label on every node (applied live), then the rollouts and the gate.
    const labelled = join(dir, "labelled.yaml");
    writeFileSync(
      labelled,
      specText(1, 2, "v1.13.9").replace(
        "  version: v1.13.9\n",
        '  version: v1.13.9\n  patches:\n    - machine: { nodeLabels: { example.com/rev: "2" } }\n',
      ),
    );
    const failed = cairn(["apply", "-f", labelled, "--twin", "--dir", clusterDir, "--yes"]);
    expect(failed.code).toBe(1);
    expect(failed.out + failed.err).toMatch(
      /apply failed at wait-rollout:deployment\/kube-system\/coredns: Talos: deployment\/kube-system\/coredns failed to roll out: pod coredns-[a-z0-9-]+ on [a-z0-9-]+: CrashLoopBackOff/,
    );
    const heal = cairn(["twin", "fault", slots["cp-1"]!.slot, "heal", "--state-dir", twinDir]);
    expect(heal.code, heal.err + heal.out).toBe(0);
    // Run again: the configs are in; the rollouts and the gate the failed run did not pass are checked again.
    const again = cairn(["apply", "-f", labelled, "--twin", "--dir", clusterDir, "--yes"]);
    expect(again.code, again.err + again.out).toBe(0);
    expect(again.out).toMatch(/deployment "coredns" successfully rolled out/);
    expect(again.out).toMatch(/Kubernetes healthy: 3\/3 node\(s\) Ready/);
    const labels = await k(["get", "nodes", "-o", "jsonpath={.items[*].metadata.labels.example\\.com/rev}"]);
    expect(labels.out.trim()).toBe("2 2 2");
  }, 240_000);
});
