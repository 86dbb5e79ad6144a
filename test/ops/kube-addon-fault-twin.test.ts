// Issue 14's "an injected crash loop in an add-on makes apply name the add-on and why", on the twin through the built
// CLI: a Cilium cluster (the add-on registry installs Cilium through the bootstrap Job, and declares its agent and
// operator as the workloads to await) rolls out; a crash loop injected into the operator makes the next apply fail
// naming add-on cilium, the Deployment and CrashLoopBackOff; healed, apply finishes. kubectl v1.35 sees the pods.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { kubectl } from "../helpers/kubectl.js";
import { twinCli, twinDown } from "../helpers/twin-cli.js";
import { specText } from "./upgrade-helpers.js";

const SUBNET = "127.0.181.0/24";
const dir = mkdtempSync(join(tmpdir(), "cairn-kube-addon-fault-"));
const spec = join(dir, "cairn.yaml");
const clusterDir = join(dir, ".cairn", "ops-test");
const twinDir = join(clusterDir, "twin");
const cairn = twinCli(dir, SUBNET, 150_000);
const CILIUM = "addons:\n  cni: { type: cilium }";

afterAll(() => {
  twinDown(twinDir);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("a crash loop in an add-on's workload (twin, Cilium)", () => {
  it("makes apply fail naming the add-on, the workload and why; healed, apply finishes", async () => {
    writeFileSync(spec, specText(1, 1, "v1.13.9", CILIUM));
    const first = cairn(["apply", "-f", spec, "--twin", "--yes"]);
    expect(first.code, first.err + first.out).toBe(0);
    expect(first.out).toMatch(/deployment "cilium-operator" successfully rolled out/);
    expect(first.out).toMatch(/Kubernetes healthy: 2\/2 node\(s\) Ready with cilium/);

    const slots = (
      JSON.parse(readFileSync(join(twinDir, "state.json"), "utf8")) as {
        providers: { twin: { slots: Record<string, { slot: string }> } };
      }
    ).providers.twin.slots;
    const f = cairn([
      "twin",
      "fault",
      slots["cp-1"]!.slot,
      "crash-loop=kube-system/cilium-operator",
      "--state-dir",
      twinDir,
    ]);
    expect(f.code, f.err + f.out).toBe(0);
    // A change for apply to make (a node label, applied live), then the rollouts and the gate.
    const labelled = join(dir, "labelled.yaml");
    writeFileSync(
      labelled,
      specText(1, 1, "v1.13.9", CILIUM).replace(
        "  version: v1.13.9\n",
        '  version: v1.13.9\n  patches:\n    - machine: { nodeLabels: { example.com/rev: "2" } }\n',
      ),
    );
    const failed = cairn(["apply", "-f", labelled, "--twin", "--dir", clusterDir, "--yes"]);
    expect(failed.code).toBe(1);
    expect(failed.out + failed.err).toMatch(
      /apply failed at wait-rollout:deployment\/kube-system\/cilium-operator: add-on cilium: deployment\/kube-system\/cilium-operator failed to roll out: pod cilium-operator-[a-z0-9-]+ on [a-z0-9-]+: CrashLoopBackOff/,
    );
    // kubectl agrees: the operator's pod is crash-looping.
    const kc = join(dir, "twin.kubeconfig");
    expect(cairn(["kubeconfig", "-f", spec, "--twin", "-o", kc], 30_000).code).toBe(0);
    const pods = await kubectl(kc)([
      "-n",
      "kube-system",
      "get",
      "pods",
      "-l",
      "app.kubernetes.io/name=cilium-operator",
      "-o",
      "jsonpath={.items[*].status.containerStatuses[*].state.waiting.reason}",
    ]);
    expect(pods.code, pods.err).toBe(0);
    expect(pods.out).toMatch(/CrashLoopBackOff/);

    const heal = cairn(["twin", "fault", slots["cp-1"]!.slot, "heal", "--state-dir", twinDir]);
    expect(heal.code, heal.err + heal.out).toBe(0);
    const again = cairn(["apply", "-f", labelled, "--twin", "--dir", clusterDir, "--yes"]);
    expect(again.code, again.err + again.out).toBe(0);
    expect(again.out).toMatch(/deployment "cilium-operator" successfully rolled out/);
  }, 300_000);
});
