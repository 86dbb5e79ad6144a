// Control-plane count: etcd needs a quorum, and a cluster without control planes cannot exist.
import { error, warning, type Finding } from "../../findings.js";
import type { ClusterSpec } from "../schema.js";

export function checkTopology(spec: ClusterSpec): Finding[] {
  const cps = spec.nodes.filter((n) => n.role === "controlplane").length;
  if (cps === 0) {
    return [
      error(
        spec.nodes.length ? "topology.worker-only" : "topology.no-controlplane",
        ["nodes"],
        spec.nodes.length
          ? `all ${spec.nodes.length} nodes are workers; a cluster needs at least one control plane`
          : "the cluster has no nodes; it needs at least one control plane",
        "set `role: controlplane` on one or three nodes",
      ),
    ];
  }
  if (cps % 2 === 0) {
    return [
      warning(
        "topology.even-controlplanes",
        ["nodes"],
        `${cps} control planes tolerate no more failures than ${cps - 1}: etcd quorum is ${cps / 2 + 1}`,
        `use an odd number (${cps - 1} or ${cps + 1})`,
      ),
    ];
  }
  return [];
}
