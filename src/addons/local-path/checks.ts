// local-path binds each volume to the node it was created on; on Talos 1.14 the kubelet's extra mounts are gone
// (user volumes replace them), which cairn does not render yet.
import { error, warning, type Finding } from "../../findings.js";
import { compareTalos } from "../spec-facts.js";
import type { AddonSpecView } from "../types.js";

export function checkLocalPath(spec: AddonSpecView): Finding[] {
  if (spec.addons.storage?.type !== "local-path") return [];
  const out: Finding[] = [];
  if (compareTalos(spec.talos.version, "1.14") >= 0)
    out.push(
      error(
        "addons.local-path-talos",
        ["addons", "storage", "type"],
        `local-path needs a kubelet bind mount of /var/local-path-provisioner, which Talos ${spec.talos.version} no longer takes (1.14 mounts user volumes instead)`,
        "use Talos 1.13 or older with local-path for now",
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
