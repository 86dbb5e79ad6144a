// `cairn status`: one row per node of the spec — role, addresses, Talos and Kubernetes versions, stage, readiness,
// etcd role — read live from each node (bounded calls; an unreachable node is a row saying so).
import type { ClusterAccess } from "./access.js";
import { nodeVersion, runningConfig } from "./observe.js";
import { brief, withTimeout } from "./support.js";
import { componentVersions } from "./upgrade-kubernetes/plan.js";

export interface NodeStatusRow {
  name: string;
  role: "controlplane" | "worker";
  /** The address cairn dials (the twin's loopback address when simulated). */
  endpoint: string | undefined;
  /** Addresses the spec gives the node. */
  addresses: string[];
  reachable: boolean;
  talosVersion?: string;
  kubernetesVersion?: string;
  stage?: string;
  ready?: boolean;
  unmet?: string[];
  etcd?: "leader" | "follower" | "learner" | "not a member" | "unreachable";
  etcdMemberId?: string;
  services?: { id: string; state: string; healthy: boolean | null }[];
  error?: string;
}

export async function collectStatus(
  access: ClusterAccess,
  options: { timeoutMs?: number; services?: boolean } = {},
): Promise<NodeStatusRow[]> {
  const t = options.timeoutMs ?? 5000;
  return Promise.all(
    access.model.nodes.map(async (n): Promise<NodeStatusRow> => {
      let endpoint: string | undefined;
      try {
        endpoint = access.addressOf(n.name);
      } catch {
        endpoint = undefined;
      }
      const row: NodeStatusRow = {
        name: n.name,
        role: n.role === "controlplane" ? "controlplane" : "worker",
        endpoint,
        addresses: n.interfaces.map((i) => i.address).filter((a): a is string => !!a),
        reachable: false,
      };
      if (!endpoint) return { ...row, error: "no address to dial" };
      let c;
      try {
        c = await access.nodeClient(n.name);
        row.talosVersion = await nodeVersion(c, t);
        row.reachable = true;
        const ms = await withTimeout(c.machineStatus(), t, "MachineStatus");
        row.stage = ms.spec?.stage;
        row.ready = ms.spec?.status?.ready ?? false;
        const unmet = (ms.spec?.status?.unmetConditions ?? []).map((u) => `${u.name}: ${u.reason}`);
        if (unmet.length) row.unmet = unmet;
        const cfg = await runningConfig(c, t).catch(() => undefined);
        const k = cfg ? componentVersions(cfg) : {};
        if (k.kubelet) row.kubernetesVersion = k.kubelet;
        if (row.role === "controlplane") {
          try {
            const [s] = await withTimeout(c.etcdStatus(), t, "EtcdStatus");
            const m = s?.ok ? s.value.member_status : undefined;
            if (!m || m.member_id === "0") row.etcd = "not a member";
            else {
              row.etcdMemberId = m.member_id;
              row.etcd = m.is_learner ? "learner" : m.leader === m.member_id ? "leader" : "follower";
            }
          } catch {
            row.etcd = "not a member";
          }
        }
        if (options.services) {
          const [sl] = await withTimeout(c.serviceList(), t, "ServiceList");
          if (sl?.ok)
            row.services = sl.value.services.map((s) => ({
              id: s.id,
              state: s.state,
              healthy: s.health?.unknown ? null : (s.health?.healthy ?? null),
            }));
        }
      } catch (e) {
        row.error = brief(e);
        if (row.role === "controlplane" && !row.etcd) row.etcd = "unreachable";
      } finally {
        c?.close();
      }
      return row;
    }),
  );
}

export function formatStatusTable(rows: readonly NodeStatusRow[], simulated: boolean): string {
  const header = ["NODE", "ROLE", "ADDRESS", "TALOS", "KUBERNETES", "STAGE", "READY", "ETCD"];
  const body = rows.map((r) => [
    r.name,
    r.role,
    r.endpoint && !r.addresses.includes(r.endpoint)
      ? `${r.addresses.join(",") || "-"} (twin ${r.endpoint})`
      : r.addresses.join(",") || "-",
    r.talosVersion ?? "-",
    r.kubernetesVersion ? `v${r.kubernetesVersion}` : "-",
    r.reachable ? (r.stage ?? "-") : `unreachable`,
    r.ready === undefined ? "-" : r.ready ? "yes" : "no",
    r.etcd ?? "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
  const out = [line(header), ...body.map(line)];
  for (const r of rows) if (r.error) out.push(`${r.name}: ${r.error}`);
  if (simulated) out.push("(SIMULATED: these nodes are the twin's stand-ins)");
  return out.join("\n") + "\n";
}
