// Rook-Ceph: the dedicated network must exist and reach every node that runs OSDs, and Ceph's default pools keep
// three replicas on three different hosts.
import { error, warning, type Finding } from "../../findings.js";
import type { AddonSpecView } from "../types.js";
import { storageNodes } from "./render.js";

const P = ["addons", "storage"] as const;

export function checkRookCeph(spec: AddonSpecView): Finding[] {
  const s = spec.addons.storage;
  if (s?.type !== "rook-ceph") return [];
  const out: Finding[] = [];
  const nodes = storageNodes(spec);
  if (s.network !== undefined) {
    const net = spec.networks[s.network];
    // A network the spec does not have, or one that does not carry storage, is the cluster spec's own finding
    // (addons.unknown-network, addons.storage-network-role).
    if (net) {
      const missing = nodes.filter((n) => !n.interfaces.some((i) => i.network === s.network));
      if (missing.length)
        out.push(
          error(
            "addons.storage-network",
            [...P, "network"],
            `OSDs run on ${missing.map((n) => n.name).join(", ")}, which ${missing.length === 1 ? "has" : "have"} no interface on network ${s.network}`,
            `give every storage node an interface on ${s.network}`,
          ),
        );
    }
  }
  if (nodes.length > 0 && nodes.length < 3)
    out.push(
      warning(
        "addons.rook-ceph-hosts",
        [...P, "type"],
        `Rook's default block pool keeps 3 replicas on 3 hosts, but only ${nodes.length} node${nodes.length === 1 ? "" : "s"} run${nodes.length === 1 ? "s" : ""} OSDs: volumes would never become healthy`,
        "use 3 or more storage nodes, or ceph-csi/local-path on a smaller cluster",
      ),
    );
  return out;
}
