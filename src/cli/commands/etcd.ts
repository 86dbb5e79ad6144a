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
      "\nThe snapshot is checked before it gets its name: its structure (a whole etcd bbolt database) and the\n" +
        "SHA-256 etcd appends, then `etcdctl snapshot status` when etcdctl is installed.\n\n" +
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
    .option(
      "--skip-hash-check",
      "the file is a database copied from a data dir (no SHA-256 trailer); its structure is still proven",
    )
    .option("-y, --yes", "do not ask for confirmation (required when not on a terminal)")
    .addHelpText(
      "after",
      "\nBefore anything is changed, the file is proven to be a whole etcd database (page structure, both meta\n" +
        "pages and their checksums, etcd's buckets) and its SHA-256 trailer must match; a file that fails is refused\n" +
        "and no member is touched. With --wipe, the data the live members hold is first saved to a snapshot\n" +
        "under the cluster directory's backups/. Every control plane then starts from an empty etcd: machines in\n" +
        "maintenance mode get their config again; with --wipe, running ones are reset (EPHEMERAL only, config\n" +
        "kept). The snapshot is uploaded to one control plane (EtcdRecover), Bootstrap{recover_etcd} starts etcd\n" +
        "from it, and the others join. A restore that failed or was interrupted is finished by running the same\n" +
        "command again. Workers are not touched; run `cairn apply` afterwards for any that were lost.\n\n" +
        "A database file copied from a member's data dir has no SHA-256 trailer: restore it with\n" +
        "--skip-hash-check (its structure is still proven).\n\n" +
        "Examples:\n  cairn etcd restore backups/etcd.snapshot -f cairn.yaml --wipe\n" +
        "  cairn etcd restore member/snap/db -f cairn.yaml --skip-hash-check",
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
