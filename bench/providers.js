// Benchmark (issue 11): the provisioning part of `cairn apply` on the simulated Hetzner Cloud — the network,
// firewall, placement groups, load balancer and every server (created stopped, attached at its private IP, powered
// on) — for 1 control plane and for 3 control planes + 20 workers, each server's create+boot taking a simulated
// B ms. The engine runs the provider's actions of the real apply plan with the plan's own concurrency; target: the
// 23-server wall time within 1.25 × the single server's, measured in the same run (creates run in parallel within
// the API's rate limit). Prints the API calls per node from the fake's request log. (The Talos half of an apply is
// measured by the bootstrap benchmark.)
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { CLI, REPO_ROOT } from "./lib.js";

/* global fetch */

export const name = "providers";
export const description =
  "apply's provisioning on the Hetzner fake: 3+20 servers vs 1, create+boot B each (target ≤ 1.25×), API calls per node";

function startFake(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        join(REPO_ROOT, "test/fakes/register.mjs"),
        join(REPO_ROOT, "test/fakes/hetzner/main.ts"),
        ...args,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stderr.on("data", (c) => (err += c));
    const timer = setTimeout(() => reject(new Error(`the Hetzner fake did not start:\n${err}`)), 30_000);
    child.stdout.on("data", (c) => {
      out += c;
      const nl = out.indexOf("\n");
      if (nl !== -1) {
        clearTimeout(timer);
        resolve({ info: JSON.parse(out.slice(0, nl)), child });
      }
    });
    child.once("exit", (code) => reject(new Error(`the Hetzner fake exited (${code}):\n${err}`)));
  });
}

function specText(cluster, cps, workers) {
  const nodes = [];
  for (let i = 1; i <= cps + workers; i++) {
    const cp = i <= cps;
    nodes.push(
      `  - name: ${cluster}-${cp ? `cp-${i}` : `w-${i - cps}`}\n    role: ${cp ? "controlplane" : "worker"}\n` +
        `    hetzner: { serverType: cx23 }\n    interfaces: [{ network: private, name: eth1, address: 10.0.1.${i + 1} }]`,
    );
  }
  return [
    "apiVersion: cairn.dev/v1alpha1",
    "kind: Cluster",
    `name: ${cluster}`,
    "talos: { version: v1.11.5 }",
    "networks:",
    "  private: { cidr: 10.0.0.0/16, carries: [management] }",
    "provider:",
    "  type: hetzner",
    "  location: fsn1",
    "  subnet: 10.0.1.0/24",
    "  firewall: { talosApiFrom: [198.51.100.0/24] }",
    "nodes:",
    ...nodes,
    "",
  ].join("\n");
}

const round = (x) => Math.round(x * 10) / 10;

async function admin(info, path) {
  return (await fetch(`${info.url}${path}`)).json();
}

/** Runs the provider's actions of the apply plan for a spec through the engine; wall time and API calls. */
async function provision(info, dir, cluster, cps, workers) {
  const { loadCluster, openCluster } = await import("../dist/ops/open.js");
  const { buildApply } = await import("../dist/ops/apply/run.js");
  const { runPlan } = await import("../dist/engine/run.js");
  const file = join(dir, `${cluster}.yaml`);
  writeFileSync(file, specText(cluster, cps, workers));
  const access = await openCluster(loadCluster({ file, simulated: false }));
  try {
    const prepared = await buildApply(access);
    if (prepared.plan.blockers.length) throw new Error(`plan refused: ${prepared.plan.blockers.join("; ")}`);
    const actions = prepared.plan.actions.filter(
      (a) => a.kind === "provision" || a.kind.startsWith("hetzner-"),
    );
    const ids = new Set(actions.map((a) => a.id));
    const plan = {
      ...prepared.plan,
      operation: "provision",
      actions: actions.map((a) => ({ ...a, dependsOn: a.dependsOn.filter((d) => ids.has(d)) })),
    };
    const before = (await admin(info, "/_fake/log")).length;
    const t0 = performance.now();
    const result = await runPlan(plan, prepared.handlers, {
      journalPath: join(dir, `${cluster}.journal`),
      lockPath: join(dir, `${cluster}.lock`),
      concurrency: prepared.concurrency,
    });
    const ms = performance.now() - t0;
    if (!result.ok) throw new Error(`provisioning failed: ${result.failed?.error}`);
    const calls = (await admin(info, "/_fake/log")).length - before;
    return { ms, calls, servers: cps + workers, concurrency: prepared.concurrency };
  } finally {
    await access.close();
  }
}

export async function run({ smoke } = {}) {
  const B = smoke ? 300 : 3000;
  const workers = smoke ? 3 : 20;
  const dir = mkdtempSync(join(tmpdir(), "cairn-bench-providers-"));
  const { info, child } = await startFake([
    "--action-ms",
    "50",
    "--action-ms-json",
    JSON.stringify({ create_server: B }),
  ]);
  const saved = { endpoint: process.env.HCLOUD_ENDPOINT, token: process.env.HCLOUD_TOKEN };
  process.env.HCLOUD_ENDPOINT = info.endpoint;
  process.env.HCLOUD_TOKEN = info.token;
  try {
    // The Talos snapshot, once, through `cairn image hetzner --yes` and the fake's simulated rescue system.
    writeFileSync(join(dir, "image.yaml"), specText("img", 1, 0));
    const img = spawnSync(
      process.execPath,
      [CLI, "image", "hetzner", "-f", join(dir, "image.yaml"), "--yes"],
      {
        encoding: "utf8",
        env: { ...process.env, CAIRN_SSH: join(REPO_ROOT, "test/fakes/hetzner/fake-ssh.mjs") },
      },
    );
    if (img.status !== 0) throw new Error(`cairn image hetzner failed: ${img.stderr}${img.stdout}`);
    const one = await provision(info, dir, "solo", 1, 0);
    const many = await provision(info, dir, "fleet", 3, workers);
    const ratio = many.ms / one.ms;
    const log = await admin(info, "/_fake/log");
    const limited = log.filter((e) => e.status === 429).length;
    return {
      figures: [
        { label: `simulated create+boot per server (B)`, value: B, unit: "ms" },
        {
          label: "provisioning 1 control plane (network, firewall, LB, 1 server)",
          value: one.ms,
          unit: "ms",
        },
        { label: `provisioning 3 + ${workers} servers`, value: many.ms, unit: "ms" },
        { label: `3 + ${workers} vs 1`, value: ratio, unit: "×", target: 1.25 },
        {
          label: "API calls per node (1 server, incl. the cluster-wide resources)",
          value: round(one.calls / one.servers),
        },
        { label: `API calls per node (${many.servers} servers)`, value: round(many.calls / many.servers) },
        { label: "requests answered 429 (rate limit)", value: limited, exact: true },
      ],
      notes: [
        `engine concurrency ${many.concurrency}; each server: created stopped → attach_to_network → poweron, actions polled every 500 ms`,
      ],
      ok: smoke || ratio <= 1.25,
    };
  } finally {
    process.env.HCLOUD_ENDPOINT = saved.endpoint;
    process.env.HCLOUD_TOKEN = saved.token;
    if (saved.endpoint === undefined) delete process.env.HCLOUD_ENDPOINT;
    if (saved.token === undefined) delete process.env.HCLOUD_TOKEN;
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}
