// Behind `cairn diff`: the running nodes against the configs the spec gives now (synthesised in memory).
import { UserError } from "../../errors.js";
import { openFromFlags, type ClusterFlags } from "../cluster.js";
import { parseOutputFormat, type Io } from "../output.js";

export async function runDiffCommand(opts: ClusterFlags, io: Io): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const access = await openFromFlags(opts);
  try {
    const observed = await access.target.observe();
    if (observed.absent) throw new UserError(observed.absent);
    if (access.newIdentity)
      throw new UserError(
        `cairn has no secrets for ${access.model.name} at ${access.paths.secrets}: nothing was applied to compare`,
        {
          hint: "`cairn apply` creates the cluster; `--dir` points at another cluster directory",
        },
      );
    const { detectDrift, formatDrift } = await import("../../ops/drift.js");
    const report = await detectDrift(access, { observed });
    io.out(format === "json" ? JSON.stringify(report, null, 2) + "\n" : formatDrift(report));
    return report.drifted ? 2 : report.errors ? 1 : 0;
  } finally {
    await access.close();
  }
}
