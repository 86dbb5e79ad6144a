// Rook-Ceph: a Ceph cluster inside Kubernetes on the nodes' spare disks (addons.storage type rook-ceph), with its
// replication traffic on a dedicated network when the spec names one.
import type { Addon } from "../types.js";
import { checkRookCeph } from "./checks.js";
import { renderRookCeph } from "./render.js";
import { sections } from "./schema.js";
import { ROOK_CLUSTER_CHART, ROOK_OPERATOR_CHART } from "./versions.js";

export const rookCeph: Addon = {
  name: "rook-ceph",
  sections,
  enabled: (spec) => spec.addons.storage?.type === "rook-ceph",
  versions: () =>
    [ROOK_OPERATOR_CHART, ROOK_CLUSTER_CHART].map((c) => ({
      component: `${c.name} chart`,
      version: c.version,
      source: c.repository,
    })),
  check: checkRookCeph,
  render: renderRookCeph,
};
