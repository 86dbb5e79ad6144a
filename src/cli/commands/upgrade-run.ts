// Behind `cairn upgrade talos|kubernetes`: the operation runner with a rolling-upgrade plan, then each node's
// outcome.
import { CairnError } from "../../errors.js";
import type { PreparedTalosUpgrade } from "../../ops/upgrade-talos/run.js";
import type { PreparedOperation } from "../../ops/operation.js";
import { describePlan } from "../../ops/plan-view.js";
import type { ClusterFlags } from "../cluster.js";
import { runOperation } from "../operation.js";
import type { Io } from "../output.js";

export interface UpgradeFlags extends ClusterFlags {
  to?: string;
  maxUnavailable: string;
  yes?: boolean;
  dryRun?: boolean;
  nodeTimeout?: string;
  allowDowngrade?: boolean;
  updateSpec?: boolean;
}

export async function runUpgradeTalosCommand(opts: UpgradeFlags, io: Io): Promise<number> {
  const { parseDurationMs } = await import("../duration.js");
  const nodeTimeoutMs = parseDurationMs(opts.nodeTimeout ?? "15m", "--node-timeout");
  const { prepareTalosUpgrade, refuseBlockedUpgrade, upgradeReport } =
    await import("../../ops/upgrade-talos/run.js");
  return runOperation<PreparedTalosUpgrade>(io, {
    operation: "upgrade talos",
    flags: opts,
    question: "Upgrade these nodes?",
    writeArtefacts: false,
    prepare: (access) =>
      prepareTalosUpgrade(access, {
        ...(opts.to ? { to: opts.to } : {}),
        maxUnavailable: opts.maxUnavailable,
        nodeTimeoutMs,
        ...(opts.allowDowngrade ? { allowDowngrade: true } : {}),
      }),
    // An explicit --to leaves cairn.yaml behind the cluster: bring it up (or say how), or plan will refuse.
    ...(opts.to
      ? {
          finish: async (p: PreparedTalosUpgrade, _access: unknown, interactive: boolean) => {
            const { settleSpecVersion } = await import("../spec-update.js");
            await settleSpecVersion(io, {
              file: opts.file,
              field: ["talos", "version"],
              to: p.to,
              update: opts.updateSpec === true,
              interactive,
            });
          },
        }
      : {}),
    show: (p, access) => describePlan(p.plan, access.simulated),
    dryRun: (p, access, format) =>
      format === "json"
        ? JSON.stringify({ plan: p.plan }, null, 2) + "\n"
        : describePlan(p.plan, access.simulated),
    refuse: (p) => refuseBlockedUpgrade(p.plan, p.to),
    nothingToDo: (p, access) =>
      `every node already runs ${p.to}${access.simulated ? " (SIMULATED on the twin)" : ""}\n`,
    report: (p, result, access, format) => {
      const report = upgradeReport(access, p, result);
      if (format === "json")
        return JSON.stringify({ type: "report", to: report.to, nodes: report.nodes, ok: result.ok }) + "\n";
      return report.nodes
        .map((n) => `  ${n.node.padEnd(24)} ${n.outcome}${n.error ? `: ${n.error}` : ""}\n`)
        .join("");
    },
    failed: (result, p, access) => {
      const failed = upgradeReport(access, p, result).nodes.find((n) => n.outcome === "failed");
      return new CairnError(
        "upgrade-failed",
        failed
          ? `upgrade halted: ${failed.error}`
          : `upgrade halted at ${result.failed?.id}: ${result.failed?.error}`,
        {
          hint: "nodes not yet started were left untouched; fix the cause and run the same command again to resume",
        },
      );
    },
  });
}

export async function runUpgradeKubernetesCommand(opts: UpgradeFlags, io: Io): Promise<number> {
  const { prepareKubernetesUpgrade, refuseBlockedKubernetesUpgrade, settleKubernetesRecord } =
    await import("../../ops/upgrade-kubernetes/run.js");
  return runOperation<PreparedOperation & { to: string }>(io, {
    operation: "upgrade kubernetes",
    flags: opts,
    question: "Upgrade these nodes?",
    writeArtefacts: false,
    prepare: (access) =>
      prepareKubernetesUpgrade(access, {
        to: opts.to!,
        maxUnavailable: opts.maxUnavailable,
        ...(opts.allowDowngrade ? { allowDowngrade: true } : {}),
      }),
    finish: async (p, access, interactive) => {
      // The record is what an unpinned cairn.yaml keeps from now on; a pinned one should name the new version.
      settleKubernetesRecord(access, p.to);
      const { settleSpecVersion } = await import("../spec-update.js");
      const pinned = await settleSpecVersion(io, {
        file: opts.file,
        field: ["kubernetes", "version"],
        to: p.to,
        update: opts.updateSpec === true,
        interactive,
      });
      if (!pinned)
        io.err(
          `note: cairn.yaml does not pin kubernetes.version: cairn recorded Kubernetes ${p.to} for this cluster and keeps it\n`,
        );
    },
    show: (p, access) => describePlan(p.plan, access.simulated),
    dryRun: (p, access, format) =>
      format === "json"
        ? JSON.stringify({ plan: p.plan }, null, 2) + "\n"
        : describePlan(p.plan, access.simulated),
    refuse: (p) => refuseBlockedKubernetesUpgrade(p.plan, p.to),
    nothingToDo: (p) => `every node already runs Kubernetes ${p.to}\n`,
    report: (p, result, access, format) => {
      if (format !== "text" || !result.ok) return "";
      return `Kubernetes ${p.to} on every node${access.simulated ? " (SIMULATED on the twin: config changes only)" : ""}\n`;
    },
    failed: (result) =>
      new CairnError(
        "upgrade-failed",
        `Kubernetes upgrade halted at ${result.failed?.id}: ${result.failed?.error}`,
        { hint: "fix the cause and run the same command again to resume" },
      ),
  });
}
