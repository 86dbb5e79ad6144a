// The ONE place `cairn ui` reaches into src/ops: opening the cluster, the health sweep, the pending
// plan, the twin's faults and the credential files whose contents must never reach the page. Everything else in
// src/ui sees only the UiSources interface, so the day-2 layer can be restructured by rewiring this file alone.
//
// Calls made here:
//   src/ops/health.ts         checkHealth(access, {timeoutMs}) → HealthReport (what `cairn health` reports)
//   src/ops/apply/run.ts      buildApply(access)               → { plan } (what `cairn plan` shows)
//   src/ops/plan-view.ts      planJson(plan, access)           → `cairn plan --output json`'s document
//   ClusterAccess             the twin's slots (its provider record), paths, target.observe(), close()
//   src/twin/daemon.ts        status(twinDir)                  → the twin's faults per slot
import { existsSync, readFileSync } from "node:fs";
import { parseYaml } from "../io/yaml.js";
import { UserError } from "../errors.js";
import type { ClusterAccess } from "../ops/access.js";
import type { TwinRecord } from "../providers/twin/target.js";
import type { HealthReportLike } from "./snapshot.js";
import type { TopologyModel } from "./topology.js";

/** `cairn plan --output json`'s document, as the page reads it. */
export interface PlanView {
  cluster: string;
  simulated: boolean;
  pending: number;
  blockers: string[];
  warnings: string[];
  actions: {
    id: string;
    kind: string;
    node?: string;
    title: string;
    dependsOn: string[];
    detail: string[];
    expectedMode?: string;
  }[];
}

export interface UiSources {
  cluster: string;
  simulated: boolean;
  model: TopologyModel;
  /** `<dir>/journal.ndjson` (the twin's own under `<dir>/twin/`). */
  journalPath: string;
  /** How the access was set up ("started a twin …"), for the terminal. */
  notices: string[];
  /** One health sweep: the same report as `cairn health --output json`, plus the twin's faults per node. */
  health(timeoutMs: number): Promise<{ report: HealthReportLike; faults: Map<string, string[]> }>;
  /** What `cairn apply` would do now. */
  plan(): Promise<PlanView>;
  /** Every secret string of the cluster's credential files (for the page's last-line guard). */
  secrets(): string[];
  close(): Promise<void>;
}

/** The page's sources over a cluster the caller opened (reading only); they close it with themselves. */
export async function openUiSources(cluster: ClusterAccess): Promise<UiSources> {
  const { planJson } = await import("../ops/plan-view.js");
  const observed = await cluster.target.observe();
  if (observed.absent) {
    await cluster.close();
    throw new UserError(observed.absent);
  }
  const { checkHealth } = await import("../ops/health.js");
  const { buildApply } = await import("../ops/apply/run.js");
  const daemon = cluster.simulated ? await import("../twin/daemon.js") : undefined;

  const twinFaults = async (): Promise<Map<string, string[]>> => {
    const out = new Map<string, string[]>();
    if (!daemon) return out;
    const record = cluster.readState().providers?.twin as Partial<TwinRecord> | undefined;
    const mapping = record?.slots ?? {};
    const status = await daemon.status(cluster.paths.twinDir);
    for (const [node, slot] of Object.entries(mapping)) {
      const s = status.nodes.find((x) => x.name === slot.slot);
      if (s) out.set(node, [...s.faults]);
    }
    return out;
  };

  return {
    cluster: cluster.model.name,
    simulated: cluster.simulated,
    model: cluster.model,
    journalPath: cluster.paths.journal,
    notices: cluster.notices,
    async health(timeoutMs) {
      const [report, faults] = await Promise.all([
        checkHealth(cluster, { timeoutMs }),
        twinFaults().catch(() => new Map<string, string[]>()),
      ]);
      return { report, faults };
    },
    async plan() {
      const { plan } = await buildApply(cluster);
      return planJson(plan, cluster) as PlanView;
    },
    secrets: () =>
      secretStrings([cluster.paths.secrets, cluster.paths.talosconfig, cluster.paths.kubeconfig]),
    close: () => cluster.close(),
  };
}

/** Keys whose values are secret material in a secrets bundle, a talosconfig or a kubeconfig. */
const SECRET_KEYS = new Set([
  "id",
  "secret",
  "bootstraptoken",
  "secretboxencryptionsecret",
  "aescbcencryptionsecret",
  "token",
  "crt",
  "key",
  "ca",
  "certificate-authority-data",
  "client-certificate-data",
  "client-key-data",
]);

/**
 * The values under secret keys (SECRET_KEYS) in the given YAML files — secrets bundle, talosconfig, kubeconfig —
 * and, for base64 values, each line of the decoded PEM body too: keys, tokens and certificates in any encoding a bug
 * could leak them in. Missing, age-encrypted or unreadable files add nothing.
 */
export function secretStrings(paths: readonly string[]): string[] {
  const out = new Set<string>();
  const take = (v: string): void => {
    if (v.length >= 8) out.add(v);
    if (/^[A-Za-z0-9+/=]{24,}$/.test(v)) {
      const decoded = Buffer.from(v, "base64").toString("utf8");
      if (decoded.includes("-----BEGIN"))
        for (const line of decoded.split("\n"))
          if (line.trim().length >= 16 && !line.startsWith("-----")) out.add(line.trim());
    }
  };
  const visit = (v: unknown, key: string | undefined): void => {
    if (typeof v === "string") {
      if (key !== undefined && SECRET_KEYS.has(key.toLowerCase())) take(v);
    } else if (Array.isArray(v)) v.forEach((x) => visit(x, key));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) visit(x, k);
  };
  for (const p of paths) {
    if (!existsSync(p)) continue;
    try {
      const text = readFileSync(p, "utf8");
      if (/^-----BEGIN AGE ENCRYPTED FILE-----|^age-encryption\.org/m.test(text)) continue;
      visit(parseYaml(text, p), undefined);
    } catch {
      // unreadable: nothing to guard from it
    }
  }
  return [...out];
}
