// Versions end to end on the twin, through the built CLI, as a user meets them (1 control plane + 1 worker):
// - issue 9 item 2: after `upgrade talos --to`, a cairn.yaml left behind makes plan and apply refuse with the exact
//   spec change (nothing is downgraded); --allow-talos-downgrade plans the move back; --update-spec edits only that
//   value of cairn.yaml;
// - issue 10 item 12: bumping talos.version with kubernetes.version unpinned keeps the Kubernetes the cluster was
//   built with; a pinned new Kubernetes goes through the Kubernetes upgrade path, not a config change;
// - issue 10 item 11: after `upgrade kubernetes`, plan and diff agree (both clean, or both not).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "../../src/twin/daemon.js";
import type { CallRecord } from "../../src/twin/node.js";
import { planAndDiff, twinCli, twinDown } from "../helpers/twin-cli.js";
import { specText } from "./upgrade-helpers.js";

const SUBNET = "127.0.243.0/24";
const dir = mkdtempSync(join(tmpdir(), "cairn-versions-"));
const spec = join(dir, "cairn.yaml");
const twinDir = join(dir, ".cairn", "ops-test", "twin");
const cairn = twinCli(dir, SUBNET);
const flags = ["-f", spec, "--twin"];

interface PlanJson {
  actions: { id: string; kind: string; node?: string; title: string; detail: string[] }[];
  blockers: string[];
}
const planJson = (...extra: string[]): { code: number; plan: PlanJson } => {
  const p = cairn(["plan", ...flags, "--output", "json", ...extra]);
  return { code: p.code, plan: JSON.parse(p.out) as PlanJson };
};
const versions = (): { talos: string[]; k8s: string[] } => {
  const r = cairn(["status", ...flags, "--output", "json"]);
  expect(r.code, r.err).toBe(0);
  const nodes = (JSON.parse(r.out) as { nodes: { talosVersion?: string; kubernetesVersion?: string }[] })
    .nodes;
  return {
    talos: nodes.map((n) => n.talosVersion ?? "-"),
    k8s: nodes.map((n) => n.kubernetesVersion ?? "-"),
  };
};
/** A node's call log; once more when the daemon dropped a kept-alive connection between two reads. */
const logOf = (slot: string): Promise<CallRecord[]> =>
  request<CallRecord[]>(twinDir, "GET", `/log/${slot}`).catch(() =>
    request<CallRecord[]>(twinDir, "GET", `/log/${slot}`),
  );
const upgradeCalls = async (): Promise<number> => {
  let n = 0;
  for (const slot of ["cp-1", "worker-1"])
    n += (await logOf(slot)).filter((c) =>
      /(MachineService|LifecycleService)\/Upgrade$/.test(c.method),
    ).length;
  return n;
};
const expectClean = (): void => {
  const { plan, diff } = planAndDiff(cairn, flags);
  expect(plan.code, plan.out + plan.err).toBe(0);
  expect(diff.code, diff.out + diff.err).toBe(0);
};

// A comment on the version line: an edit of cairn.yaml must keep it.
const original = specText(1, 1, "v1.12.4").replace(
  "  version: v1.12.4",
  "  version: v1.12.4 # the fleet's release",
);

beforeAll(() => {
  writeFileSync(spec, original);
  const a = cairn(["apply", ...flags, "--yes"]);
  expect(a.code, a.out + a.err).toBe(0);
  expectClean();
}, 180_000);

