// Benchmark (issue 5 §12): a rolling Talos upgrade of 3 control planes + 97 workers on the twin, simulated reboot
// R = 2 s, --max-unavailable 10, against the policy's floor in the same run: control planes strictly one at a time
// (3R) plus ⌈97/10⌉ worker waves (10R). Target: wall time ≤ 1.15 × floor. The cluster is configured and bootstrapped
// through the API first with short reboots (not measured); R is raised to 2 s just before the upgrade.
import { performance } from "node:perf_hooks";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { TalosClient } from "../dist/talos/api/client.js";
import { loadSpecText } from "../dist/clusterspec/load.js";
import { createClusterAccess } from "../dist/ops/access.js";
import { clusterPaths } from "../dist/ops/paths.js";
import { emptyState } from "../dist/ops/state.js";
import { runTalosUpgrade } from "../dist/ops/upgrade-talos/run.js";
import { loadCertificateAuthority, nodeCompatibleKeyPem } from "../dist/talos/pki/index.js";
import { issueTalosClientCertificate } from "../dist/talos/talosconfig.js";
import * as daemon from "../dist/twin/daemon.js";
import { REPO_ROOT } from "./lib.js";

export const name = "upgrade";
export const description =
  "rolling Talos upgrade of 3+97 twin nodes, R = 2 s, --max-unavailable 10, vs the policy floor";

const SUBNET = "127.0.210.0/24";
const GOLDEN = join(REPO_ROOT, "../shared/reference/talos/golden");

export function specText(cps, workers, talos) {
  const out = [
    "apiVersion: cairn.dev/v1alpha1",
    "kind: Cluster",
    "name: bench-upgrade",
    "talos:",
    `  version: ${talos}`,
  ];
  out.push("networks:", "  lan:", "    cidr: 10.0.0.0/16", "provider:", "  type: static", "nodes:");
  for (let i = 1; i <= cps + workers; i++) {
    const cp = i <= cps;
    const addr = `10.0.${Math.floor(i / 250)}.${(i % 250) + 2}`;
    out.push(`  - name: ${cp ? `cp-${i}` : `worker-${i - cps}`}`);
    out.push(`    role: ${cp ? "controlplane" : "worker"}`);
    out.push(`    static: { address: ${addr} }`);
    out.push(`    interfaces: [{ network: lan, address: ${addr} }]`);
  }
  return out.join("\n") + "\n";
}

export function goldenCa() {
  const s = parse(readFileSync(join(GOLDEN, "secrets.yaml"), "utf8"));
  const b = (x) => Buffer.from(x, "base64").toString("utf8");
  return { crt: b(s.certs.os.crt), key: b(s.certs.os.key) };
}

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A bootstrapped twin and a ClusterAccess over it (what `cairn … --twin` gives the ops layer). The twin runs
 * as the daemon `cairn twin up` starts, in its own process as in a real rehearsal, so its simulated machines do not
 * compete with cairn for this event loop.
 */
