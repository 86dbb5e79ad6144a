// Benchmark (issue 4 §5): the twin and the Talos client together.
// * `cairn talos version` fanned out to 100 twin nodes (3 control planes + 97 workers, configured and bootstrapped
//   through the API first); wall time of the built CLI, target under 1 s.
// * Twin start-up of 3 + 2 and 3 + 97 nodes, through `cairn twin up` end to end and in-process with startTwin.
// * Twin memory: RSS of the daemon and its etcd members for a bootstrapped 3 + 2, target under 500 MB.
// The in-process twin shares this process: the CLI runs as an async child so the twin keeps serving meanwhile.
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { TalosClient } from "../dist/talos/api/client.js";
import { loadTalosconfig } from "../dist/talos/talosconfig-file.js";
import { down, processGroupMembers, status as daemonStatus } from "../dist/twin/daemon.js";
import { startTwin } from "../dist/twin/twin.js";
import { CLI, REPO_ROOT, outDir, summary } from "./lib.js";

export const name = "twin";
export const description =
  "twin + client: `cairn talos version` over 100 nodes, twin start-up (3+2, 3+97), twin memory (3+2 bootstrapped)";

const SUBNETS = {
  fanout: "127.0.201.0/24",
  up5: "127.0.202.0/24",
  up100: "127.0.203.0/24",
  memory: "127.0.204.0/24",
};

/** Runs `node args…` without blocking this process's event loop; resolves with wall time and output. */
function runAsync(args, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, status, stdout, stderr });
    });
  });
}

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(100);
  }
}

/** Configs and a talosconfig the way a user makes them: `cairn talos gen-config`. */
async function genConfig(dir) {
  const r = await runAsync([
    CLI,
    "talos",
    "gen-config",
    "bench",
    "https://127.0.201.1:6443",
    "-o",
    dir,
    "--force",
  ]);
  if (r.status !== 0) throw new Error(`gen-config failed: ${r.stderr}`);
  return {
    controlplane: readFileSync(join(dir, "controlplane.yaml")),
    worker: readFileSync(join(dir, "worker.yaml")),
    talosconfig: join(dir, "talosconfig"),
  };
}

const FAST = { connectTimeoutMs: 5000, timeoutMs: 30_000, retry: { attempts: 3, initialDelayMs: 200 } };

