// addons.storage for the storage types as a whole (one check, here, so it runs once): the type's own settings are
// refused on other types, types cairn does not render are named, and an external Ceph needs its cluster's facts.
import { error, warning, type Finding } from "../../findings.js";
import { RENDERED_STORAGE_TYPES } from "../shared-sections.js";
import type { AddonSpecView } from "../types.js";

const P = ["addons", "storage"] as const;

export function checkCephCsi(spec: AddonSpecView): Finding[] {
  const s = spec.addons.storage;
  if (!s) return [];
  const out: Finding[] = [];
  if (!(RENDERED_STORAGE_TYPES as readonly string[]).includes(s.type))
    out.push(
      warning(
        "addons.not-rendered",
        [...P, "type"],
        `storage type ${s.type} is checked but not installed yet: cairn renders nothing for it`,
        `use ${RENDERED_STORAGE_TYPES.join(", ")} to have cairn install the storage`,
      ),
    );
  if (s.type === "ceph-csi" && !s.ceph)
    out.push(
      error(
        "addons.ceph-csi-cluster",
        [...P, "ceph"],
        "storage type ceph-csi needs the external Ceph cluster: ceph.clusterID, ceph.monitors and ceph.pool",
        "add ceph: { clusterID: <ceph fsid>, monitors: [host:6789, …], pool: <rbd pool> }",
      ),
    );
  if (s.ceph && s.type !== "ceph-csi")
    out.push(
      error(
        "addons.storage-field",
        [...P, "ceph"],
        `ceph describes an external Ceph cluster for type ceph-csi, but the type is ${s.type}`,
        "remove ceph, or set type: ceph-csi",
      ),
    );
  if (s.rook && s.type !== "rook-ceph")
    out.push(
      error(
        "addons.storage-field",
        [...P, "rook"],
        `rook configures Rook-Ceph, but the storage type is ${s.type}`,
        "remove rook, or set type: rook-ceph",
      ),
    );
  if (s.network !== undefined && (s.type === "ceph-csi" || s.type === "local-path"))
    out.push(
      warning(
        "addons.storage-field",
        [...P, "network"],
        `type ${s.type} has no use for a dedicated storage network: it is ignored (rook-ceph puts Ceph's replication there)`,
        "remove network",
      ),
    );
  if (s.nfs && s.type !== "nfs")
    out.push(
      error(
        "addons.storage-field",
        [...P, "nfs"],
        `nfs describes an NFS export for type nfs, but the type is ${s.type}`,
        "remove nfs, or set type: nfs",
      ),
    );
  s.ceph?.monitors.forEach((m, i) => {
    if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(m) && !/^[A-Za-z0-9.-]+$/.test(m))
      out.push(
        error(
          "addons.ceph-monitor",
          [...P, "ceph", "monitors", i],
          `monitor ${m} is not host:port`,
          "write it like 10.30.30.10:6789 (msgr v1) or 10.30.30.10:3300 (msgr v2)",
        ),
      );
  });
  return out;
}