export async function bootstrappedTwin({ cps, workers, subnet, talos, contract, rebootMs }) {
  const stateDir = mkdtempSync(join(tmpdir(), "cairn-bench-twin-"));
  await daemon.up({ stateDir, controlplanes: cps, workers, talosVersion: talos, subnet, rebootMs });
  try {
    const st = await daemon.status(stateDir);
    const addr = new Map(st.nodes.map((n) => [n.name, n.address]));
    const ca = goldenCa();
    const issued = await issueTalosClientCertificate(
      loadCertificateAuthority(ca.crt, ca.key, "golden OS CA"),
      {
        now: new Date(),
        roles: ["os:admin"],
      },
    );
    const admin = { cert: issued.certPem, key: nodeCompatibleKeyPem(issued.keyPem) };
    const configs = {
      controlplane: readFileSync(join(GOLDEN, `v${contract}/base-controlplane.yaml`)),
      worker: readFileSync(join(GOLDEN, `v${contract}/base-worker.yaml`)),
    };
    await Promise.all(
      st.nodes.map(async (n) => {
        const c = TalosClient.insecure({ endpoints: [n.address] });
        try {
          await c.applyConfiguration(configs[n.plannedRole], { mode: "auto" });
        } finally {
          c.close();
        }
      }),
    );
    const until = async (what, check, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (!check(await daemon.status(stateDir))) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await delay(200);
      }
    };
    await until(
      "normal mode",
      (s) => s.nodes.every((n) => n.stage === "running" && n.mode === "normal"),
      180_000,
    );
    const creds = { caPem: ca.crt, certPem: admin.cert, keyPem: admin.key };
    const first = TalosClient.mtls(creds, { endpoints: [st.nodes[0].address] });
    await first.bootstrap();
    first.close();
    await until(
      "etcd on every control plane and every node ready",
      (s) => s.nodes.every((n) => n.ready && (n.plannedRole !== "controlplane" || n.etcd.running)),
      180_000,
    );
    const r = loadSpecText(specText(cps, workers, talos), "bench.yaml");
    if (!r.model) throw new Error("bench spec invalid");
    const dir = mkdtempSync(join(tmpdir(), "cairn-bench-upgrade-"));
    // The daemon's nodes are already there: a provider target that only knows their addresses.
    const target = {
      type: "twin",
      simulated: true,
      label: "the twin (SIMULATED)",
      address: (node) => addr.get(node),
      maintenanceAddress: (node) => addr.get(node),
      observe: async () => ({ summary: "twin daemon (SIMULATED)", fresh: false }),
      plan: () => ({ before: [], provision: {}, deprovision: {}, blockers: [], warnings: [] }),
      handlers: () => ({}),
      prepare: async () => [],
    };
    let state = emptyState(r.model.name, true);
    const access = createClusterAccess({
      model: r.model,
      paths: clusterPaths(join(dir, "cairn.yaml"), r.model.name, dir),
      target,
      artefacts: [],
      credentials: creds,
      state: {
        read: () => structuredClone(state),
        update: (mutate) => {
          mutate(state);
          return structuredClone(state);
        },
      },
      connectTimeoutMs: 2000,
    });
    return {
      stateDir,
      access,
      status: () => daemon.status(stateDir),
      async close() {
        await access.close();
        await daemon.down(stateDir);
      },
    };
  } catch (e) {
    await daemon.down(stateDir).catch(() => undefined);
    throw e;
  }
}

export async function run(options = {}) {
  const workers = options.smoke ? 2 : options.quick ? 27 : 97;
  const R = options.smoke ? 200 : 2000;
  const maxUnavailable = options.smoke ? 1 : 10;
  const cps = options.smoke ? 1 : 3;
  const env = await bootstrappedTwin({
    cps,
    workers,
    subnet: SUBNET,
    talos: "v1.12.11",
    contract: "1.12",
    rebootMs: R,
  });
  try {
    const started = new Map();
    const took = new Map();
    let firstStart;
    let gatesMs = 0;
    const t0 = performance.now();
    const report = await runTalosUpgrade(env.access, {
      to: "v1.13.9",
      maxUnavailable: String(maxUnavailable),
      onEvent: (e) => {
        const t = performance.now();
        if (e.type === "action-start" && firstStart === undefined) firstStart = t;
        if (e.type === "action-start") started.set(e.id, t);
        if (e.type === "action-done" && e.id.startsWith("upgrade:")) took.set(e.id, t - started.get(e.id));
        if (e.type === "action-done" && e.id.startsWith("gate:")) gatesMs += e.ms;
      },
    });
    const ms = performance.now() - t0;
    if (!report.result?.ok) throw new Error(`upgrade failed: ${report.result?.failed?.error}`);
    const st = await env.status();
    const wrong = st.nodes.filter((n) => n.version !== "v1.13.9").map((n) => n.name);
    if (wrong.length) throw new Error(`not upgraded: ${wrong.join(", ")}`);
    const floor = cps * R + Math.ceil(workers / maxUnavailable) * R;
    const per = (prefix) => {
      const xs = [...took].filter(([id]) => id.startsWith(prefix)).map(([, v]) => v);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    return {
      figures: [
        {
          label: `rolling upgrade ${cps}+${workers} (R=${R} ms, max-unavailable ${maxUnavailable})`,
          value: ms,
          unit: "ms",
        },
        { label: `policy floor ${cps}R + ⌈${workers}/${maxUnavailable}⌉R`, value: floor, unit: "ms" },
        { label: "ratio to floor", value: ms / floor, unit: "×", target: 1.15 },
        { label: "pre-flight (observe every node + etcd)", value: firstStart - t0, unit: "ms" },
        { label: "etcd gates between control planes (sum)", value: gatesMs, unit: "ms" },
        {
          label: "control-plane upgrade, mean (send → verified ready)",
          value: per("upgrade:cp-"),
          unit: "ms",
        },
        { label: "worker upgrade, mean (send → verified ready)", value: per("upgrade:worker-"), unit: "ms" },
      ],
      notes: [
        `${took.size} nodes upgraded and verified on v1.13.9; control planes one at a time with etcd gates, workers ≤ 10 at once`,
        "the twin runs as its daemon (own process); each node's simulated downtime, call to serving again, is R",
      ],
      ok: true,
    };
  } finally {
    await env.close();
  }
}
