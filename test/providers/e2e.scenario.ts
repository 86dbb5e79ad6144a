// One seed example's whole life on a simulated provider, through the built CLI as a user runs it, inside a network
// namespace of its own (unshare --net) where the fake boots twin nodes at the spec's own addresses:
//   decoys that are not cairn's (similar names, other clusters) → plan → apply killed with SIGKILL at random
//   points, then run to completion → plan exits 0, diff finds no drift, health sees 3 etcd members → a worker
//   removed from the spec → destroy → plan again. Prints one JSON report; provider-e2e tests assert on it.
//   node --import test/fakes/register.mjs test/providers/e2e.scenario.ts <example> [kills]
import { spawnSync, execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FakeHandle } from "../fakes/start.js";
import { brief, cairnRunner, loUp, ROOT, startProviderFake } from "./scenario-kit.js";

loUp();
const example = process.argv[2] ?? "homelab-proxmox-vlans.yaml";
const kills = Number(process.argv[3] ?? 10);

interface Seed {
  kind: "proxmox" | "hetzner";
  /** The example the scenario copies, when the scenario's name is not the example's file name. */
  file?: string;
  fakeArgs: string[];
  /** The worker removed from the spec, when the example has workers. */
  removeWorker?: string;
  /** A change to the copied spec before anything runs. */
  edit?: (text: string) => string;
  /** Change a machine behind cairn's back after apply: diff and plan must see it, apply must put it back. */
  drift?: boolean;
}
const SEEDS: Record<string, Seed> = {
  "homelab-proxmox-vlans.yaml": {
    kind: "proxmox",
    fakeArgs: ["--pve", "8.4", "--nodes", "pve-ms01-01,pve-ms01-02,pve-aimax-01"],
    // Not in the seed: HA, to rehearse PVE 8's HA groups (002 rehearses 9's rules).
    edit: (t) => t.replace("  bridge: vmbr0\n", "  bridge: vmbr0\n  ha: true\n"),
    drift: true,
  },
  "platform-cilium-gateway.yaml": {
    kind: "proxmox",
    fakeArgs: [
      "--pve",
      "9.1",
      "--nodes",
      "trinity,neo,niobe,oracle",
      "--storages",
      "local:dir:iso+vztmpl+backup,ceph-vm-disks:rbd:images+rootdir:shared,cephfs:cephfs:iso+import+vztmpl:shared",
    ],
  },
  // Seed 000 where PVE cannot import a disk image (no `import` content on the storage): the Talos ISO as a CD-ROM
  // and an empty disk Talos installs itself to, the cidata seed as ever.
  "iso-boot:homelab-proxmox-vlans.yaml": {
    kind: "proxmox",
    file: "homelab-proxmox-vlans.yaml",
    fakeArgs: [
      "--pve",
      "8.4",
      "--nodes",
      "pve-ms01-01,pve-ms01-02,pve-aimax-01",
      "--import-content",
      "false",
    ],
  },
  "proxmox-5node-vip-pools.yaml": {
    kind: "proxmox",
    fakeArgs: ["--pve", "8.4", "--nodes", "atlas"],
    removeWorker: "worker1",
  },
  "hetzner-oxide.yaml": {
    kind: "hetzner",
    fakeArgs: [],
    removeWorker: "worker-2",
    drift: true,
    // Not in the seed: the optional floating IP, to rehearse reserving and assigning it (and destroy removing it).
    edit: (t) => t.replace("  networkZone: eu-central\n", "  networkZone: eu-central\n  floatingIp: true\n"),
  },
};
const seed = SEEDS[example];
if (!seed) throw new Error(`no scenario for ${example}`);

// A seeded generator, so a failing run can be repeated (the seed is in the report).
const rngSeed = Number(process.env.CAIRN_E2E_SEED ?? Date.now() % 1_000_000);
let state = rngSeed;
const random = (): number => {
  state = (state * 1103515245 + 12345) % 2 ** 31;
  return state / 2 ** 31;
};

// The scenario's directory (spec, .cairn state) is removed at the end unless CAIRN_E2E_KEEP=1 keeps it to look at.
const dir = mkdtempSync(join(tmpdir(), "cairn-e2e-"));
const scratch = [dir];
const spec = join(dir, "cairn.yaml");
copyFileSync(join(ROOT, "examples", seed.file ?? example), spec);
if (seed.edit) writeFileSync(spec, seed.edit(readFileSync(spec, "utf8")));
const report: Record<string, unknown> = { example, rngSeed, dir };
const env: NodeJS.ProcessEnv = { ...process.env, CAIRN_TWIN_REBOOT_MS: "200" };

const cairn = cairnRunner(dir, env);