/** Maintenance apply to every node (insecure, pinned to the fingerprint the twin shows), then bootstrap. */
async function configureAndBootstrap(nodes, cfg, ctx, timeoutMs) {
  const queue = [...nodes];
  const worker = async () => {
    for (let n = queue.shift(); n; n = queue.shift()) {
      const c = TalosClient.insecure({ endpoints: [n.address], fingerprint: n.fingerprint, ...FAST });
      try {
        const [r] = await c.applyConfiguration(n.role === "controlplane" ? cfg.controlplane : cfg.worker);
        if (!r?.ok) throw new Error(`apply to ${n.address}: ${r?.error.message}`);
      } finally {
        c.close();
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  const cp1 = nodes[0].address;
  const client = TalosClient.mtls(ctx, { endpoints: [cp1], ...FAST });
  try {
    const all = nodes.map((n) => n.address);
    await until(
      "every node in normal mode",
      async () => (await client.version(all)).every((r) => r.ok),
      timeoutMs,
    );
    const [b] = await client.bootstrap({}, [cp1]);
    if (!b?.ok) throw new Error(`bootstrap: ${b?.error.message}`);
    const cps = nodes.filter((n) => n.role === "controlplane").length;
    await until(
      `${cps} etcd members`,
      async () => {
        const [r] = await client.etcdMemberList(false, [cp1]);
        return r?.ok && r.value.members.filter((m) => !m.is_learner).length === cps;
      },
      timeoutMs,
    );
  } finally {
    client.close();
  }
}

function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function fanout(cfg, ctx, runs, figures, notes) {
  const stateDir = join(outDir(), "twin-fanout");
  rmSync(stateDir, { recursive: true, force: true });
  const twin = await startTwin({
    controlplanes: 3,
    workers: 97,
    subnet: SUBNETS.fanout,
    rebootMs: 200,
    stateDir,
    onError: () => undefined,
  });
  try {
    const nodes = twin.nodes.map((n) => ({
      address: n.address,
      role: n.plannedRole,
      fingerprint: n.status().maintenanceFingerprint,
    }));
    const t0 = Date.now();
    await configureAndBootstrap(nodes, cfg, ctx, 60_000);
    notes.push(`100-node twin configured and bootstrapped through the API in ${Date.now() - t0} ms`);
    const all = nodes.map((n) => n.address).join(",");
    const args = [
      CLI,
      "talos",
      "version",
      "--talosconfig",
      cfg.talosconfig,
      "-n",
      all,
      "-e",
      nodes[0].address,
    ];
    const warm = await runAsync(args);
    const answers = (warm.stdout.match(/Tag:/g) ?? []).length;
    if (warm.status !== 0 || answers !== 100)
      throw new Error(
        `cairn talos version: exit ${warm.status}, ${answers} answers: ${warm.stderr.slice(0, 500)}`,
      );
    const times = [];
    for (let i = 0; i < runs; i++) times.push((await runAsync(args)).ms);
    const s = summary(times);
    figures.push(
      {
        label: `cairn talos version, 100 nodes (median of ${runs})`,
        value: s.median,
        unit: "ms",
        target: 1000,
      },
      { label: "  slowest run", value: s.max, unit: "ms" },
    );
  } finally {
    await twin.stop();
  }
}

async function upViaCli(controlplanes, workers, subnet) {
  const stateDir = join(outDir(), `twin-up-${controlplanes + workers}`);
  rmSync(stateDir, { recursive: true, force: true });
  const args = ["twin", "up", "--controlplanes", String(controlplanes), "--workers", String(workers)];
  const r = await runAsync([CLI, ...args, "--subnet", subnet, "--state-dir", stateDir]);
  try {
    if (r.status !== 0) throw new Error(`cairn twin up failed: ${r.stderr}`);
    const s = await daemonStatus(stateDir);
    if (s.nodes.length !== controlplanes + workers || !s.nodes.every((n) => n.listening))
      throw new Error("not every node listens after `twin up`");
  } finally {
    await down(stateDir);
  }
  return r.ms;
}

async function upInProcess(controlplanes, workers, subnet) {
  const stateDir = join(outDir(), `twin-lib-${controlplanes + workers}`);
  rmSync(stateDir, { recursive: true, force: true });
  const t0 = process.hrtime.bigint();
  const twin = await startTwin({ controlplanes, workers, subnet, stateDir });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await twin.stop();
  return ms;
}

async function memory(cfg, ctx, figures, notes) {
  const stateDir = join(outDir(), "twin-memory");
  rmSync(stateDir, { recursive: true, force: true });
  const up = await runAsync([
    CLI,
    "twin",
    "up",
    "--controlplanes",
    "3",
    "--workers",
    "2",
    "--subnet",
    SUBNETS.memory,
    "--state-dir",
    stateDir,
    "--reboot-duration",
    "200ms",
  ]);
  if (up.status !== 0) throw new Error(`cairn twin up failed: ${up.stderr}`);
  try {
    const st = await daemonStatus(stateDir);
    const nodes = st.nodes.map((n) => ({
      address: n.address,
      role: n.plannedRole,
      fingerprint: n.maintenanceFingerprint,
    }));
    await configureAndBootstrap(nodes, cfg, ctx, 60_000);
    await until(
      "workers ready",
      async () => (await daemonStatus(stateDir)).nodes.every((n) => n.ready),
      30_000,
    );
    await delay(1000); // let etcd settle after the joins
    const pid = JSON.parse(readFileSync(join(stateDir, "daemon.json"), "utf8")).pid;
    const pids = processGroupMembers(pid);
    const etcdPids = pids.filter((p) => p !== pid);
    const daemon = rssBytes(pid);
    const etcds = etcdPids.map(rssBytes).reduce((a, b) => a + b, 0);
    const mb = (b) => Math.round((b / 1024 / 1024) * 10) / 10;
    notes.push(`memory: daemon pid ${pid} and ${etcdPids.length} etcd members`);
    figures.push(
      { label: "twin memory 3+2 bootstrapped: daemon RSS", value: mb(daemon), unit: "MB" },
      { label: `  etcd members RSS (${etcdPids.length})`, value: mb(etcds), unit: "MB" },
      { label: "  total RSS", value: mb(daemon + etcds), unit: "MB", target: 500 },
    );
  } finally {
    await down(stateDir);
  }
}

export async function run({ quick, smoke }) {
  const figures = [];
  const notes = [];
  const cfg = await genConfig(join(outDir(), "twin-config"));
  const ctx = loadTalosconfig(cfg.talosconfig);

  if (smoke) {
    // Every code path once, at the smallest size: a 3+2 start through the CLI and in-process.
    figures.push(
      { label: "cairn twin up 3+2 (end to end)", value: await upViaCli(3, 2, SUBNETS.up5), unit: "ms" },
      { label: "startTwin 3+2 (in-process)", value: await upInProcess(3, 2, SUBNETS.up5), unit: "ms" },
    );
    return { figures, notes };
  }
  await fanout(cfg, ctx, quick ? 3 : 7, figures, notes);

  const reps = quick ? 1 : 3;
  const median = async (fn) => {
    const xs = [];
    for (let i = 0; i < reps; i++) xs.push(await fn());
    return summary(xs).median;
  };
  figures.push(
    {
      label: "cairn twin up 3+2 (end to end)",
      value: await median(() => upViaCli(3, 2, SUBNETS.up5)),
      unit: "ms",
    },
    {
      label: "cairn twin up 3+97 (end to end)",
      value: await median(() => upViaCli(3, 97, SUBNETS.up100)),
      unit: "ms",
      target: 10_000,
    },
    {
      label: "startTwin 3+2 (in-process)",
      value: await median(() => upInProcess(3, 2, SUBNETS.up5)),
      unit: "ms",
    },
    {
      label: "startTwin 3+97 (in-process)",
      value: await median(() => upInProcess(3, 97, SUBNETS.up100)),
      unit: "ms",
      target: 10_000,
    },
  );
  if (reps > 1) notes.push(`start-up figures are medians of ${reps}`);

  await memory(cfg, ctx, figures, notes);
  return { figures, notes };
}
