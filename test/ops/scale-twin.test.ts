// Scaling on the twin, through the built CLI (issue 5, item 7): from a 3 + 2 apply of the Proxmox example, a third
// worker is provisioned, configured and joined, then reset and released again; a control plane is replaced (the
// replacement joins first, the old one leaves etcd by a graceful reset); a crashed control plane is refused
// without --force and removed by etcd member ID with it. The steps build on each other and run in order.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/shared.js";
import { planAndDiff, twinCli, twinDown } from "../helpers/twin-cli.js";
import { kubectl } from "../helpers/kubectl.js";

const SUBNET = "127.0.230.0/24";
const dir = mkdtempSync(join(tmpdir(), "cairn-scale-"));
const base = join(dir, "cairn.yaml");
const clusterDir = join(dir, ".cairn", "test-cluster");
const twinDir = join(clusterDir, "twin");
const cairn = twinCli(dir, SUBNET, 90_000);

/** Runs a cluster command on the twin against one spec file, always the same cluster directory. */
const onTwin = (cmd: string, file: string, ...rest: string[]): ReturnType<typeof cairn> =>
  cairn([cmd, "-f", file, "--twin", "--dir", clusterDir, ...rest]);

interface PlanJson {
  pending: number;
  blockers: string[];
  actions: { id: string; kind: string; node?: string; title: string }[];
}

function planJson(file: string, ...rest: string[]): { code: number; plan: PlanJson; err: string } {
  const p = onTwin("plan", file, "--output", "json", ...rest);
  return { code: p.code, plan: JSON.parse(p.out) as PlanJson, err: p.err };
}

interface StateJson {
  nodes: Record<string, { stage: string; role: string }>;
  providers: { twin: { slots: Record<string, { slot: string; address: string }> } };
}
const state = (): StateJson => JSON.parse(readFileSync(join(twinDir, "state.json"), "utf8")) as StateJson;

interface TwinNode {
  name: string;
  address: string;
  stage: string;
  mode: string;
  hostname: string;
}
function twinNodes(): TwinNode[] {
  const r = cairn(["twin", "status", "--state-dir", twinDir, "--output", "json"], 30_000);
  expect(r.code, r.err).toBe(0);
  return (JSON.parse(r.out) as { nodes: TwinNode[] }).nodes;
}

interface StatusRow {
  name: string;
  role: string;
  reachable: boolean;
  stage?: string;
  ready?: boolean;
  etcd?: string;
}
function status(file: string): StatusRow[] {
  const r = onTwin("status", file, "--output", "json");
  expect(r.code, r.err + r.out).toBe(0);
  return (JSON.parse(r.out) as { nodes: StatusRow[] }).nodes;
}

/** etcd members as one control plane sees them, through `cairn talos etcd members`. */
function etcdMembers(address: string): { id: string; hostname: string; is_learner: boolean }[] {
  const r = cairn(
    [
      "talos",
      "etcd",
      "members",
      "--talosconfig",
      join(clusterDir, "talosconfig"),
      "-e",
      address,
      "-n",
      address,
      "--output",
      "json",
    ],
    30_000,
  );
  expect(r.code, r.err + r.out).toBe(0);
  const rows = JSON.parse(r.out) as { members: { id: string; hostname: string; is_learner: boolean }[] }[];
  return rows[0]!.members;
}

const baseText = (): string => readFileSync(base, "utf8");

/** A copy of the example with one more node before `addons:` (workers) or before worker0 (control planes). */
function withNode(
  text: string,
  name: string,
  role: "controlplane" | "worker",
  vmid: number,
  address: string,
) {
  const node =
    `  - name: ${name}\n    role: ${role}\n` +
    `    proxmox: { host: atlas, vmid: ${vmid}, cores: 4, memory: ${role === "worker" ? 16384 : 8192} }\n` +
    `    interfaces: [{ network: lan, name: eth0, address: ${address} }]\n`;
  const out =
    role === "worker"
      ? text.replace("\naddons:", `\n${node}\naddons:`)
      : text.replace("  - name: worker0\n", `${node}  - name: worker0\n`);
  expect(out).toContain(`name: ${name}\n`);
  return out;
}

function withoutNode(text: string, name: string): string {
  const out = text.replace(new RegExp(`\\n {2}- name: ${name}\\n[\\s\\S]*?(?=\\n {2}- name: |\\n\\n)`), "");
  expect(out).not.toMatch(new RegExp(`name: ${name}\\n`));
  return out;
}

