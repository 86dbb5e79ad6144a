// local-path binds each volume to the node it was created on; on Talos 1.14 the kubelet's extra mounts are gone
// (user volumes replace them), which cairn does not render yet: validate says so.
import { warning, type Finding } from "../../findings.js";
import { compareTalos } from "../spec-facts.js";
import type { AddonSpecView } from "../types.js";

export function checkLocalPath(spec: AddonSpecView): Finding[] {
  if (spec.addons.storage?.type !== "local-path") return [];
  const out: Finding[] = [];
  if (compareTalos(spec.talos.version, "1.14") >= 0)
    out.push(
      warning(
        "addons.local-path-talos",
        ["addons", "storage", "type"],
        `local-path needs the kubelet to see /var/local-path-provisioner as a shared bind mount, which cairn cannot yet write for Talos ${spec.talos.version} (1.14 has no machine.kubelet.extraMounts): volumes with subPath misbehave until you add it`,
        "give the kubelet that mount the way Talos 1.14 takes it (a user volume), or use Talos 1.13",
      ),
    );
  if (spec.nodes.length > 1)
    out.push(
      warning(
        "addons.local-path-nodes",
        ["addons", "storage", "type"],
        `local-path volumes live on one node's disk: on this ${spec.nodes.length}-node cluster a pod is pinned to the node its volume was made on, and the data is lost with that node`,
        "use ceph-csi or rook-ceph for volumes that survive a node",
      ),
    );
  return out;
}
