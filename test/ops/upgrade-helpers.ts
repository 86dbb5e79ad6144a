// Shared fixtures for the upgrade/etcd/health/drift tests: a static-provider spec of N control planes and M
// workers (node names match the twin's slot names, cp-1… and worker-1…), and an in-process twin cluster wired to
// the ops layer through a ClusterAccess-shaped adapter (no daemon, so tests can read per-node call logs).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSpecText } from "../../src/clusterspec/load.js";
import type { Model } from "../../src/clusterspec/model.js";
import { createClusterAccess, type ClusterAccess, type StateStore } from "../../src/ops/access.js";
import { clusterPaths } from "../../src/ops/paths.js";
import { kubeClientOf, kubeTopology } from "../../src/ops/kube.js";
import { kubernetesSweep } from "../../src/ops/kube-checks.js";
import { emptyState, type CairnState } from "../../src/ops/state.js";
import type { Artefact } from "../../src/io/artefact.js";
import type { ProviderTarget } from "../../src/providers/types.js";
import { startTwin, type Twin } from "../../src/twin/twin.js";
import { buildAdminKubeconfig } from "../../src/talos/kubeconfig.js";
import { loadCertificateAuthority } from "../../src/talos/pki/index.js";
import { bootstrap, clientCert, configure, goldenConfig, goldenOsCa } from "../twin/helpers.js";

export function specText(cps: number, workers: number, talos = "v1.12.11", extra = ""): string {
  const nodes: string[] = [];
  for (let i = 1; i <= cps + workers; i++) {
    const cp = i <= cps;
    const name = cp ? `cp-${i}` : `worker-${i - cps}`;
    const addr = `10.0.${Math.floor(i / 250)}.${(i % 250) + 2}`;
    nodes.push(
      `  - name: ${name}\n    role: ${cp ? "controlplane" : "worker"}\n    static: { address: ${addr} }\n` +
        `    interfaces: [{ network: lan, address: ${addr} }]`,
    );
  }
  return [
    "apiVersion: cairn.dev/v1alpha1",
    "kind: Cluster",
    "name: ops-test",
    "talos:",
    `  version: ${talos}`,
    "networks:",
    "  lan:",
    "    cidr: 10.0.0.0/16",
    "provider:",
    "  type: static",
    extra,
    "nodes:",
    ...nodes,
    "",
  ].join("\n");
}

export function model(cps: number, workers: number, talos = "v1.12.11", extra = ""): Model {
  const r = loadSpecText(specText(cps, workers, talos, extra), "cairn.yaml");
  if (!r.model) throw new Error(JSON.stringify(r.diagnostics, null, 2));
  return r.model;
}

export interface TwinCluster {
  twin: Twin;
  access: ClusterAccess;
  dir: string;
  close(): Promise<void>;
}

/** A provider target standing for an in-process twin: its nodes are already there, addressed by slot name. */
export function inProcessTarget(twin: Twin): ProviderTarget {
  const address = (n: string): string | undefined => twin.find(n)?.address;
  return {
    type: "twin",
    simulated: true,
    label: "the in-process twin (SIMULATED)",
    address,
    maintenanceAddress: address,
    observe: async () => ({ summary: "in-process twin (SIMULATED)", fresh: false }),
    plan: () => ({ before: [], provision: {}, deprovision: {}, blockers: [], warnings: [] }),
    handlers: () => ({}),
    prepare: async () => [],
  };
}

/** cairn's record in memory (tests read and change it directly). */
export function memoryState(cluster: string): StateStore {
  let s: CairnState = emptyState(cluster, true);
  return {
    read: () => structuredClone(s),
    update: (mutate) => {
      const next = structuredClone(s);
      mutate(next);
      s = next;
      return structuredClone(s);
    },
  };
}

/** A configured, bootstrapped in-process twin (golden configs) with an admin client per node. */
export async function twinCluster(
  cps: number,
  workers: number,
  subnet: string,
  options: { talos?: string; rebootMs?: number; contract?: string; bare?: boolean; kube?: boolean } = {},
): Promise<TwinCluster> {
  const talos = options.talos ?? "v1.12.11";
  const twin = await startTwin({
    controlplanes: cps,
    workers,
    subnet,
    talosVersion: talos,
    rebootMs: options.rebootMs ?? 300,
    onError: () => undefined,
  });
  const admin = await clientCert(["os:admin"]);
  if (!options.bare) {
    await configure(twin, options.contract ?? "1.12", 60_000);
    await bootstrap(twin, admin, 60_000);
  }
  const m = model(cps, workers, talos);
  const dir = mkdtempSync(join(tmpdir(), "cairn-ops-"));
  const artefacts: Artefact[] = m.nodes.map((n) => ({
    path: `nodes/${n.name}.yaml`,
    content: goldenConfig(n.role === "controlplane" ? "controlplane" : "worker", options.contract ?? "1.12"),
    mode: 0o600,
    sensitive: true,
    kind: "machineconfig",
    node: n.name,
  }));
  // cairn's admin kubeconfig from the configs' Kubernetes CA, as render makes it: the Kubernetes gates use it.
  const ca = twin.nodes.find((n) => n.config?.k8sCa?.key)?.config?.k8sCa;
  if (ca && options.kube !== false) {
    const { text } = await buildAdminKubeconfig(loadCertificateAuthority(ca.crt, ca.key!, "Kubernetes CA"), {
      clusterName: m.name,
      endpoint: m.endpoint.url,
      now: new Date(),
    });
    artefacts.push({ path: "kubeconfig", content: text, mode: 0o600, sensitive: true, kind: "kubeconfig" });
  }
  const access = createClusterAccess({
    model: m,
    paths: clusterPaths(join(dir, "cairn.yaml"), m.name, dir, false),
    target: inProcessTarget(twin),
    artefacts,
    credentials: { caPem: goldenOsCa().crt, certPem: admin.cert, keyPem: admin.key },
    state: memoryState(m.name),
    connectTimeoutMs: 2000,
  });
  // As an apply's final gate would: Kubernetes settled (every Node Ready, CoreDNS running) before the test starts.
  if (ca && options.kube !== false && !options.bare) await kubernetesSettled(access);
  return {
    twin,
    access,
    dir,
    async close() {
      await access.close();
      await twin.stop();
    },
  };
}

/** Waits until the Kubernetes sweep of `cairn health` passes (every Node Ready with the CNI, CoreDNS …). */
async function kubernetesSettled(access: ClusterAccess, timeoutMs = 60_000): Promise<void> {
  const client = kubeClientOf(access)!;
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const sweep = await kubernetesSweep(client, kubeTopology(access));
    if (sweep.ok && sweep.cni) return;
    last = sweep.waitingFor.join("; ") || "no CNI yet";
    if (Date.now() > deadline) throw new Error(`Kubernetes did not settle: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
