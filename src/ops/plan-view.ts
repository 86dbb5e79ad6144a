// Plans as people and tools read them: a linear list (upgrades, restores), grouped per node (plan, apply), and
// the JSON document `cairn plan --output json` prints. Pure; shared by the CLI and the ui page.
import type { Plan } from "../engine/types.js";
import type { ClusterAccess } from "./access.js";

/** A linear plan for humans (upgrades, restores): one line per action, details indented. */
export function describePlan(plan: Plan, simulated: boolean): string {
  const lines = [
    `${plan.operation}${simulated ? " — SIMULATED on the twin" : ""}: ${plan.actions.length} action(s)`,
  ];
  for (const a of plan.actions) {
    lines.push(`  ${a.kind === "gate" ? "  then " : "- "}${a.title}`);
    for (const d of a.detail ?? []) lines.push(`      ${d}`);
  }
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  for (const b of plan.blockers) lines.push(`refused: ${b}`);
  return lines.join("\n") + "\n";
}

/** The plan grouped per node (cluster-wide actions under "(cluster)"), as `cairn plan` and `cairn apply` show it. */
export function formatPlan(plan: Plan, access: ClusterAccess): string {
  const lines: string[] = [];
  const sim = access.simulated ? " — SIMULATED on the twin" : "";
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
    const at = node === "(cluster)" ? undefined : knownAddress(access, node);
    const where = at === undefined ? "" : access.simulated ? `  [twin ${at}]` : `  [${at}]`;
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

function knownAddress(access: ClusterAccess, node: string): string | undefined {
  try {
    return access.addressOf(node);
  } catch {
    return undefined;
  }
}

export function planJson(plan: Plan, access: ClusterAccess, observed?: string): unknown {
  return {
    cluster: access.model.name,
    simulated: access.simulated,
    ...(observed ? { observed } : {}),
    ...(access.newIdentity ? { newIdentity: true } : {}),
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
