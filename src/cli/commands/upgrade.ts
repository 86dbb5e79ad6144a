// `cairn upgrade talos|kubernetes`: rolling upgrades of the cluster described by cairn.yaml.
import type { Command } from "commander";
import type { Io } from "../output.js";
import { clusterOptions, type ClusterFlags } from "../cluster.js";

export function registerUpgrade(program: Command, io: Io): void {
  const upgrade = program
    .command("upgrade")
    .description("Rolling upgrades: Talos (control planes one at a time, then workers) or Kubernetes");
  clusterOptions(
    upgrade
      .command("talos")
      .description(
        "Upgrade Talos on every node: pre-flight, control planes one at a time with etcd gates, then workers",
      ),
  )
    .option("--to <version>", "target Talos version (default: talos.version from cairn.yaml)")
    .option("--max-unavailable <n>", "workers upgraded at once: a count or a percentage of the workers", "1")
    .option("-y, --yes", "do not ask for confirmation (required when not on a terminal)")
    .option("--dry-run", "show the plan and the pre-flight findings, change nothing")
    .option("--node-timeout <duration>", "how long one node may take to upgrade, reboot and be ready", "15m")
    .option("--allow-downgrade", "let --to name an older release than the nodes run (within a minor)")
    .option("--update-spec", "set talos.version in cairn.yaml to --to afterwards (that value only, in place)")
    .addHelpText(
      "after",
      "\nA node that comes back on its old version (Talos' A/B rollback) is a failure. Any failure halts the\n" +
        "upgrade: nodes not yet started stay untouched. Run the same command again to resume.\n\n" +
        "After each node's upgrade it gets the config cairn.yaml gives the new release (across a contract, e.g.\n" +
        "1.13 → 1.14, converted to the new form). Afterwards cairn.yaml should name the new release: cairn offers\n" +
        "to change it (--update-spec does), since plan and apply never move the cluster back.\n\n" +
        "Exit codes: 0 done (or nothing to do), 1 failed or refused.\n\n" +
        "Examples:\n  cairn upgrade talos --to v1.13.9 -f cairn.yaml --max-unavailable 25%\n" +
        "  cairn upgrade talos --to v1.13.9 -f examples/proxmox-5node-vip-pools.yaml --twin --yes\n" +
        "  cairn upgrade talos --to v1.14.0 -f cairn.yaml --yes --update-spec   # and set talos.version",
    )
    .action(async (opts: ClusterFlags & TalosFlags) => {
      const { runUpgradeTalosCommand } = await import("./upgrade-run.js");
      process.exitCode = await runUpgradeTalosCommand(opts, io);
    });
  clusterOptions(
    upgrade
      .command("kubernetes")
      .description(
        "Upgrade Kubernetes within the Talos version's window: control-plane components, then kubelets",
      ),
  )
    .requiredOption("--to <version>", "target Kubernetes version, e.g. 1.35.2")
    .option("--max-unavailable <n>", "worker kubelets updated at once (count or percentage)", "1")
    .option("-y, --yes", "do not ask for confirmation (required when not on a terminal)")
    .option("--dry-run", "show the plan, change nothing")
    .option("--allow-downgrade", "let --to name an older patch release than the nodes run")
    .option(
      "--update-spec",
      "set kubernetes.version in cairn.yaml to --to afterwards, when it pins one (that value only, in place)",
    )
    .addHelpText(
      "after",
      "\nLike talosctl upgrade-k8s: kube-apiserver, controller-manager, scheduler and kube-proxy images on each\n" +
        "control plane (one at a time), then every kubelet, each through the node's machine config without a\n" +
        "reboot. On the twin only the config change is simulated (no static pods or kubelets run there).\n" +
        "cairn records the new version: a cairn.yaml without kubernetes.version keeps it from now on; one that pins\n" +
        "a version should say the new one (cairn offers to change it; --update-spec does).\n\n" +
        "Examples:\n  cairn upgrade kubernetes --to 1.35.2 -f cairn.yaml\n" +
        "  cairn upgrade kubernetes --to 1.36.3 -f cairn.yaml --yes --update-spec   # and set kubernetes.version",
    )
    .action(async (opts: ClusterFlags & TalosFlags) => {
      const { runUpgradeKubernetesCommand } = await import("./upgrade-run.js");
      process.exitCode = await runUpgradeKubernetesCommand(opts, io);
    });
}

interface TalosFlags {
  to?: string;
  maxUnavailable: string;
  yes?: boolean;
  dryRun?: boolean;
  nodeTimeout?: string;
  allowDowngrade?: boolean;
  updateSpec?: boolean;
}
