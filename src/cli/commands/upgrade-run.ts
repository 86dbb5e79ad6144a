// Behind `cairn upgrade …` (and shared by the other day-2 commands: etcd, health, status, diff): open the cluster
// from the flags, confirm, run with the progress display, and report per node.
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { CairnError, UserError } from "../../errors.js";
import type { AnyEngineEvent, Plan } from "../../engine/types.js";
import type { ClusterAccess } from "../../ops/access.js";
import type { OpsAccess } from "../../ops/upgrade-access.js";
import type { Io } from "../output.js";
import { deprecatedAlias } from "../flags.js";

export interface OpsFlags {
  file: string;
  twin?: boolean;
  dir?: string;
  output: string;
  twinSubnet?: string;
  twinReboot?: string;
}

/** Flags every day-2 command takes. */
export function opsOptions(c: Command): Command {
  deprecatedAlias(c, "-o <format>", { attribute: "output", spelling: "--output" });
  return c
    .option("-f, --file <file>", "the cluster spec", "cairn.yaml")
    .option("--twin", "work on the local SIMULATED twin of the spec's machines (started when none runs)")
    .option("--dir <dir>", "the cluster's directory (default .cairn/<cluster> beside the spec)")
    .option("--output <format>", "text or json", "text")
    .option("--twin-subnet <cidr>", "loopback /24 for a newly started twin (default: a free 127.0.x.0/24)")
    .option("--twin-reboot <duration>", "simulated reboot time of a newly started twin (default 1s)");
}

export function outputFormat(value: string): "text" | "json" {
  if (value === "text" || value === "json") return value;
  throw new UserError(`--output must be "text" or "json", not "${value}"`);
}

export async function openOps(
  opts: OpsFlags,
  extra: { skipRender?: boolean } = {},
): Promise<{ cluster: ClusterAccess; ops: OpsAccess }> {
  const { openClusterAccess } = await import("../../ops/access.js");
  const { opsAccess } = await import("../../ops/upgrade-access.js");
  const { parseDurationMs } = await import("../duration.js");
  const cluster = await openClusterAccess({
    file: opts.file,
    twin: opts.twin === true,
    ...(opts.dir ? { dir: opts.dir } : {}),
    ...(opts.twinSubnet ? { twinSubnet: opts.twinSubnet } : {}),
    ...(opts.twinReboot ? { twinRebootMs: parseDurationMs(opts.twinReboot, "--twin-reboot") } : {}),
    ...(extra.skipRender ? { skipRender: true } : {}),
  });
  return { cluster, ops: opsAccess(cluster) };
}

