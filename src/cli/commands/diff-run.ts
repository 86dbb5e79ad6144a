// Behind `cairn diff`.
import type { Io } from "../output.js";
import { openOps, outputFormat, type OpsFlags } from "./upgrade-run.js";

export async function runDiffCommand(opts: OpsFlags, io: Io): Promise<number> {
  const format = outputFormat(opts.output);
  // Rendering refreshes the desired configs from the spec (secrets reused), so the diff is against the file now.
  const { cluster, ops } = await openOps(opts);
  try {
    const { detectDrift, formatDrift } = await import("../../ops/drift.js");
    const report = await detectDrift(ops);
    io.out(format === "json" ? JSON.stringify(report, null, 2) + "\n" : formatDrift(report));
    return report.drifted ? 2 : report.errors ? 1 : 0;
  } finally {
    await cluster.close();
  }
}
