// Behind `cairn etcd …`.
import { stringify } from "yaml";
import { CairnError, UserError } from "../../errors.js";
import type { PreparedOperation } from "../../ops/operation.js";
import { describePlan } from "../../ops/plan-view.js";
import { openFromFlags, type ClusterFlags } from "../cluster.js";
import { refusePlan, runOperation } from "../operation.js";
import { parseOutputFormat, type Io } from "../output.js";
import { requireMachines } from "./health-run.js";

export async function runEtcdSnapshotCommand(
  opts: ClusterFlags & { out: string; node?: string },
  io: Io,
): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const ops = await openFromFlags(opts, undefined, { synthesize: false });
  try {
    await requireMachines(ops);
    const out =
      opts.out === "etcd-<cluster>-<time>.snapshot"
        ? `etcd-${ops.model.name}-${new Date().toISOString().replace(/[:.]/g, "-")}.snapshot`
        : opts.out;
    const { snapshotEtcd } = await import("../../ops/etcd-snapshot.js");
    const r = await snapshotEtcd(ops, out, opts.node ? { node: opts.node } : {});
    if (format === "json") io.out(JSON.stringify({ ...r, simulated: ops.simulated }, null, 2) + "\n");
    else {
      io.out(
        `etcd snapshot from ${r.node}${ops.simulated ? " (SIMULATED on the twin)" : ""} written to ${r.file} (0600)\n`,
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
    await ops.close();
  }
}

export async function runEtcdRestoreCommand(
  file: string,
  opts: ClusterFlags & { wipe?: boolean; node?: string; skipHashCheck?: boolean; yes?: boolean },
  io: Io,
): Promise<number> {
  const { existsSync } = await import("node:fs");
  if (!existsSync(file)) throw new UserError(`${file}: no such snapshot file`);
  const { checkSnapshotFile } = await import("../../ops/etcd-snapshot.js");
  const check = await checkSnapshotFile(file);
  if (!check.ok && !opts.skipHashCheck)
    throw new UserError(`${file} failed its integrity check: ${check.problem}`, {
      hint: "pass --skip-hash-check only for a database file copied from a data dir",
    });
  const { prepareEtcdRestore } = await import("../../ops/etcd-restore/run.js");
  const options = {
    file,
    ...(opts.wipe ? { wipe: true } : {}),
    ...(opts.node ? { node: opts.node } : {}),
    ...(opts.skipHashCheck ? { skipHashCheck: true } : {}),
  };
  return runOperation<PreparedOperation>(io, {
    operation: "etcd restore",
    flags: opts,
    question: "Replace etcd on every control plane with this snapshot?",
    prepare: async (access) => prepareEtcdRestore(access, options),
    show: (p, access) => describePlan(p.plan, access.simulated),
    refuse: (p) => refusePlan(p.plan, "restore etcd"),
    nothingToDo: () => "",
    report: (_p, result, access, format) =>
      format === "text" && result.ok
        ? `etcd restored from ${file}${access.simulated ? " (SIMULATED on the twin)" : ""}\n`
        : "",
    failed: (result) =>
      new CairnError("etcd-restore", `restore halted at ${result.failed?.id}: ${result.failed?.error}`, {
        hint: /live etcd member/.test(result.failed?.error ?? "")
          ? "nothing was reset; pass --wipe to replace the live etcd data on every control plane with the snapshot"
          : "fix the cause and run the same command again: finished steps are not repeated",
      }),
  });
}

export async function runBackupManifestCommand(opts: { file: string }, io: Io): Promise<number> {
  const { requireModel } = await import("../../clusterspec/load.js");
  const { renderEtcdBackup } = await import("../../addons/etcd-backup/render.js");
  const { model } = requireModel(opts.file);
  if (!model.spec.addons.etcdBackup)
    throw new UserError(`${opts.file} has no addons.etcdBackup`, {
      hint: "add addons.etcdBackup with an s3 endpoint and bucket",
    });
  const r = renderEtcdBackup(model);
  io.out(r.objects.map((o) => stringify(o.object)).join("---\n"));
  for (const n of r.notes) io.err(`note: ${n}\n`);
  for (const p of r.talosPatches)
    io.err(
      `note: cairn's ${p.roles.join(" and ")} configs carry this patch (${p.reason}):\n${stringify(p.patch).replace(/^/gm, "  ")}`,
    );
  return 0;
}
