// Benchmark (issue 5 §12): `cairn apply --twin --yes` bootstrapping a 3 + 2 cluster from machines in maintenance
// mode, simulated reboot R = 2 s, through the built CLI (the twin daemon starts on demand, as for a user). Reports
// the wall time and cairn's own overhead beyond the simulated waits: the engine's run minus the one install reboot
// every node takes in parallel (R: the twin's whole simulated downtime per node, see src/twin/node.ts).
import { performance } from "node:perf_hooks";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as daemon from "../dist/twin/daemon.js";
import { CLI, REPO_ROOT } from "./lib.js";
import { specText } from "./upgrade.js";

export const name = "bootstrap";
export const description =
  "cairn apply --twin bootstrapping 3+2 nodes (R = 2 s): wall time and cairn's overhead beyond simulated waits";

const SUBNET = "127.0.213.0/24";

function runCli(args, env) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - t0, status, stdout, stderr });
    });
  });
}

export async function run({ smoke } = {}) {
  const R = smoke ? 200 : 2000;
  const dir = mkdtempSync(join(tmpdir(), "cairn-bench-bootstrap-"));
  const file = join(dir, "cairn.yaml");
  writeFileSync(
    file,
    specText(smoke ? 1 : 3, smoke ? 1 : 2, "v1.12.11").replace("bench-upgrade", "bench-bootstrap"),
  );
  const clusterDir = join(dir, ".cairn", "bench-bootstrap");
  try {
    const r = await runCli(
      [
        "apply",
        "-f",
        file,
        "--twin",
        "--yes",
        "--output",
        "json",
        "--twin-subnet",
        SUBNET,
        "--twin-reboot",
        `${R}ms`,
      ],
      {},
    );
    if (r.status !== 0) throw new Error(`cairn apply exited ${r.status}: ${r.stderr.slice(-2000)}`);
    const events = r.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
    const plan = events.find((e) => e.type === "plan");
    const done = events.find((e) => e.type === "done");
    if (!plan || !done?.ok) throw new Error("no successful engine run in the output");
    const engineMs = done.ms;
    const slow = events
      .filter((e) => e.type === "action-done")
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 6)
      .map((e) => `${e.title}: ${Math.round(e.ms)} ms`);
    const etcdMs = events
      .filter((e) => e.type === "action-done" && /^(bootstrap|wait-etcd)/.test(e.id))
      .reduce((a, e) => a + e.ms, 0);
    return {
      figures: [
        { label: "cairn apply --twin (3+2), wall incl. render + twin start", value: r.ms, unit: "ms" },
        { label: "engine run (plan → done)", value: engineMs, unit: "ms" },
        { label: "simulated waits on the critical path (R)", value: R, unit: "ms" },
        { label: "cairn's overhead beyond the simulated waits", value: engineMs - R, unit: "ms" },
        { label: "  of which etcd bootstrap + 2 member joins (real etcd)", value: etcdMs, unit: "ms" },
        {
          label: "  cairn's overhead beyond simulated waits and etcd",
          value: engineMs - R - etcdMs,
          unit: "ms",
        },
        {
          label: "before the engine (render, twin daemon start, observe)",
          value: r.ms - engineMs,
          unit: "ms",
        },
      ],
      notes: [
        `${plan.actions} actions; slowest: ${slow.join("; ")}`,
        "the overhead includes real etcd work (bootstrap, 2 member joins, health), not only cairn's code",
      ],
      ok: true,
    };
  } finally {
    await daemon.down(join(clusterDir, "twin")).catch(() => undefined);
  }
}
