// Benchmark (issue 12): `cairn render` of a generated 1,000-node spec with the whole network platform (Cilium
// with kube-proxy replacement, Hubble and WireGuard, MetalLB, Traefik, cert-manager, Flux, etcd backups): every
// machine config with the add-ons' Talos patches and the control planes' bootstrap manifests, plus the GitOps
// tree, every object schema-checked. CLI wall time and peak RSS, first run (new secrets) and second (all reused).
// Smoke mode renders 20 nodes once, without targets.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { CLI, REPO_ROOT, outDir, summary } from "./lib.js";
import { generateSpec } from "./gen-spec.js";

export const name = "platform";
export const description =
  "`cairn render` of a 1,000-node spec with the network add-ons (machine configs + GitOps tree): wall, peak RSS";

const TIME = "/usr/bin/time";

function runMeasured(args) {
  const t0 = process.hrtime.bigint();
  const useTime = existsSync(TIME);
  const r = useTime
    ? spawnSync(TIME, ["-f", "%M", process.execPath, CLI, ...args], { encoding: "utf8", cwd: REPO_ROOT })
    : spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd: REPO_ROOT });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`cairn ${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
  const rssKb = useTime ? Number(r.stderr.trim().split("\n").at(-1)) : NaN;
  return { ms, rssMb: rssKb / 1024, stdout: r.stdout };
}

export async function run({ quick, smoke } = {}) {
  const nodes = smoke ? 20 : 1000;
  const file = join(outDir(), `platform-${nodes}.yaml`);
  writeFileSync(file, generateSpec(nodes, { platform: true }));
  const runs = smoke ? 1 : quick ? 1 : 3;
  const first = [];
  const second = [];
  let rss = 0;
  let treeFiles = 0;
  for (let i = 0; i < runs; i++) {
    const out = mkdtempSync(join(outDir(), "platform-"));
    const a = runMeasured(["render", "-f", file, "-o", out]);
    const b = runMeasured(["render", "-f", file, "-o", out]);
    if (!/unchanged {2}.*gitops\//.test(b.stdout))
      throw new Error("the second render changed the GitOps tree");
    first.push(a.ms);
    second.push(b.ms);
    rss = Math.max(rss, a.rssMb, b.rssMb);
    const walk = (d) =>
      readdirSync(d, { withFileTypes: true }).reduce(
        (n, e) => n + (e.isDirectory() ? walk(join(d, e.name)) : 1),
        0,
      );
    treeFiles = walk(join(out, "gitops"));
    rmSync(out, { recursive: true, force: true });
  }
  // The add-ons' own share, in-process: the GitOps tree (schemas read, every object checked) and every node's patches.
  const { loadSpecText } = await import("../dist/clusterspec/load.js");
  const { gitopsTree } = await import("../dist/gitops/index.js");
  const { addonTalosPatches } = await import("../dist/addons/index.js");
  const { readFileSync } = await import("node:fs");
  const model = loadSpecText(readFileSync(file, "utf8"), file).model;
  let t0 = process.hrtime.bigint();
  const tree = gitopsTree(model);
  const treeMs = Number(process.hrtime.bigint() - t0) / 1e6;
  t0 = process.hrtime.bigint();
  for (const node of model.nodes) addonTalosPatches(model, node);
  const patchMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const f = summary(first);
  const s = summary(second);
  const target = (v) => (smoke ? {} : { target: v });
  return {
    notes: [
      `${nodes} nodes → ${nodes} machine configs with the add-ons' patches + a GitOps tree of ${treeFiles} files`,
    ],
    figures: [
      {
        label: `render with the platform, new secrets (CLI wall), median of ${f.n}`,
        value: f.median,
        unit: "ms",
        ...target(3000),
      },
      {
        label: `render again, all reused (CLI wall), median of ${s.n}`,
        value: s.median,
        unit: "ms",
        ...target(3000),
      },
      { label: "render peak RSS (max over runs)", value: rss, unit: "MB", ...target(500) },
      {
        label: `add-ons: GitOps tree, ${tree.objects.length} objects checked (in-process, cold)`,
        value: treeMs,
        unit: "ms",
      },
      { label: `add-ons: Talos patches for ${nodes} nodes (in-process)`, value: patchMs, unit: "ms" },
    ],
  };
}