afterAll(() => {
  twinDown(twinDir);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("versions on the twin", () => {
  it("after `upgrade talos --to`, a spec left behind is refused with the exact change, never downgraded", async () => {
    const up = cairn(["upgrade", "talos", "--to", "v1.12.11", ...flags, "--yes"]);
    expect(up.code, up.out + up.err).toBe(0);
    expect(up.err).toMatch(
      /cairn\.yaml:5 still says talos\.version: v1\.12\.4, but the cluster now runs v1\.12\.11/,
    );
    expect(readFileSync(spec, "utf8")).toBe(original);
    const calls = await upgradeCalls();

    const { plan, diff, agree } = planAndDiff(cairn, flags);
    expect(plan.code, plan.out).toBe(1);
    expect(plan.out).toContain(
      "cairn.yaml is behind the cluster: talos.version says v1.12.4, but every node runs Talos v1.12.11",
    );
    expect(plan.out).toContain("set `talos.version: v1.12.11` in cairn.yaml");
    expect(diff.code).toBe(2);
    expect(agree).toBe(true);
    const apply = cairn(["apply", ...flags, "--yes"]);
    expect(apply.code).toBe(1);
    expect(apply.err + apply.out).toMatch(/set `talos\.version: v1\.12\.11` in cairn\.yaml/);
    expect(await upgradeCalls()).toBe(calls);
    expect(versions().talos).toEqual(["v1.12.11", "v1.12.11"]);

    // Asked for explicitly, the move back is planned (a patch release: the same minor).
    const back = planJson("--allow-talos-downgrade");
    expect(back.code).toBe(2);
    expect(back.plan.actions.filter((a) => a.kind === "upgrade").map((a) => a.title)).toEqual([
      "upgrade cp-1 v1.12.11 → v1.12.4",
      "upgrade worker-1 v1.12.11 → v1.12.4",
    ]);

    // --update-spec: nothing left to upgrade, and cairn.yaml now says so (only that value changed).
    const fix = cairn(["upgrade", "talos", "--to", "v1.12.11", ...flags, "--yes", "--update-spec"]);
    expect(fix.code, fix.out + fix.err).toBe(0);
    expect(fix.err).toMatch(/cairn\.yaml:5: talos\.version v1\.12\.4 → v1\.12\.11/);
    expect(readFileSync(spec, "utf8")).toBe(original.replace("v1.12.4 #", "v1.12.11 #"));
    expectClean();
  }, 180_000);

  it("bumping talos.version keeps the Kubernetes the cluster was built with (kubernetes.version unpinned)", () => {
    const built = versions().k8s;
    expect(built).toEqual(["1.35.4", "1.35.4"]); // Talos 1.12's default when the cluster was built
    writeFileSync(spec, readFileSync(spec, "utf8").replace("v1.12.11 #", "v1.13.9 #"));
    const p = planJson();
    expect(p.code, JSON.stringify(p.plan.blockers)).toBe(2);
    expect(p.plan.actions.filter((a) => a.kind === "upgrade").map((a) => a.node)).toEqual([
      "cp-1",
      "worker-1",
    ]);
    expect(p.plan.actions.filter((a) => a.kind === "upgrade-kubernetes")).toEqual([]);
    // Each node's config change (the 1.13 contract) right after its own upgrade, with no Kubernetes image in it.
    const ids = p.plan.actions.map((a) => a.id);
    expect(ids.indexOf("apply-config:cp-1")).toBe(ids.indexOf("upgrade:cp-1") + 1);
    expect(p.plan.actions.flatMap((a) => a.detail).join("\n")).not.toMatch(/kubelet|kube-apiserver/);
    const a = cairn(["apply", ...flags, "--yes"]);
    expect(a.code, a.out + a.err).toBe(0);
    expect(versions()).toEqual({ talos: ["v1.13.9", "v1.13.9"], k8s: ["1.35.4", "1.35.4"] });
    expectClean();
  }, 180_000);

  it("after `upgrade kubernetes`, plan and diff agree: clean while unpinned, refused while the pin is behind", () => {
    const up = cairn(["upgrade", "kubernetes", "--to", "1.36.3", ...flags, "--yes"]);
    expect(up.code, up.out + up.err).toBe(0);
    expect(up.err).toMatch(/does not pin kubernetes\.version: cairn recorded Kubernetes 1\.36\.3/);
    expectClean();

    writeFileSync(
      spec,
      readFileSync(spec, "utf8").replace("provider:", "kubernetes:\n  version: 1.36.3\nprovider:"),
    );
    expectClean();
    const again = cairn(["upgrade", "kubernetes", "--to", "1.36.4", ...flags, "--yes"]);
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.err).toMatch(/still says kubernetes\.version: 1\.36\.3, but the cluster now runs 1\.36\.4/);
    const { plan, diff, agree } = planAndDiff(cairn, flags);
    expect(plan.code, plan.out).toBe(1);
    expect(plan.out).toContain("set `kubernetes.version: 1.36.4` in cairn.yaml");
    expect(plan.out).toContain("--allow-kubernetes-downgrade");
    expect(diff.code).toBe(2);
    expect(agree).toBe(true);
  }, 180_000);

  it("a pinned new Kubernetes in cairn.yaml goes through the Kubernetes upgrade path", () => {
    writeFileSync(spec, readFileSync(spec, "utf8").replace("version: 1.36.3", "version: 1.36.5"));
    const p = planJson();
    expect(p.code, JSON.stringify(p.plan.blockers)).toBe(2);
    // The Kubernetes upgrade path with its gates, then apply's closing rollouts and health gate.
    expect(p.plan.actions.map((a) => a.id)).toEqual([
      "upgrade-kubernetes:control-plane:cp-1",
      "gate:kubernetes-after:cp-1",
      "upgrade-kubernetes:kubelet:cp-1",
      "upgrade-kubernetes:kubelet:worker-1",
      "gate:kubernetes",
      "wait-rollout:daemonset/kube-system/kube-flannel",
      "wait-rollout:daemonset/kube-system/kube-proxy",
      "wait-rollout:deployment/kube-system/coredns",
      "health-gate",
    ]);
    const a = cairn(["apply", ...flags, "--yes"]);
    expect(a.code, a.out + a.err).toBe(0);
    expect(a.out).toMatch(/Kubernetes control plane on cp-1 → 1\.36\.5/);
    expect(versions().k8s).toEqual(["1.36.5", "1.36.5"]);
    expectClean();
  }, 180_000);
});