export function describePlan(plan: Plan, twin: boolean): string {
  const lines = [
    `${plan.operation}${twin ? " — SIMULATED on the twin" : ""}: ${plan.actions.length} action(s)`,
  ];
  for (const a of plan.actions) {
    lines.push(`  ${a.kind === "gate" ? "  then " : "- "}${a.title}`);
    for (const d of a.detail ?? []) lines.push(`      ${d}`);
  }
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  for (const b of plan.blockers) lines.push(`refused: ${b}`);
  return lines.join("\n") + "\n";
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Runs `fn` with the progress display and Ctrl-C wired to the engine's safe stop. */
async function withDisplay<R>(
  io: Io,
  format: "text" | "json",
  fn: (onEvent: (e: AnyEngineEvent) => void, signal: AbortSignal) => Promise<R>,
): Promise<R> {
  const { createDisplay } = await import("../progress.js");
  const display = createDisplay(io, { format, tty: io.isTTY, columns: process.stdout.columns ?? 100 });
  const abort = new AbortController();
  const onSigint = (): void => {
    io.err("\ninterrupt: finishing the node in flight, then stopping (run again to resume)\n");
    abort.abort();
    process.off("SIGINT", onSigint);
  };
  process.on("SIGINT", onSigint);
  try {
    return await fn(display, abort.signal);
  } finally {
    display.stop();
    process.off("SIGINT", onSigint);
  }
}

function confirmer(
  opts: { yes?: boolean; dryRun?: boolean },
  io: Io,
  format: "text" | "json",
  twin: boolean,
): (plan: Plan) => Promise<boolean> {
  return async (plan) => {
    if (format === "text") io.out(describePlan(plan, twin));
    if (opts.yes) return true;
    return ask("Upgrade these nodes? [y/N] ");
  };
}

function requireYes(opts: { yes?: boolean; dryRun?: boolean }, io: Io): void {
  if (!opts.yes && !opts.dryRun && !(io.isTTY && process.stdin.isTTY))
    throw new UserError("refusing to upgrade without --yes: not on a terminal, so cairn cannot ask", {
      hint: "review with --dry-run, then run again with --yes",
    });
}

export async function runUpgradeTalosCommand(
  opts: OpsFlags & {
    to?: string;
    maxUnavailable: string;
    yes?: boolean;
    dryRun?: boolean;
    nodeTimeout?: string;
  },
  io: Io,
): Promise<number> {
  const format = outputFormat(opts.output);
  requireYes(opts, io);
  const { parseDurationMs } = await import("../duration.js");
  const nodeTimeoutMs = parseDurationMs(opts.nodeTimeout ?? "15m", "--node-timeout");
  const { cluster, ops } = await openOps(opts);
  try {
    if (format === "text") for (const n of cluster.notices) io.err(`note: ${n}\n`);
    const { runTalosUpgrade, buildTalosUpgradePlan } = await import("../../ops/upgrade-run.js");
    const options = {
      ...(opts.to ? { to: opts.to } : {}),
      maxUnavailable: opts.maxUnavailable,
      nodeTimeoutMs,
    };
    if (opts.dryRun) {
      const { plan } = await buildTalosUpgradePlan(ops, options);
      if (format === "json") io.out(JSON.stringify({ plan }, null, 2) + "\n");
      else io.out(describePlan(plan, ops.twin));
      return plan.blockers.length ? 1 : 0;
    }
    const report = await withDisplay(io, format, (onEvent, signal) =>
      runTalosUpgrade(ops, { ...options, onEvent, signal, confirm: confirmer(opts, io, format, ops.twin) }),
    );
    if (format === "json") {
      io.out(
        JSON.stringify({
          type: "report",
          to: report.to,
          nodes: report.nodes,
          ok: report.result?.ok ?? true,
        }) + "\n",
      );
    } else if (!report.result) {
      io.out(`every node already runs ${report.to}${ops.twin ? " (SIMULATED on the twin)" : ""}\n`);
    } else {
      for (const n of report.nodes)
        io.out(`  ${n.node.padEnd(24)} ${n.outcome}${n.error ? `: ${n.error}` : ""}\n`);
    }
    const r = report.result;
    if (r?.interrupted)
      throw new CairnError("interrupted", "upgrade interrupted; run the same command again to resume");
    if (r && !r.ok) {
      const failed = report.nodes.find((n) => n.outcome === "failed");
      throw new CairnError(
        "upgrade-failed",
        failed ? `upgrade halted: ${failed.error}` : `upgrade halted at ${r.failed?.id}: ${r.failed?.error}`,
        {
          hint: "nodes not yet started were left untouched; fix the cause and run the same command again to resume",
        },
      );
    }
    return 0;
  } finally {
    await cluster.close();
  }
}

export async function runUpgradeKubernetesCommand(
  opts: OpsFlags & { to?: string; maxUnavailable: string; yes?: boolean; dryRun?: boolean },
  io: Io,
): Promise<number> {
  const format = outputFormat(opts.output);
  requireYes(opts, io);
  const { cluster, ops } = await openOps(opts);
  try {
    if (format === "text") for (const n of cluster.notices) io.err(`note: ${n}\n`);
    const { runKubernetesUpgrade } = await import("../../ops/upgrade-run.js");
    const report = await withDisplay(io, format, (onEvent, signal) =>
      runKubernetesUpgrade(ops, {
        to: opts.to!,
        maxUnavailable: opts.maxUnavailable,
        onEvent,
        signal,
        ...(opts.dryRun ? { dryRun: true } : {}),
        confirm: confirmer(opts, io, format, ops.twin),
      }),
    );
    if (opts.dryRun) {
      if (format === "json") io.out(JSON.stringify({ plan: report.plan }, null, 2) + "\n");
      else io.out(describePlan(report.plan, ops.twin));
      return 0;
    }
    if (!report.result) io.out(`every node already runs Kubernetes ${report.to}\n`);
    else if (!report.result.ok)
      throw new CairnError(
        "upgrade-failed",
        `Kubernetes upgrade halted at ${report.result.failed?.id}: ${report.result.failed?.error}`,
        {
          hint: "fix the cause and run the same command again to resume",
        },
      );
    else if (format === "text") {
      io.out(
        `Kubernetes ${report.to} on every node${ops.twin ? " (SIMULATED on the twin: config changes only)" : ""}\n`,
      );
      for (const w of report.plan.warnings) io.err(`warning: ${w}\n`);
    }
    return 0;
  } finally {
    await cluster.close();
  }
}
