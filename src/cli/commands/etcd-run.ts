// Behind `cairn etcd …`.
import { createInterface } from "node:readline/promises";
import { stringify } from "yaml";
import { CairnError, UserError } from "../../errors.js";
import type { Io } from "../output.js";
import { describePlan, openOps, outputFormat, type OpsFlags } from "./upgrade-run.js";

export async function runEtcdSnapshotCommand(
  opts: OpsFlags & { out: string; node?: string },
  io: Io,
): Promise<number> {
  const format = outputFormat(opts.output);
  const { cluster, ops } = await openOps(opts, { skipRender: true });
  try {
    const out =
      opts.out === "etcd-<cluster>-<time>.snapshot"
        ? `etcd-${ops.model.name}-${new Date().toISOString().replace(/[:.]/g, "-")}.snapshot`
        : opts.out;
    const { snapshotEtcd } = await import("../../ops/etcd-snapshot.js");
    const r = await snapshotEtcd(ops, out, opts.node ? { node: opts.node } : {});
    if (format === "json") io.out(JSON.stringify({ ...r, simulated: ops.twin }, null, 2) + "\n");
    else {
      io.out(
        `etcd snapshot from ${r.node}${ops.twin ? " (SIMULATED on the twin)" : ""} written to ${r.file} (0600)\n`,
      );
      io.out(`  size     ${r.size} bytes\n  sha256   ${r.sha256}\n`);
      io.out(
        r.method === "etcdctl"
          ? `  checked  etcdctl snapshot status: revision ${r.revision}, ${r.totalKeys} keys\n`
          : "  checked  bbolt header and etcd's SHA-256 trailer (etcdctl not installed)\n",
      );
    }
    return 0;
  } finally {
    await cluster.close();
  }
}

export async function runEtcdRestoreCommand(
  file: string,
  opts: OpsFlags & { wipe?: boolean; node?: string; skipHashCheck?: boolean; yes?: boolean },
  io: Io,
): Promise<number> {
  const format = outputFormat(opts.output);
  const { existsSync } = await import("node:fs");
  if (!existsSync(file)) throw new UserError(`${file}: no such snapshot file`);
  const { checkSnapshotFile } = await import("../../ops/etcd-snapshot.js");
  const check = await checkSnapshotFile(file);
  if (!check.ok && !opts.skipHashCheck)
    throw new UserError(`${file} failed its integrity check: ${check.problem}`, {
      hint: "pass --skip-hash-check only for a database file copied from a data dir",
    });
  if (!opts.yes && !(io.isTTY && process.stdin.isTTY))
    throw new UserError("refusing to restore etcd without --yes: not on a terminal, so cairn cannot ask");
  const { cluster, ops } = await openOps(opts);
  try {
    const { planEtcdRestore, runEtcdRestore } = await import("../../ops/etcd-restore.js");
    const options = {
      file,
      ...(opts.wipe ? { wipe: true } : {}),
      ...(opts.node ? { node: opts.node } : {}),
      ...(opts.skipHashCheck ? { skipHashCheck: true } : {}),
    };
    if (format === "text") io.out(describePlan(planEtcdRestore(ops.model, options), ops.twin));
    if (!opts.yes) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const ok = /^y(es)?$/i.test(
        (await rl.question("Replace etcd on every control plane with this snapshot? [y/N] ")).trim(),
      );
      rl.close();
      if (!ok) return 1;
    }
    const { createDisplay } = await import("../progress.js");
    const display = createDisplay(io, { format, tty: io.isTTY, columns: process.stdout.columns ?? 100 });
    try {
      const { result } = await runEtcdRestore(ops, { ...options, onEvent: display });
      if (!result.ok)
        throw new CairnError(
          "etcd-restore",
          `restore halted at ${result.failed?.id}: ${result.failed?.error}`,
          {
            hint: /live etcd member/.test(result.failed?.error ?? "")
              ? "nothing was reset; pass --wipe to replace the live etcd data on every control plane with the snapshot"
              : "fix the cause and run the same command again: finished steps are not repeated",
          },
        );
    } finally {
      display.stop();
    }
    if (format === "text")
      io.out(`etcd restored from ${file}${ops.twin ? " (SIMULATED on the twin)" : ""}\n`);
    return 0;
  } finally {
    await cluster.close();
  }
}

export async function runBackupManifestCommand(opts: { file: string }, io: Io): Promise<number> {
  const { requireModel } = await import("../../clusterspec/load.js");
  const { renderEtcdBackup } = await import("../../ops/etcd-backup.js");
  const { model } = requireModel(opts.file);
  const r = renderEtcdBackup(model);
  if (!r)
    throw new UserError(`${opts.file} has no addons.etcdBackup`, {
      hint: "add addons.etcdBackup with an s3 endpoint and bucket",
    });
  io.out(r.objects.map((o) => stringify(o)).join("---\n"));
  for (const n of r.notes) io.err(`note: ${n}\n`);
  io.err(
    `note: control planes need this config patch:\n${stringify(r.controlPlanePatch).replace(/^/gm, "  ")}`,
  );
  return 0;
}
