// `cairn etcd snapshot|restore|backup-manifest`: etcd backup and disaster recovery for the cluster in cairn.yaml
// (the talosctl-style per-node commands live under `cairn talos etcd`).
import type { Command } from "commander";
import type { Io } from "../output.js";
import { clusterOptions, type ClusterFlags } from "../cluster.js";

export function registerEtcd(program: Command, io: Io): void {
  const etcd = program
    .command("etcd")
    .description("etcd backup and disaster recovery for the cluster in cairn.yaml");
  clusterOptions(
    etcd.command("snapshot").description("Save an etcd snapshot from a healthy control plane, checked"),
  )
    .option("--out <file>", "where to write it (0600)", "etcd-<cluster>-<time>.snapshot")
    .option("-n, --node <name>", "control plane to take it from (default: a healthy follower)")
    .addHelpText(
      "after",
      "\nThe snapshot is checked before it gets its name: `etcdctl snapshot status` when etcdctl is installed,\n" +
        "otherwise the bbolt header and the SHA-256 etcd appends.\n\n" +
        "Examples:\n  cairn etcd snapshot -f cairn.yaml --out backups/etcd.snapshot",
    )
    .action(async (opts: ClusterFlags & { out: string; node?: string }) => {
      const { runEtcdSnapshotCommand } = await import("./etcd-run.js");
      process.exitCode = await runEtcdSnapshotCommand(opts, io);
    });
  clusterOptions(
    etcd
      .command("restore")
      .description(
        "Disaster recovery: rebuild etcd on every control plane from a snapshot (Talos recover flow)",
      )
      .argument("<file>", "the snapshot"),
  )
    .option("--wipe", "reset etcd on control planes that still run a member (their data is replaced)")
    .option("-n, --node <name>", "control plane that bootstraps from the snapshot (default: the first)")
    .option("--skip-hash-check", "the snapshot was copied from a data dir, not taken with `etcd snapshot`")
    .option("-y, --yes", "do not ask for confirmation (required when not on a terminal)")
    .addHelpText(
      "after",
      "\nEvery control plane starts from an empty etcd: machines in maintenance mode get their config again;\n" +
        "with --wipe, running ones are reset (EPHEMERAL only, config kept). The snapshot is uploaded to one\n" +
        "control plane (EtcdRecover), Bootstrap{recover_etcd} starts etcd from it, and the others join.\n" +
        "Workers are not touched; run `cairn apply` afterwards for any that were lost.\n\n" +
        "Examples:\n  cairn etcd restore backups/etcd.snapshot -f cairn.yaml --wipe",
    )
    .action(
      async (
        file: string,
        opts: ClusterFlags & { wipe?: boolean; node?: string; skipHashCheck?: boolean; yes?: boolean },
      ) => {
        const { runEtcdRestoreCommand } = await import("./etcd-run.js");
        process.exitCode = await runEtcdRestoreCommand(file, opts, io);
      },
    );
  etcd
    .command("backup-manifest")
    .description("Print the scheduled-backup objects (CronJob to S3 from addons.etcdBackup) as YAML")
    .option("-f, --file <file>", "the cluster spec", "cairn.yaml")
    .action(async (opts: { file: string }) => {
      const { runBackupManifestCommand } = await import("./etcd-run.js");
      process.exitCode = await runBackupManifestCommand(opts, io);
    });
}
