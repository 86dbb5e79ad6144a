// `cairn etcd restore FILE`: the restore plan run through the engine, in this process or behind the CLI.
import type { AnyEngineEvent, Plan, RunResult } from "../../engine/types.js";
import type { ClusterAccess } from "../access.js";
import { executeOperation, type ExecuteOptions, type PreparedOperation } from "../operation.js";
import { readFileSync } from "node:fs";
import { brief } from "../support.js";
import { checkSnapshotBytes } from "../etcd-snapshot.js";
import { restoreHandlers, type RestoreHandlerOptions } from "./handlers.js";
import { planEtcdRestore, type RestoreOptions, type SnapshotVerdict } from "./plan.js";

/** Reads and proves the snapshot for the plan (structure always, the hash unless skipped). */
function snapshotVerdict(options: RestoreOptions): SnapshotVerdict {
  let data: Buffer;
  try {
    data = readFileSync(options.file);
  } catch (e) {
    return { ok: false, problem: `cannot read it: ${brief(e)}` };
  }
  const c = checkSnapshotBytes(data, options.skipHashCheck ? { skipHashCheck: true } : {});
  return c.ok ? { ok: true } : { ok: false, problem: c.problem ?? "it failed its check" };
}

export function prepareEtcdRestore(
  access: ClusterAccess,
  options: RestoreOptions & { handlers?: RestoreHandlerOptions },
): PreparedOperation {
  const plan = planEtcdRestore(access.model, options, snapshotVerdict(options));
  return {
    plan,
    handlers: restoreHandlers(access, options.handlers),
    concurrency: Math.max(4, plan.actions.length),
  };
}

export async function runEtcdRestore(
  access: ClusterAccess,
  options: RestoreOptions &
    Omit<ExecuteOptions, "writeArtefacts"> & {
      onEvent?: (e: AnyEngineEvent) => void;
      handlers?: RestoreHandlerOptions;
    },
): Promise<{ plan: Plan; result: RunResult }> {
  const prepared = prepareEtcdRestore(access, options);
  return { plan: prepared.plan, result: await executeOperation(access, prepared, options) };
}