let fake: FakeHandle | undefined;
try {
  const started = await startProviderFake(
    seed.kind,
    seed.kind === "proxmox"
      ? [...seed.fakeArgs, "--task-ms", "150"]
      : [...seed.fakeArgs, "--action-ms", "150"],
    200,
  );
  fake = started.fake;
  Object.assign(env, started.env);
  const f = fake;
  const model = JSON.parse(
    execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { loadSpecFile } from ${JSON.stringify(join(ROOT, "dist/clusterspec/load.js"))};
         const m = loadSpecFile(process.argv[1]).model;
         console.log(JSON.stringify({ name: m.name, provider: m.spec.provider, nodes: m.nodes.map((n) => ({ name: n.name, role: n.role, spec: n.spec })) }));`,
        spec,
      ],
      { encoding: "utf8" },
    ),
  ) as {
    name: string;
    nodes: { name: string; role: string; spec: Record<string, { host?: string; vmid?: number }> }[];
  };
  report.cluster = model.name;

  // ---- decoys: resources with similar names that are not this cluster's ----------------------------------
  const decoys = await import("./e2e-decoys.js");
  report.decoys = await decoys.plant(f, seed.kind, model);

  if (seed.kind === "hetzner") {
    const img = await cairn(["image", "hetzner", "-f", spec]);
    report.imagePrint = brief(img);
    const planNoImage = await cairn(["plan", "-f", spec]);
    report.planNoImage = brief(planNoImage);
    report.imageBuild = brief(await cairn(["image", "hetzner", "-f", spec, "--yes"]));
  }

  const plan1 = await cairn(["plan", "-f", spec]);
  report.plan1 = { ...brief(plan1), out: plan1.out };

  // ---- SIGKILL at random points, then a rerun to the end --------------------------------------------------
  const killed: Record<string, unknown>[] = [];
  for (let i = 0; i < kills; i++) {
    const at = { events: 1 + Math.floor(random() * 12), delayMs: Math.floor(random() * 250) };
    const r = await cairn(["apply", "-f", spec, "--yes"], at);
    killed.push({ ...at, code: r.code, signal: r.signal, ms: r.ms, last: r.out.trim().split("\n").at(-1) });
  }
  report.killed = killed;
  const apply = await cairn(["apply", "-f", spec, "--yes"]);
  report.apply = brief(apply);
  report.health = brief(await cairn(["health", "-f", spec, "--output", "json"]));
  try {
    report.healthJson = JSON.parse((await cairn(["health", "-f", spec, "--output", "json"])).out);
  } catch {
    report.healthJson = null;
  }
  if (seed.kind === "hetzner") {
    // The cluster endpoint is the load balancer's private address: kubectl through it reaches a control plane.
    const { kubectlBinary } = await import("../helpers/kubectl.js");
    const home = mkdtempSync(join(tmpdir(), "cairn-e2e-kubectl-"));
    scratch.push(home);
    const k = spawnSync(
      kubectlBinary(),
      [
        "--kubeconfig",
        join(dir, ".cairn", model.name, "kubeconfig"),
        "get",
        "nodes",
        "-o",
        "name",
        "--request-timeout",
        "20s",
      ],
      { encoding: "utf8", env: { ...process.env, HOME: home }, timeout: 60_000 },
    );
    report.kubectlViaLb = { code: k.status, out: k.stdout, err: k.stderr.slice(-1500) };
    report.kubeconfigServer = /server: (\S+)/.exec(
      readFileSync(join(dir, ".cairn", model.name, "kubeconfig"), "utf8"),
    )?.[1];
  }
  report.plan2 = brief(await cairn(["plan", "-f", spec]));
  report.diff = brief(await cairn(["diff", "-f", spec]));
  report.afterApply = await f.state();
  report.twin = await f.admin("GET", "/_fake/twin");

  // ---- drift behind cairn's back ------------------------------------------------------------------------------
  if (seed.drift) {
    report.drift = await (await import("./e2e-decoys.js")).drift(f, seed.kind, model);
    const d = await cairn(["diff", "-f", spec]);
    report.driftDiff = { ...brief(d), out: d.out };
    const p = await cairn(["plan", "-f", spec]);
    report.driftPlan = { ...brief(p), out: p.out };
    report.driftApply = brief(await cairn(["apply", "-f", spec, "--yes"]));
    report.driftPlanAfter = brief(await cairn(["plan", "-f", spec]));
    report.driftDiffAfter = brief(await cairn(["diff", "-f", spec]));
  }

  // ---- a worker leaves the spec -----------------------------------------------------------------------------
  if (seed.removeWorker) {
    const text = readFileSync(spec, "utf8");
    const lines = text.split("\n");
    const start = lines.findIndex((l) => new RegExp(`^  - name: ${seed.removeWorker}$`).test(l));
    let end = start + 1;
    while (end < lines.length && !/^ {2}- name: |^\S/.test(lines[end]!)) end++;
    writeFileSync(spec, [...lines.slice(0, start), ...lines.slice(end)].join("\n"));
    const p = await cairn(["plan", "-f", spec]);
    report.removalPlan = { ...brief(p), out: p.out };
    report.removal = brief(await cairn(["apply", "-f", spec, "--yes"]));
    report.afterRemoval = await f.state();
    report.plan3 = brief(await cairn(["plan", "-f", spec]));
  }

  // ---- destroy ----------------------------------------------------------------------------------------------
  report.destroyNoYes = brief(await cairn(["destroy", "-f", spec]));
  report.destroyWrongName = brief(await cairn(["destroy", "-f", spec, "--yes-destroy", `${model.name}-x`]));
  const d = await cairn(["destroy", "-f", spec, "--yes-destroy", model.name]);
  report.destroy = { ...brief(d), out: d.out };
  report.afterDestroy = await f.state();
  report.planAfterDestroy = brief(await cairn(["plan", "-f", spec]));
  const log = await f.log();
  report.requests = log.length;
  report.rejected = log.filter((e) => e.rejected);
  report.responseErrors = log.filter((e) => (e as { responseErrors?: unknown }).responseErrors);
  process.stdout.write(`${JSON.stringify(report)}\n`);
} catch (e) {
  process.stdout.write(
    `${JSON.stringify({ error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e), report })}\n`,
  );
  process.exitCode = 1;
} finally {
  await fake?.stop();
  if (process.env.CAIRN_E2E_KEEP !== "1")
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
}
