// Issue 14's acceptance on the twin, through the built CLI and checked with the real kubectl v1.35: `cairn apply` of
// every example ends with every node registered in Kubernetes and Ready with the spec's CNI — Talos' Flannel, or
// Cilium, which the add-on registry installs through the bootstrap Job (the twin simulates what its steps install) —
// having waited for each add-on's rollout; `cairn health` reports the Kubernetes checks. A spec whose CNI is
// `none` (the user brings one) ends with a clear "no CNI installed".
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/shared.js";
import { twinCli, twinDown } from "../helpers/twin-cli.js";
import { kubectl } from "../helpers/kubectl.js";

const root = mkdtempSync(join(tmpdir(), "cairn-kube-examples-"));
const twinDirs: string[] = [];
afterAll(() => {
  for (const d of twinDirs) twinDown(d);
  rmSync(root, { recursive: true, force: true });
}, 120_000);

const EXAMPLES = readdirSync(join(REPO_ROOT, "examples"))
  .filter((f) => f.endsWith(".yaml"))
  .sort();

interface KubeNode {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { unschedulable?: boolean };
  status: { conditions: { type: string; status: string; message?: string }[] };
}

interface HealthJson {
  ok: boolean;
  simulated: boolean;
  checks: { check: string; subject: string; status: string; message: string }[];
}

/** Applies `spec` on its own twin subnet; returns what the user sees and what kubectl and health report after. */
async function rehearse(name: string, text: string, subnet: string) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "cairn.yaml");
  writeFileSync(file, text);
  const cluster = (parse(text) as { name: string }).name;
  const twinDir = join(dir, ".cairn", cluster, "twin");
  twinDirs.push(twinDir);
  const cairn = twinCli(dir, subnet, 150_000);
  const apply = cairn(["apply", "-f", file, "--twin", "--yes"]);
  expect(apply.code, apply.err + apply.out).toBe(0);
  const kc = join(dir, "twin.kubeconfig");
  const k = cairn(["kubeconfig", "-f", file, "--twin", "-o", kc], 30_000);
  expect(k.code, k.err).toBe(0);
  const got = await kubectl(kc)(["get", "nodes", "-o", "json"]);
  expect(got.code, got.err).toBe(0);
  const nodes = (JSON.parse(got.out) as { items: KubeNode[] }).items;
  const health = cairn(["health", "-f", file, "--twin", "--output", "json"], 60_000);
  const specNodes = (parse(text) as { nodes: { name: string }[] }).nodes.map((n) => n.name);
  twinDown(twinDir);
  return { apply, nodes, health, healthJson: JSON.parse(health.out) as HealthJson, specNodes };
}

const ready = (n: KubeNode): boolean =>
  n.status.conditions.find((c) => c.type === "Ready")?.status === "True";

describe("cairn apply --twin of every example ends in Kubernetes (kubectl v1.35 with cairn's kubeconfig)", () => {
  EXAMPLES.forEach((example, i) => {
    it(`${example}`, async () => {
      const text = readFileSync(join(REPO_ROOT, "examples", example), "utf8");
      const cni = (parse(text) as { addons?: { cni?: { type?: string } } }).addons?.cni?.type ?? "flannel";
      const r = await rehearse(example.replace(/\.yaml$/, ""), text, `127.0.${171 + i}.0/24`);
      // Every spec node is registered (Node names are the machines' hostnames), labelled as simulated.
      expect(r.nodes.map((n) => n.metadata.name).sort()).toEqual([...r.specNodes].sort());
      expect(r.nodes.every((n) => n.metadata.annotations?.["cairn.dev/simulated"] === "true")).toBe(true);
      expect(r.nodes.some((n) => n.spec.unschedulable)).toBe(false);
      const kube = r.healthJson.checks.filter((c) => c.check === "kubernetes");
      expect(kube.find((c) => c.subject === "api")?.status).toBe("ok");
      expect(kube.find((c) => c.subject === "control-plane-pods")?.status).toBe("ok");
      expect(kube.find((c) => c.subject === "cordons")?.status).toBe("ok");
      expect(r.healthJson.simulated).toBe(true);
      const spec = parse(text) as { addons?: { gitops?: unknown } };
      expect(r.nodes.every(ready), JSON.stringify(r.nodes.map((n) => n.status.conditions))).toBe(true);
      expect(r.apply.out).toMatch(/deployment "coredns" successfully rolled out/);
      expect(r.apply.out).not.toMatch(/no CNI installed/);
      if (cni === "flannel") {
        expect(r.apply.out).toMatch(/daemon set "kube-flannel" successfully rolled out/);
      } else {
        // Cilium comes from the add-on registry: its agent (the CNI) and operator, awaited by name.
        expect(r.apply.out).toMatch(/wait for daemonset\/kube-system\/cilium to roll out \(add-on cilium\)/);
        expect(r.apply.out).toMatch(/daemon set "cilium" successfully rolled out/);
        expect(r.apply.out).toMatch(/deployment "cilium-operator" successfully rolled out/);
        expect(kube.find((c) => c.subject === "cni")?.message).toBe("cilium (kube-system) installed");
      }
      if (spec.addons?.gitops) {
        // Flux's controllers roll out; its HelmReleases wait for Flux to apply the user's repository, said so.
        expect(r.apply.out).toMatch(/deployment "helm-controller" successfully rolled out/);
        expect(r.apply.out).toMatch(
          /helmrelease\/[a-z-]+\/[a-z-]+ not awaited: Flux has not applied the GitOps tree \(Flux's sync \(Kustomization flux-system\/flux-system\) does not exist\)/,
        );
      } else expect(r.apply.out).not.toMatch(/helmrelease/);
      for (const n of r.specNodes)
        expect(kube.find((c) => c.subject === n)).toMatchObject({
          status: "ok",
          message: expect.stringMatching(
            new RegExp(`^Ready .*${cni === "flannel" ? "kube-flannel" : "cilium"} pod ready`),
          ),
        });
      expect(kube.filter((c) => c.status !== "ok")).toEqual([]);
      expect(r.health.code, r.health.out).toBe(0);
    }, 180_000);
  });

  it("a spec with cni none (the user brings the CNI): no CNI installed, said once, nodes NotReady", async () => {
    const text =
      readFileSync(join(REPO_ROOT, "examples/minimal.yaml"), "utf8") + "addons:\n  cni: { type: none }\n";
    const r = await rehearse("cni-none", text, `127.0.${171 + EXAMPLES.length}.0/24`);
    expect(r.nodes.some(ready)).toBe(false);
    expect(r.apply.out).toMatch(/\n {2}kubernetes {3}no CNI installed: nodes stay NotReady/);
    expect(r.apply.out).toMatch(/coredns not awaited: no CNI installed/);
    const kube = r.healthJson.checks.filter((c) => c.check === "kubernetes");
    expect(kube.find((c) => c.subject === "cni")).toMatchObject({
      status: "warn",
      message: expect.stringMatching(/^no CNI installed/),
    });
    // One finding for the one cause, not a warning per node.
    expect(kube.find((c) => c.subject === "cni")!.message).toMatch(
      new RegExp(`; ${r.specNodes.length} node\\(s\\) registered and NotReady for it$`),
    );
    expect(kube.filter((c) => r.specNodes.includes(c.subject))).toEqual([]);
    expect(r.health.code, r.health.out).toBe(0);
  }, 180_000);
});
