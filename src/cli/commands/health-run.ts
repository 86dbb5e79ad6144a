// Behind `cairn health` and `cairn status`: live reads of every node; nothing is written or started.
import { UserError } from "../../errors.js";
import type { ClusterAccess } from "../../ops/access.js";
import { openFromFlags, type ClusterFlags } from "../cluster.js";
import { parseOutputFormat, type Io } from "../output.js";

/** Refuses, saying why, when there are no machines to talk to (no twin running). */
export async function requireMachines(access: ClusterAccess): Promise<void> {
  const observed = await access.target.observe();
  if (observed.absent) throw new UserError(observed.absent);
}

export async function runHealthCommand(opts: ClusterFlags, io: Io): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const access = await openFromFlags(opts, undefined, { synthesize: false });
  try {
    await requireMachines(access);
    const { checkHealth, formatHealth } = await import("../../ops/health.js");
    const report = await checkHealth(access);
    if (format === "json") {
      const { nodes: _nodes, ...rest } = report;
      io.out(JSON.stringify(rest, null, 2) + "\n");
    } else io.out(formatHealth(report));
    return report.ok ? 0 : 1;
  } finally {
    await access.close();
  }
}

export async function runStatusCommand(opts: ClusterFlags, io: Io): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const access = await openFromFlags(opts, undefined, { synthesize: false });
  try {
    await requireMachines(access);
    const { collectStatus, formatStatusTable } = await import("../../ops/status.js");
    const rows = await collectStatus(access);
    if (format === "json")
      io.out(
        JSON.stringify({ cluster: access.model.name, simulated: access.simulated, nodes: rows }, null, 2) +
          "\n",
      );
    else io.out(formatStatusTable(rows, access.simulated));
    return 0;
  } finally {
    await access.close();
  }
}
