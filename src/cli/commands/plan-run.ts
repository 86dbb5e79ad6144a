// `cairn plan` behind the command: open the cluster (reading only), build the apply plan, print it. No lock is
// taken and nothing is written or started: with no twin running, the plan is what apply would do to a fresh one.
import { formatPlan, planJson } from "../../ops/plan-view.js";
import { openFromFlags } from "../cluster.js";
import { parseOutputFormat, type Io } from "../output.js";
import { applyOptionsFrom, type ApplyFlags } from "../apply-flags.js";

export async function runPlanCommand(opts: ApplyFlags, io: Io): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const options = await applyOptionsFrom(opts);
  const access = await openFromFlags(opts);
  try {
    const { buildApply } = await import("../../ops/apply/run.js");
    const prepared = await buildApply(access, options);
    const { plan } = prepared;
    if (format === "json") io.out(`${JSON.stringify(planJson(plan, access, prepared.observed), null, 2)}\n`);
    else io.out(applyPlanText(prepared.plan, access, prepared.observed));
    if (plan.blockers.length > 0) return 1;
    return plan.actions.length > 0 ? 2 : 0;
  } finally {
    await access.close();
  }
}

/** The apply plan with what cairn found: the machines' provider and, for a new cluster, its new identity. */
export function applyPlanText(
  plan: Parameters<typeof formatPlan>[0],
  access: Parameters<typeof formatPlan>[1],
  observed: string,
): string {
  const notes = [`machines: ${observed}`];
  if (access.newIdentity)
    notes.push(`secrets: none yet — apply creates the cluster's identity in ${access.paths.secrets} (0600)`);
  return formatPlan(plan, access) + notes.map((n) => `${n}\n`).join("");
}
