// `cairn apply` behind the command: the operation runner with the apply plan (bootstrap, config changes,
// spec-driven upgrades, scaling), then where the cluster's credentials are.
import { CairnError } from "../../errors.js";
import type { PreparedApply } from "../../ops/apply/run.js";
import { KUBERNETES_HEALTH_SECTION, type KubernetesRecord } from "../../ops/kube-checks.js";
import { refusePlan, runOperation } from "../operation.js";
import type { Io } from "../output.js";
import { applyPlanText } from "./plan-run.js";
import { applyOptionsFrom, type ApplyFlags } from "../apply-flags.js";

export async function runApplyCommand(opts: ApplyFlags & { yes?: boolean }, io: Io): Promise<number> {
  const options = await applyOptionsFrom(opts);
  return runOperation<PreparedApply>(io, {
    operation: "apply",
    flags: opts,
    question: "Apply these changes?",
    prepare: async (access) => {
      const { buildApply } = await import("../../ops/apply/run.js");
      return buildApply(access, options);
    },
    show: (p, access) => applyPlanText(p.plan, access, p.observed),
    refuse: (p) => refusePlan(p.plan, "apply"),
    nothingToDo: () => "",
    failed: (result) =>
      new CairnError("apply-failed", `apply failed at ${result.failed?.id}: ${result.failed?.error}`, {
        hint: `${result.failed?.hint ? `${result.failed.hint}; then ` : "fix the cause and "}run \`cairn apply\` again: finished steps are not repeated`,
      }),
    report: (_p, result, access, format) => {
      if (format !== "text" || !result.ok) return "";
      const lines = [
        `cluster ${access.model.name} matches the spec${access.simulated ? " (SIMULATED on the twin)" : ""}`,
        `  talosconfig  ${access.paths.talosconfig}`,
        `  kubeconfig   ${access.paths.kubeconfig}`,
      ];
      if (access.simulated)
        lines.push(`  twin         cairn twin status --state-dir ${access.paths.twinDir}`);
      // What the final gate found Kubernetes still lacks (an add-on CNI not installed yet), said, not hidden.
      const kube = access.stateSection.get(KUBERNETES_HEALTH_SECTION) as KubernetesRecord | undefined;
      for (const m of kube?.missing ?? []) lines.push(`  kubernetes   ${m}`);
      if (kube && !kube.checked) lines.push("  kubernetes   not checked (no kubeconfig)");
      return lines.join("\n") + "\n";
    },
  });
}
