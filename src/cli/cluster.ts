// The flags every command that works on a cluster takes, and how they open it. Opening reads only: `plan`, `diff`,
// `status` and `health` leave the cluster's files as they found them and start nothing.
import type { Command } from "commander";
import type { Plan } from "../engine/types.js";
import type { ClusterAccess } from "../ops/access.js";
import type { LoadedCluster } from "../ops/open.js";

export interface ClusterFlags {
  file: string;
  twin?: boolean;
  dir?: string;
  output: string;
  twinSubnet?: string;
  twinReboot?: string;
}

/** `-f`, `--twin`, `--dir`, `--output` and the twin's start-up flags. */
export function clusterOptions(c: Command): Command {
  return c
    .option("-f, --file <file>", "the cluster spec", "cairn.yaml")
    .option(
      "--twin",
      "work on the local SIMULATED twin of the spec's machines (apply starts one when none runs)",
    )
    .option("--dir <dir>", "the cluster's directory (default .cairn/<cluster> beside the spec)")
    .option("-o, --output <format>", "text or json", "text")
    .option("--twin-subnet <cidr>", "loopback /24 for a newly started twin (default: a free 127.0.x.0/24)")
    .option("--twin-reboot <duration>", "simulated reboot time of a newly started twin (default 1s)");
}

export async function loadFromFlags(opts: ClusterFlags): Promise<LoadedCluster> {
  const { loadCluster } = await import("../ops/open.js");
  return loadCluster({
    file: opts.file,
    simulated: opts.twin === true,
    ...(opts.dir ? { dir: opts.dir } : {}),
  });
}

export async function openFromFlags(
  opts: ClusterFlags,
  loaded?: LoadedCluster,
  options: { synthesize?: boolean } = {},
): Promise<ClusterAccess> {
  const { openCluster } = await import("../ops/open.js");
  const { parseDurationMs } = await import("./duration.js");
  const twin = {
    ...(opts.twinSubnet ? { subnet: opts.twinSubnet } : {}),
    ...(opts.twinReboot ? { rebootMs: parseDurationMs(opts.twinReboot, "--twin-reboot") } : {}),
  };
  return openCluster(loaded ?? (await loadFromFlags(opts)), { twin, ...options });
}

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
