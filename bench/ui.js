// Benchmark (issue 16): the `cairn ui` server under 50 concurrent viewers of a 3 + 20 twin (bootstrapped with
// `cairn apply --twin`), everything through the built CLI as a user runs it. Each viewer does what the page does:
// it holds the event stream open and receives every health refresh. Figures:
//  * refresh latency: from the server publishing a health sweep to each viewer having it (SSE push), median and
//    p95 over every viewer and refresh (target: median < 100 ms);
//  * page state fetch: 50 viewers asking for /api/state at once (what a page reload costs), median;
//  * the health sweep itself over 23 nodes (the same checks as `cairn health`), median: how fresh the data is;
//  * the server's resident memory with 50 viewers.
// Smoke mode (`--smoke`, or `smoke: true`): a 1 + 1 twin, 3 viewers, 2 refreshes.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as daemon from "../dist/twin/daemon.js";
import { CLI, summary } from "./lib.js";

export const name = "ui";
export const description =
  "cairn ui: 50 concurrent viewers of a 3+20 twin, refresh latency (SSE push), state fetch, sweep time, memory";

const SUBNET = "127.0.162.0/24";

/** A 3 + N cluster on one network; the twin maps every node to a loopback address of its own. */
export function specText(cps, workers) {
  const lines = [
    "apiVersion: cairn.dev/v1alpha1",
    "kind: Cluster",
    "name: bench-ui",
    "talos: { version: v1.12.11 }",
    "kubernetes: { version: 1.34.1 }",
    "controlPlane: { vip: { address: 10.20.0.5 } }",
    "networks:",
    "  lan: { cidr: 10.20.0.0/16, gateway: 10.20.0.1, vlan: 20, carries: [management, loadBalancers] }",
    "provider: { type: proxmox, endpoint: https://pve.bench:8006 }",
    "nodes:",
  ];
  let vmid = 200;
  const node = (n, role, i) =>
    lines.push(
      `  - { name: ${n}, role: ${role}, proxmox: { host: pve-${(i % 3) + 1}, vmid: ${vmid++} }, ` +
        `interfaces: [{ network: lan, name: eth0, address: auto }] }`,
    );
  for (let i = 0; i < cps; i++) node(`cp-${i + 1}`, "controlplane", i);
  for (let i = 0; i < workers; i++) node(`worker-${i + 1}`, "worker", i);
  lines.push(
    "addons:",
    "  loadBalancer: { type: metallb, pools: [{ name: lan, addresses: [10.20.9.1-10.20.9.50] }] }",
  );
  return lines.join("\n") + "\n";
}

function runCli(args, cwd, timeoutMs = 300_000) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { cwd });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - t0, status, stdout, stderr });
    });
  });
}

/** One viewer: an open event stream; records each health event's push latency and sweep timing. */
function viewer(origin, token, onHealth) {
  const u = new URL("/events", origin);
  let buffer = "";
  const req = request(
    {
      host: u.hostname,
      port: u.port,
      path: u.pathname,
      headers: { authorization: `Bearer ${token}` },
      agent: false,
    },
    (res) => {
      res.setEncoding("utf8");
      res.on("data", (d) => {
        const now = Date.now();
        buffer += d;
        let i;
        while ((i = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const event = /^event: (\w+)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event === "health" && data) onHealth(JSON.parse(data), now);
        }
      });
    },
  );
  req.on("error", () => undefined);
  req.end();
  return () => req.destroy();
}

