// `cairn etcd restore FILE`: the restore plan run through the engine, in this process or behind the CLI.
import type { AnyEngineEvent, Plan, RunResult } from "../../engine/types.js";
import type { ClusterAccess } from "../access.js";
import { executeOperation, type ExecuteOptions, type PreparedOperation } from "../operation.js";
import { restoreHandlers } from "./handlers.js";
import { planEtcdRestore, type RestoreOptions } from "./plan.js";

export function prepareEtcdRestore(access: ClusterAccess, options: RestoreOptions): PreparedOperation {
  const plan = planEtcdRestore(access.model, options);
  return { plan, handlers: restoreHandlers(access), concurrency: Math.max(4, plan.actions.length) };
}

export async function runEtcdRestore(
  access: ClusterAccess,
  options: RestoreOptions &
    Omit<ExecuteOptions, "writeArtefacts"> & { onEvent?: (e: AnyEngineEvent) => void },
): Promise<{ plan: Plan; result: RunResult }> {
  const prepared = prepareEtcdRestore(access, options);
  return { plan: prepared.plan, result: await executeOperation(access, prepared, options) };
}
