// ceph-csi RBD: volumes from an external Ceph cluster (addons.storage type ceph-csi), e.g. the Proxmox hosts' own.
import type { Addon } from "../types.js";
import { checkCephCsi } from "./checks.js";
import { renderCephCsi } from "./render.js";
import { sections } from "./schema.js";
import { CEPH_CSI_RBD_CHART } from "./versions.js";

export const cephCsi: Addon = {
  name: "ceph-csi",
  sections,
  enabled: (spec) => spec.addons.storage?.type === "ceph-csi",
  versions: () => [
    {
      component: "ceph-csi-rbd chart",
      version: CEPH_CSI_RBD_CHART.version,
      source: CEPH_CSI_RBD_CHART.repository,
    },
  ],
  check: checkCephCsi,
  render: renderCephCsi,
};
