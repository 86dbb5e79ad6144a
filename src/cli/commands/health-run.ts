// Behind `cairn health` and `cairn status`.
import type { Io } from "../output.js";
import { openOps, outputFormat, type OpsFlags } from "./upgrade-run.js";

export async function runHealthCommand(opts: OpsFlags, io: Io): Promise<number> {
  const format = outputFormat(opts.output);
  const { cluster, ops } = await openOps(opts, { skipRender: true });
  try {
    const { checkHealth, formatHealth } = await import("../../ops/health.js");
    const report = await checkHealth(ops);
    if (format === "json") {
      const { nodes: _nodes, ...rest } = report;
      io.out(JSON.stringify(rest, null, 2) + "\n");
    } else io.out(formatHealth(report));
    return report.ok ? 0 : 1;
  } finally {
    await cluster.close();
  }
}

export async function runStatusCommand(opts: OpsFlags, io: Io): Promise<number> {
  const format = outputFormat(opts.output);
  const { cluster, ops } = await openOps(opts, { skipRender: true });
  try {
    const { collectStatus, formatStatusTable } = await import("../../ops/status.js");
    const rows = await collectStatus(ops);
    if (format === "json")
      io.out(JSON.stringify({ cluster: ops.model.name, simulated: ops.twin, nodes: rows }, null, 2) + "\n");
    else io.out(formatStatusTable(rows, ops.twin));
    return 0;
  } finally {
    await cluster.close();
  }
}
