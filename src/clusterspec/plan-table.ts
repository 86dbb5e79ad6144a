// The resolved address plan as a table (`cairn validate --show-plan`).
import type { Model } from "./model.js";

export interface PlanRow {
  node: string;
  role: string;
  interface: string;
  network: string;
  address: string;
  vlan: string;
  podBlock: string;
}

export function planRows(model: Model): PlanRow[] {
  const rows: PlanRow[] = [];
  for (const n of model.nodes) {
    const ifaces = n.interfaces.length ? n.interfaces : [undefined];
    ifaces.forEach((i, k) => {
      rows.push({
        node: k === 0 ? n.name : "",
        role: k === 0 ? n.role : "",
        interface: i
          ? (i.link.name ??
            (i.link.deviceSelector?.hardwareAddr as string | undefined) ??
            (i.link.deviceSelector ? "(selector)" : "(only link)"))
          : "-",
        network: i?.network ?? "-",
        address: i
          ? `${i.address ? `${i.address}/${i.prefix}` : "dhcp"}${i.planned ? " (auto)" : ""}${i.vip ? ` +vip ${i.vip}` : ""}`
          : "-",
        // Where the tag is applied matters as much as the id: the renderer and the provider read the same field.
        vlan:
          i?.vlan !== undefined
            ? `${i.vlan} (${i.tagging === "node" ? "tagged by Talos" : "tagged by hypervisor"})`
            : "-",
        // A block the spec did not name was carved by the planner.
        podBlock: k === 0 ? (n.podBlock ? `${n.podBlock}${n.spec.podBlock ? "" : " (auto)"}` : "-") : "",
      });
    });
  }
  return rows;
}

function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

export function formatPlanTable(model: Model): string {
  const rows = planRows(model).map((r) => [
    r.node,
    r.role,
    r.interface,
    r.network,
    r.address,
    r.vlan,
    r.podBlock,
  ]);
  const head =
    `cluster ${model.name}: Talos ${model.talosVersion} (contract ${model.contract}), Kubernetes ${model.kubernetesVersion}\n` +
    `endpoint ${model.endpoint.url}${model.vip ? ` (VIP on ${model.vip.network})` : ""}\n\n`;
  return head + formatTable(["NODE", "ROLE", "LINK", "NETWORK", "ADDRESS", "VLAN", "POD BLOCK"], rows);
}
