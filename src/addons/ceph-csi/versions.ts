// ceph-csi's RBD chart from the project's Helm repository (ceph/ceph-csi charts/ceph-csi-rbd, published to
// https://ceph.github.io/csi-charts); 3.15 runs on the Kubernetes releases Talos 1.8–1.13 ship.
export const CEPH_CSI_RBD_CHART = {
  name: "ceph-csi-rbd",
  version: "3.15.0",
  repository: "https://ceph.github.io/csi-charts",
};
