// `cairn destroy` behind the command: the operation runner with the destroy plan; the user confirms by typing the
// cluster's name (or names it with --yes-destroy); the report says what went and what was left alone.
import { createInterface } from "node:readline/promises";
import { CairnError, UserError } from "../../errors.js";
import type { ClusterAccess } from "../../ops/access.js";
import type { PreparedDestroy } from "../../ops/destroy/run.js";
import { describePlan } from "../../ops/plan-view.js";
import type { ClusterFlags } from "../cluster.js";
import { refusePlan, runOperation } from "../operation.js";
import type { Io } from "../output.js";

function aside(p: PreparedDestroy): string {
  const lines: string[] = [];
  if (p.leftAlone.length) {
    lines.push(`left alone (not cairn's for this cluster): ${p.leftAlone.length}`);
    for (const l of p.leftAlone.slice(0, 30)) lines.push(`  - ${l}`);
    if (p.leftAlone.length > 30) lines.push(`  … and ${p.leftAlone.length - 30} more`);
  }
  for (const k of p.kept) lines.push(`kept: ${k}`);
  return lines.length ? `${lines.join("\n")}\n` : "";
}

async function askName(name: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(`Type the cluster's name (${name}) to destroy it: `)).trim() === name;
  } finally {
    rl.close();
  }
}

export async function runDestroyCommand(
  opts: ClusterFlags & { yesDestroy?: string },
  io: Io,
): Promise<number> {
  return runOperation<PreparedDestroy>(io, {
    operation: "destroy",
    flags: { ...opts, yes: opts.yesDestroy !== undefined },
    question: "Destroy these?",
    yesFlag: "--yes-destroy <cluster name>",
    prepare: async (access: ClusterAccess) => {
      if (opts.yesDestroy !== undefined && opts.yesDestroy !== access.model.name)
        throw new UserError(
          `--yes-destroy names ${opts.yesDestroy}, but the spec's cluster is ${access.model.name}; nothing was changed`,
        );
      const { buildDestroy } = await import("../../ops/destroy/run.js");
      return buildDestroy(access);
    },
    show: (p, access) => `${describePlan(p.plan, access.simulated)}machines: ${p.observed}\n${aside(p)}`,
    refuse: (p) => refusePlan(p.plan, "destroy"),
    nothingToDo: (_p, access) => `nothing of ${access.model.name} to destroy at ${access.target.label}\n`,
    confirm: async (_p, access) => opts.yesDestroy !== undefined || askName(access.model.name),
    failed: (result) =>
      new CairnError("destroy-failed", `destroy failed at ${result.failed?.id}: ${result.failed?.error}`, {
        hint: `${result.failed?.hint ? `${result.failed.hint}; then ` : ""}run \`cairn destroy\` again: what is gone stays gone`,
      }),
    report: (p, result, access, format) => {
      if (format !== "text" || !result.ok) return "";
      return `destroyed what cairn made for ${access.model.name}${access.simulated ? " (SIMULATED)" : ""}; its secrets and credentials stay in ${access.paths.dir}\n${aside(p)}`;
    },
    writeArtefacts: false,
  });
}