function writeSpec(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

/** After a change: nothing left to plan, and `cairn diff` agrees that nothing drifted. */
function expectClean(file: string): void {
  const { plan, diff, agree } = planAndDiff(cairn, ["-f", file, "--twin", "--dir", clusterDir]);
  expect(plan.code, plan.out + plan.err).toBe(0);
  expect(agree, diff.out + diff.err).toBe(true);
}

const FIVE = ["controlplane0", "controlplane1", "controlplane2", "worker0", "worker1"];

/** Node names in the twin's simulated Kubernetes, as the real kubectl sees them with `cairn kubeconfig --twin`. */
async function kubeNodes(): Promise<string[]> {
  const file = join(dir, "twin.kubeconfig");
  const k = cairn(["kubeconfig", "-f", base, "--twin", "-o", file, "--force"], 30_000);
  expect(k.code, k.err).toBe(0);
  const r = await kubectl(file)(["get", "nodes", "-o", "name"]);
  expect(r.code, r.err).toBe(0);
  return r.out
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => l.replace(/^node\//, ""));
}

const nodesOf = (p: PlanJson): Set<string> =>
  new Set(p.actions.map((a) => a.node).filter((n): n is string => n !== undefined));

beforeAll(() => {
  copyFileSync(join(REPO_ROOT, "examples/proxmox-5node-vip-pools.yaml"), base);
  const a = onTwin("apply", base, "--yes");
  expect(a.code, a.err + a.out).toBe(0);
  expect(planJson(base).code).toBe(0);
}, 180_000);

afterAll(() => {
  twinDown(twinDir);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("scaling on the twin (3 control planes + 2 workers, one spare slot of each)", () => {
  let plus = "";
  let deadWorkerSlot = "";

  it("scale up: a third worker is provisioned (no-op on the twin), configured and joined", async () => {
    plus = writeSpec("plus-worker.yaml", withNode(baseText(), "worker2", "worker", 8202, "10.0.2.3"));
    const p = planJson(plus);
    expect(p.code, p.err).toBe(2);
    expect(p.plan.blockers).toEqual([]);
    // Only the new node has actions (plus the cluster-wide health gate).
    expect([...nodesOf(p.plan)]).toEqual(["worker2"]);
    const kinds = p.plan.actions.filter((a) => a.node === "worker2").map((a) => a.kind);
    expect(kinds).toEqual(["provision", "apply-config", "wait-secure"]);
    expect(p.plan.actions.find((a) => a.kind === "provision")!.title).toMatch(/simulated/);
    expect(p.plan.actions.map((a) => a.kind)).toContain("health-gate");

    const a = onTwin("apply", plus, "--yes");
    expect(a.code, a.err + a.out).toBe(0);
    // Its kubelet registered it in the simulated Kubernetes (Cilium, from the bootstrap Job, runs on it there).
    expect(await kubeNodes()).toContain("worker2");
    const row = status(plus).find((r) => r.name === "worker2");
    expect(row).toMatchObject({ role: "worker", reachable: true, stage: "running", ready: true });
    expect(state().nodes.worker2?.stage).toBe("running");
    expectClean(plus);
  }, 120_000);

  it("scale down: the worker is drained, reset gracefully, its Node deleted, its slot released, nothing else touched", async () => {
    const slot = state().providers.twin.slots.worker2!;
    expect(slot).toBeDefined();
    const p = planJson(base);
    expect(p.code, p.err).toBe(2);
    expect([...nodesOf(p.plan)]).toEqual(["worker2"]);
    expect(p.plan.actions.filter((a) => a.node === "worker2").map((a) => a.kind)).toEqual([
      "drain",
      "reset",
      "delete-node",
      "deprovision",
    ]);
    expect(p.plan.actions.find((a) => a.kind === "reset")!.title).toMatch(/gracefully/);
    expect((await kubeNodes()).sort()).toEqual([...FIVE, "worker2"].sort());

    const a = onTwin("apply", base, "--yes");
    expect(a.code, a.err + a.out).toBe(0);
    // Drained (nothing to evict without a CNI: no pod could schedule), reset, and its Node object deleted.
    expect(a.out).toMatch(/drained worker2: no pod to evict/);
    expect(a.out).toMatch(/deleted Node worker2/);
    expect((await kubeNodes()).sort()).toEqual([...FIVE].sort());
    // The machine is wiped: back in maintenance mode, a new identity (fingerprint) and no hostname from cairn.
    const t = twinNodes().find((n) => n.name === slot.slot)!;
    expect(t.mode).toBe("maintenance");
    expect(t.stage).toBe("maintenance");
    expect(status(base).map((r) => r.name)).not.toContain("worker2");
    expect(state().nodes.worker2).toBeUndefined();
    expect(state().providers.twin.slots.worker2).toBeUndefined();
    // The other five still run.
    expect(status(base).every((r) => r.stage === "running" && r.ready === true)).toBe(true);
    expectClean(base);
  }, 120_000);

  let three = "";
  let last = "";

  it("replace a control plane: the fourth joins first, then the removed one leaves etcd gracefully", async () => {
    const four = writeSpec(
      "four-cps.yaml",
      withNode(baseText(), "controlplane3", "controlplane", 8103, "10.0.1.4"),
    );
    const up = planJson(four);
    expect(up.code, up.err).toBe(2);
    expect([...nodesOf(up.plan)]).toEqual(["controlplane3"]);
    expect(up.plan.actions.map((a) => a.kind)).toContain("wait-etcd");
    const a = onTwin("apply", four, "--yes");
    expect(a.code, a.err + a.out).toBe(0);
    const cp1 = state().providers.twin.slots.controlplane1!.address;
    expect(
      etcdMembers(cp1)
        .map((m) => m.hostname)
        .sort(),
    ).toEqual(["controlplane0", "controlplane1", "controlplane2", "controlplane3"]);

    // controlplane0 is the one that bootstrapped etcd: it can leave like any other member.
    const slot = state().providers.twin.slots.controlplane0!;
    three = writeSpec("replaced.yaml", withoutNode(readFileSync(four, "utf8"), "controlplane0"));
    const down = planJson(three);
    expect(down.code, down.err).toBe(2);
    expect(down.plan.blockers).toEqual([]); // the quorum guard lets 4 → 3 through
    expect([...nodesOf(down.plan)]).toEqual(["controlplane0"]);
    expect(down.plan.actions.filter((x) => x.node === "controlplane0").map((x) => x.kind)).toEqual([
      "drain",
      "reset",
      "etcd-remove-member",
      "delete-node",
      "deprovision",
    ]);
    const r = onTwin("apply", three, "--yes");
    expect(r.code, r.err + r.out).toBe(0);
    // A graceful reset: the node left etcd by itself; no member had to be removed by ID.
    expect(r.out).toMatch(/controlplane0: reset requested \(graceful, leaves etcd\)/);
    expect(r.out).toMatch(/controlplane0 is no longer an etcd member/);
    expect(r.out).not.toMatch(/removed etcd member/);
    expect(twinNodes().find((n) => n.name === slot.slot)!.mode).toBe("maintenance");
    const members = etcdMembers(cp1);
    expect(members.map((m) => m.hostname).sort()).toEqual([
      "controlplane1",
      "controlplane2",
      "controlplane3",
    ]);
    expect(members.every((m) => !m.is_learner)).toBe(true);
    const rows = status(three);
    expect(rows.filter((x) => x.role === "controlplane").map((x) => x.name)).toEqual([
      "controlplane1",
      "controlplane2",
      "controlplane3",
    ]);
    expect(rows.filter((x) => x.etcd === "leader")).toHaveLength(1);
    // On failure, what apply said about the Node (deleted, or already gone) is part of the message.
    const said = r.out.split("\n").filter((l) => /Node controlplane0|delete-node:controlplane0/.test(l));
    expect(await kubeNodes(), said.join("\n")).not.toContain("controlplane0");
    expectClean(three);
  }, 180_000);

  it("a crashed control plane: refused without --force; with it, its etcd member is removed by ID", () => {
    const dead = state().providers.twin.slots.controlplane2!;
    const f = cairn(["twin", "fault", dead.slot, "crash", "--state-dir", twinDir], 30_000);
    expect(f.code, f.err + f.out).toBe(0);
    const smaller = writeSpec("dead-removed.yaml", withoutNode(readFileSync(three, "utf8"), "controlplane2"));
    const before = readFileSync(join(twinDir, "state.json"), "utf8");

    const refused = onTwin("apply", smaller, "--yes");
    expect(refused.code).toBe(1);
    expect(refused.err + refused.out).toMatch(
      /refusing to remove control plane controlplane2: it would leave 2 control planes of 3/,
    );
    expect(refused.err + refused.out).toMatch(/--force/);
    expect(readFileSync(join(twinDir, "state.json"), "utf8")).toBe(before);
    const cp1 = state().providers.twin.slots.controlplane1!.address;
    expect(etcdMembers(cp1).map((m) => m.hostname)).toContain("controlplane2");

    const p = planJson(smaller, "--force");
    expect(p.code, p.err).toBe(2);
    expect(p.plan.blockers).toEqual([]);
    expect([...nodesOf(p.plan)]).toEqual(["controlplane2"]);

    const forced = onTwin("apply", smaller, "--yes", "--force");
    expect(forced.code, forced.err + forced.out).toBe(0);
    expect(forced.out).toMatch(/controlplane2 is unreachable; skipping the reset \(--force\)/);
    expect(forced.out).toMatch(/removed etcd member [0-9a-f]+ \(controlplane2\)/);
    // What was and was not done (issue 10 item 13): no "✓ reset", no "slot is free" for a machine never wiped.
    expect(forced.out).toMatch(
      /! reset controlplane2 gracefully .*: not reset: controlplane2 is unreachable/,
    );
    expect(forced.out).not.toMatch(/✓ reset controlplane2/);
    expect(forced.out).toMatch(/! release controlplane2's twin slot .*never reset/);
    expect(forced.out).not.toMatch(/controlplane2's twin slot .*is free again/);
    const members = etcdMembers(cp1);
    expect(members.map((m) => m.hostname).sort()).toEqual(["controlplane1", "controlplane3"]);
    // Both remaining members answer, are voters, and one of them leads.
    const cp3 = state().providers.twin.slots.controlplane3!.address;
    expect(
      etcdMembers(cp3)
        .map((m) => m.id)
        .sort(),
    ).toEqual(members.map((m) => m.id).sort());
    const rows = status(smaller).filter((r) => r.role === "controlplane");
    expect(rows.map((r) => r.name)).toEqual(["controlplane1", "controlplane3"]);
    expect(rows.every((r) => r.reachable && r.ready === true)).toBe(true);
    expect(rows.filter((r) => r.etcd === "leader")).toHaveLength(1);
    expect(state().nodes.controlplane2).toBeUndefined();
    expectClean(smaller);
    last = smaller;
  }, 180_000);

  it("a crashed worker: its removal is refused naming --force; with it, the worker is forgotten", async () => {
    const dead = state().providers.twin.slots.worker1!;
    const f = cairn(["twin", "fault", dead.slot, "crash", "--state-dir", twinDir], 30_000);
    expect(f.code, f.err + f.out).toBe(0);
    const smaller = writeSpec("dead-worker-removed.yaml", withoutNode(readFileSync(last, "utf8"), "worker1"));
    const refused = onTwin("apply", smaller, "--yes");
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/worker1 is unreachable .*it cannot be reset gracefully\. Pass --force/);
    expect(state().nodes.worker1).toBeDefined();
    const forced = onTwin("apply", smaller, "--yes", "--force");
    expect(forced.code, forced.err + forced.out).toBe(0);
    expect(forced.out).toMatch(/worker1 is unreachable: not drained \(--force\)/);
    expect(forced.out).toMatch(/worker1 is unreachable; skipping the reset \(--force\)/);
    expect(forced.out).toMatch(/! reset worker1 gracefully .*: not reset: worker1 is unreachable/);
    expect(state().nodes.worker1).toBeUndefined();
    // Nothing was cordoned by the refused run, and the dead worker's Node is gone.
    expect(await kubeNodes()).not.toContain("worker1");
    expect(status(smaller).map((r) => r.name)).toEqual(["controlplane1", "controlplane3", "worker0"]);
    expectClean(smaller);
    deadWorkerSlot = dead.slot;
    last = smaller;
  }, 120_000);

  it("a node added after a --force removal gets a machine waiting in maintenance mode, not the dead one", () => {
    const back = writeSpec(
      "worker-back.yaml",
      withNode(readFileSync(last, "utf8"), "worker9", "worker", 8209, "10.0.2.9"),
    );
    const a = onTwin("apply", back, "--yes", "--timeout", "2m");
    expect(a.code, a.err + a.out).toBe(0);
    expect(state().providers.twin.slots.worker9!.slot).not.toBe(deadWorkerSlot);
    expectClean(back);
    last = back;
  }, 120_000);

  it("apply --timeout bounds each wait: a node whose machine never answers fails in seconds, not 10 minutes", () => {
    // Every free slot made unusable (the clean ones crash too): the new node gets the dead worker's slot, and its
    // maintenance-mode apply can only wait.
    const used = new Set(Object.values(state().providers.twin.slots).map((x) => x.slot));
    for (const n of twinNodes().filter((x) => !used.has(x.name) && x.mode === "maintenance")) {
      const f = cairn(["twin", "fault", n.name, "crash", "--state-dir", twinDir], 30_000);
      expect(f.code, f.err + f.out).toBe(0);
    }
    const more = writeSpec(
      "worker-dead-slot.yaml",
      withNode(readFileSync(last, "utf8"), "worker10", "worker", 8210, "10.0.2.10"),
    );
    const t0 = Date.now();
    const a = onTwin("apply", more, "--yes", "--timeout", "3s");
    expect(a.code).toBe(1);
    expect(a.err + a.out).toMatch(/apply worker config to worker10 .*timed out after 3\.0s/);
    expect(a.out).toMatch(
      /warning: worker10 gets twin slot \S+, whose simulated machine is not waiting in maintenance mode/,
    );
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(state().providers.twin.slots.worker10!.slot).toBe(deadWorkerSlot);
    expect(onTwin("apply", more, "--timeout", "soon").err).toMatch(
      /--timeout "soon" is not a positive duration/,
    );
  }, 120_000);
});
