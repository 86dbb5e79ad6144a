// `cairn plan` behind the command: open the cluster (render, twin), build the apply plan, print it.
import type { Plan } from "../../engine/types.js";
import { UserError } from "../../errors.js";
import type { ClusterAccess } from "../../ops/access.js";
import type { Io } from "../output.js";
import type { ClusterFlags } from "./plan.js";

export async function openFromFlags(opts: ClusterFlags): Promise<ClusterAccess> {
  const { openClusterAccess } = await import("../../ops/access.js");
  const { parseDurationMs } = await import("../duration.js");
  return openClusterAccess({
    file: opts.file,
    twin: opts.twin === true,
    ...(opts.dir ? { dir: opts.dir } : {}),
    ...(opts.twinSubnet ? { twinSubnet: opts.twinSubnet } : {}),
    ...(opts.twinReboot ? { twinRebootMs: parseDurationMs(opts.twinReboot, "--twin-reboot") } : {}),
  });
}

export function outputFormat(value: string): "text" | "json" {
  if (value === "text" || value === "json") return value;
  throw new UserError(`--output must be "text" or "json", not "${value}"`);
}

/** The plan for humans: actions grouped per node (cluster-wide ones under "cluster"), details indented. */
export function formatPlan(plan: Plan, access: ClusterAccess): string {
  const lines: string[] = [];
  const sim = access.twin ? " — SIMULATED on the twin" : "";
  lines.push(`cluster ${access.model.name} (Talos ${access.model.talosVersion})${sim}`);
  if (plan.actions.length === 0) lines.push("nothing to do: the cluster matches the spec");
  else lines.push(`${plan.actions.length} pending action${plan.actions.length === 1 ? "" : "s"}:`);
  const groups = new Map<string, Plan["actions"]>();
  for (const a of plan.actions) {
    const key = a.node ?? "(cluster)";
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  for (const [node, actions] of groups) {
    const role = access.model.nodes.find((n) => n.name === node)?.role;
    const where =
      node === "(cluster)"
        ? ""
        : access.twin
          ? `  [twin ${safeAddress(access, node)}]`
          : `  [${safeAddress(access, node)}]`;
    lines.push(`  ${node}${role ? ` (${role})` : ""}${where}`);
    for (const a of actions) {
      lines.push(`    ${a.kind.padEnd(18)} ${a.title}`);
      for (const d of a.detail ?? []) lines.push(`        ${d}`);
    }
  }
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  for (const b of plan.blockers) lines.push(`refused: ${b}`);
  return lines.join("\n") + "\n";
}

function safeAddress(access: ClusterAccess, node: string): string {
  try {
    return access.addressOf(node);
  } catch {
    return "no address";
  }
}

export function planJson(plan: Plan, access: ClusterAccess): unknown {
  return {
    cluster: access.model.name,
    simulated: access.twin,
    pending: plan.actions.length,
    blockers: plan.blockers,
    warnings: plan.warnings,
    actions: plan.actions.map((a) => ({
      id: a.id,
      kind: a.kind,
      ...(a.node ? { node: a.node } : {}),
      title: a.title,
      dependsOn: a.dependsOn,
      detail: a.detail ?? [],
      ...(a.params.expectedMode ? { expectedMode: a.params.expectedMode } : {}),
    })),
  };
}

export async function runPlanCommand(opts: ClusterFlags, io: Io): Promise<number> {
  const format = outputFormat(opts.output);
  const access = await openFromFlags(opts);
  try {
    const { buildApply } = await import("../../ops/apply-build.js");
    const { plan } = await buildApply(access, { force: opts.force === true });
    if (format === "json") io.out(`${JSON.stringify(planJson(plan, access), null, 2)}\n`);
    else {
      for (const n of access.notices) io.err(`note: ${n}\n`);
      io.out(formatPlan(plan, access));
    }
    if (plan.blockers.length > 0) return 1;
    return plan.actions.length > 0 ? 2 : 0;
  } finally {
    await access.close();
  }
}
