// The `etcd-snapshot` action: a checked snapshot to params.file from a healthy control plane (or params.node), so
// other plans can take one first (e.g. before an upgrade or a removal). See ../etcd-snapshot.ts.
import type { ActionHandler } from "../../engine/types.js";
import { snapshotEtcd } from "../etcd-snapshot.js";
import type { OpsAccess } from "../upgrade-access.js";

export function etcdSnapshotHandler(access: OpsAccess): ActionHandler {
  return async (action, ctx) => {
    const p = action.params as { file: string; node?: string };
    const r = await snapshotEtcd(access, p.file, { ...(p.node ? { node: p.node } : {}), signal: ctx.signal });
    ctx.progress(
      `${r.size} bytes from ${r.node}, sha256 ${r.sha256.slice(0, 12)}…, checked with ${r.method}`,
    );
  };
}
