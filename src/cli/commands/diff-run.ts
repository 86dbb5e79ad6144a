// Behind `cairn diff`: the running nodes against the configs the spec gives now (synthesised in memory).
import { openFromFlags, type ClusterFlags } from "../cluster.js";
import { parseOutputFormat, type Io } from "../output.js";
import { requireMachines } from "./health-run.js";

export async function runDiffCommand(opts: ClusterFlags, io: Io): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const access = await openFromFlags(opts);
  try {
    await requireMachines(access);
    const { detectDrift, formatDrift } = await import("../../ops/drift.js");
    const report = await detectDrift(access);
    io.out(format === "json" ? JSON.stringify(report, null, 2) + "\n" : formatDrift(report));
    return report.drifted ? 2 : report.errors ? 1 : 0;
  } finally {
    await access.close();
  }
}
