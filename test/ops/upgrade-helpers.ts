// Shared fixtures for the upgrade/etcd/health/drift tests: a static-provider spec of N control planes and M
// workers (node names match the twin's slot names, cp-1… and worker-1…), and an in-process twin cluster wired to
// the ops layer through a ClusterAccess-shaped adapter (no daemon, so tests can read per-node call logs).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSpecText } from "../../src/clusterspec/load.js";
import type { Model } from "../../src/clusterspec/model.js";
import { TalosClient } from "../../src/talos/api/client.js";
import type { OpsAccess } from "../../src/ops/upgrade-access.js";
import { startTwin, type Twin } from "../../src/twin/twin.js";
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
  access: OpsAccess;
  dir: string;
  close(): Promise<void>;
}

/** A configured, bootstrapped in-process twin (golden configs) with an admin client per node. */
export async function twinCluster(
  cps: number,
  workers: number,
  subnet: string,
  options: { talos?: string; rebootMs?: number; contract?: string; bare?: boolean } = {},
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
  const creds = { caPem: goldenOsCa().crt, certPem: admin.cert, keyPem: admin.key };
  const opened: TalosClient[] = [];
  const addressOf = (n: string): string => twin.node(n).address;
  let shared: TalosClient | undefined;
  const access: OpsAccess = {
    model: m,
    twin: true,
    addressOf,
    async client() {
      shared ??= TalosClient.mtls(creds, {
        endpoints: m.nodes.filter((n) => n.role === "controlplane").map((n) => addressOf(n.name)),
        connectTimeoutMs: 3000,
      });
      opened.push(shared);
      return shared;
    },
    async nodeClient(node) {
      const c = TalosClient.mtls(creds, {
        endpoints: [addressOf(node)],
        connectTimeoutMs: 2000,
        retry: { attempts: 1 },
      });
      opened.push(c);
      return c;
    },
    insecureClient(node) {
      return TalosClient.insecure({
        endpoints: [addressOf(node)],
        connectTimeoutMs: 2000,
        retry: { attempts: 1 },
      });
    },
    renderedConfig(node) {
      return goldenConfig(
        m.nodes.find((n) => n.name === node)!.role === "controlplane" ? "controlplane" : "worker",
        options.contract ?? "1.12",
      );
    },
    paths: { journal: join(dir, "journal.ndjson"), lock: join(dir, "lock"), state: join(dir, "state.json") },
    stateSection: memoryState(),
  };
  return {
    twin,
    access,
    dir,
    async close() {
      for (const c of opened.splice(0)) c.close();
      await twin.stop();
    },
  };
}

function memoryState(): OpsAccess["stateSection"] {
  const data = new Map<string, unknown>();
  return {
    get: (k) => data.get(k),
    set: (k, v) => void (v === undefined ? data.delete(k) : data.set(k, v)),
  };
}
