// The `cairn etcd restore` plan: the snapshot proven (and, with --wipe, the live data saved) before anything else;
// one control plane out of the old cluster with an empty etcd, the snapshot uploaded to it and bootstrapped from
// until its member is healthy; only then the others reset and joined to it. A snapshot that fails its check blocks
// the plan outright. Pure.
import type { Action, Plan } from "../../engine/types.js";
import type { Model } from "../../clusterspec/model.js";

const RESTORE_OPERATION = "etcd restore";

export interface RestoreOptions {
  file: string;
  /** Allow wiping etcd on control planes that still have a member (a live cluster is replaced by the snapshot). */
  wipe?: boolean;
  /** The control plane that bootstraps from the snapshot (default the first of the spec). */
  node?: string;
  timeoutMs?: number;
  /** Snapshot taken by copying the db file (not a Snapshot API stream): skip its hash check (never the structure). */
  skipHashCheck?: boolean;
}

/** What the caller found reading the snapshot (the planner stays pure): a problem blocks the plan. */
export interface SnapshotVerdict {
  ok: boolean;
  problem?: string;
}

export function planEtcdRestore(model: Model, options: RestoreOptions, snapshot?: SnapshotVerdict): Plan {
  const cps = model.nodes.filter((n) => n.role === "controlplane").map((n) => n.name);
  const blockers: string[] = [];
  if (snapshot && !snapshot.ok)
    blockers.push(`${options.file} cannot be restored: ${snapshot.problem ?? "it failed its check"}`);
  const first = options.node ?? cps[0];
  if (!cps.length) blockers.push("the spec has no control plane");
  if (options.node && !cps.includes(options.node)) blockers.push(`${options.node} is not a control plane`);
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const verify: Action = {
    id: "etcd-restore:verify",
    kind: "etcd-restore",
    title: options.wipe
      ? "the snapshot proven a whole etcd database, the bootstrapping control plane answers; the data etcd holds now saved first"
      : "the snapshot proven a whole etcd database, the bootstrapping control plane answers",
    dependsOn: [],
    params: {
      step: "verify",
      file: options.file,
      wipe: options.wipe === true,
      skipHashCheck: options.skipHashCheck === true,
      ...(first ? { target: first } : {}),
    },
    timeoutMs,
  };
  const actions: Action[] = [verify];
  if (first) {
    // The one that bootstraps first: it alone leaves the old cluster (or is reset when it cannot), so the others
    // keep the data until the snapshot's member is healthy; only then are they reset and joined to it.
    const prepareFirst = `etcd-restore:prepare:${first}`;
    const recover = `etcd-restore:recover:${first}`;
    actions.push({
      id: prepareFirst,
      kind: "etcd-restore",
      node: first,
      title: `${first}: configured and running with an empty etcd (out of the old cluster)`,
      dependsOn: [verify.id],
      params: { step: "prepare", node: first, wipe: options.wipe === true },
      timeoutMs,
    });
    actions.push({
      id: recover,
      kind: "etcd-restore",
      node: first,
      title: `${first}: upload the snapshot (EtcdRecover), Bootstrap{recover_etcd}, its member healthy`,
      dependsOn: [prepareFirst],
      params: {
        step: "recover",
        node: first,
        file: options.file,
        skipHashCheck: options.skipHashCheck === true,
      },
      timeoutMs,
    });
    const others: Action[] = cps
      .filter((cp) => cp !== first)
      .map((cp) => ({
        id: `etcd-restore:prepare:${cp}`,
        kind: "etcd-restore",
        node: cp,
        title: `${cp}: configured, out of the old cluster, joining the restored one`,
        dependsOn: [recover],
        params: { step: "prepare", node: cp, wipe: options.wipe === true, target: first },
        timeoutMs,
      }));
    actions.push(...others, {
      id: "gate:etcd-restored",
      kind: "gate",
      title: `every control plane back in etcd (${cps.length} members)`,
      dependsOn: [recover, ...others.map((a) => a.id)],
      params: { check: "etcd", controlPlanes: cps },
      timeoutMs,
    });
  }
  return { operation: RESTORE_OPERATION, actions, blockers, warnings: [] };
}