function getState(origin, token) {
  const u = new URL("/api/state", origin);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        headers: { authorization: `Bearer ${token}` },
        agent: false,
      },
      (res) => {
        let n = 0;
        res.on("data", (d) => (n += d.length));
        res.on("end", () => resolve({ ms: performance.now() - t0, status: res.statusCode, bytes: n }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const rssMb = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
};

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

export async function run(options = {}) {
  const smoke = options.smoke === true;
  const [cps, workers, viewers, refreshes] = smoke ? [1, 1, 3, 2] : [3, 20, 50, options.quick ? 5 : 15];
  const refreshMs = 2000;
  const dir = mkdtempSync(join(tmpdir(), "cairn-bench-ui-"));
  const file = join(dir, "cairn.yaml");
  writeFileSync(file, specText(cps, workers));
  const twinDir = join(dir, ".cairn", "bench-ui", "twin");
  let ui;
  const closers = [];
  try {
    const applied = await runCli(
      ["apply", "-f", file, "--twin", "--yes", "--twin-subnet", SUBNET, "--twin-reboot", "200ms"],
      dir,
    );
    if (applied.status !== 0)
      throw new Error(`cairn apply exited ${applied.status}: ${applied.stderr.slice(-2000)}`);

    ui = spawn(process.execPath, [CLI, "ui", "-f", file, "--twin", "--refresh", `${refreshMs}ms`], {
      cwd: dir,
    });
    let uiErr = "";
    ui.stderr.on("data", (d) => (uiErr += d));
    const url = await new Promise((resolve, reject) => {
      let out = "";
      const t = setTimeout(() => reject(new Error(`cairn ui printed no URL: ${uiErr}`)), 60_000);
      ui.stdout.on("data", (d) => {
        out += d;
        const m = /(http:\/\/\S+\?token=\S+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
      ui.on("exit", (code) => reject(new Error(`cairn ui exited ${code}: ${uiErr}`)));
    });
    const { origin } = new URL(url);
    const token = new URL(url).searchParams.get("token");

    // Viewers connect; the first health event each gets on connect is the cached one, not a refresh: skip it.
    const push = [];
    const sweepMs = new Map();
    const seen = new Map();
    let healthy = true;
    let done;
    const finished = new Promise((r) => (done = r));
    for (let v = 0; v < viewers; v++) {
      let first = true;
      closers.push(
        viewer(origin, token, (payload, now) => {
          if (first) {
            first = false;
            return;
          }
          push.push(now - payload.sent);
          sweepMs.set(payload.data.at, payload.data.ms);
          healthy &&= payload.data.nodes.length === cps + workers;
          const k = payload.data.at;
          seen.set(k, (seen.get(k) ?? 0) + 1);
          const complete = [...seen.values()].filter((c) => c === viewers).length;
          if (complete >= refreshes) done();
        }),
      );
    }
    const deadline = setTimeout(() => done(), (refreshes + 3) * (refreshMs + 5000));
    await finished;
    clearTimeout(deadline);

    // A reload by every viewer at once.
    const fetches = [];
    for (let round = 0; round < (smoke ? 1 : 5); round++) {
      const rs = await Promise.all(Array.from({ length: viewers }, () => getState(origin, token)));
      if (rs.some((r) => r.status !== 200)) throw new Error("a state fetch failed");
      fetches.push(...rs.map((r) => r.ms));
    }
    const memory = rssMb(ui.pid);
    const p = summary(push);
    const f = summary(fetches);
    const s = summary([...sweepMs.values()]);
    const leaks = /secret was about to reach the page/.test(uiErr);
    return {
      figures: [
        {
          label: `refresh latency, SSE push to ${viewers} viewers, median`,
          value: p.median,
          unit: "ms",
          target: 100,
        },
        { label: "refresh latency, p95", value: pct(push, 95), unit: "ms" },
        { label: "refresh latency, max", value: p.max, unit: "ms" },
        // A reload is not the refresh the target is about; reported for what it costs, on fresh connections.
        {
          label: `/api/state, ${viewers} concurrent fetches on new connections, median`,
          value: f.median,
          unit: "ms",
        },
        {
          label: `health sweep of ${cps}+${workers} nodes (cairn health's checks), median`,
          value: s.median,
          unit: "ms",
        },
        { label: `server resident memory with ${viewers} viewers`, value: memory, unit: "MB" },
      ],
      notes: [
        `${cps}+${workers} twin, ${viewers} viewers, ${p.n} refresh deliveries over ${seen.size} sweeps every ${refreshMs} ms`,
        `load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores while measuring`,
        ...(healthy ? [] : ["some refreshes did not carry every node"]),
        ...(leaks ? ["the secret guard fired: a bug"] : []),
      ],
      ok: healthy && !leaks && p.n >= refreshes * viewers,
    };
  } finally {
    for (const c of closers) c();
    if (ui && ui.exitCode === null) {
      ui.kill("SIGTERM");
      await new Promise((r) => ui.once("exit", r));
    }
    await daemon.down(twinDir).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node bench/ui.js [--smoke] [--quick]`: this benchmark alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const r = await run({ smoke: args.includes("--smoke"), quick: args.includes("--quick") });
  for (const n of r.notes) console.log(`   ${n}`);
  for (const f of r.figures)
    console.log(
      `   ${f.label.padEnd(64)} ${f.value.toFixed(1).padStart(9)} ${f.unit}${f.target ? `   target < ${f.target} ${f.unit}: ${f.value < f.target ? "met" : "MISSED"}` : ""}`,
    );
  process.exitCode = r.ok ? 0 : 1;
}
