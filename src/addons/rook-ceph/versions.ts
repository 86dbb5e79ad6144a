// Rook's operator and cluster charts from its release Helm repository (Talos docs "Ceph with Rook": rook-release/
// rook-ceph and rook-ceph-cluster). Both charts carry the same version; 1.18 supports Kubernetes 1.29–1.34.
const ROOK_VERSION = "v1.18.2";
const ROOK_REPOSITORY = "https://charts.rook.io/release";
export const ROOK_OPERATOR_CHART = { name: "rook-ceph", version: ROOK_VERSION, repository: ROOK_REPOSITORY };
export const ROOK_CLUSTER_CHART = {
  name: "rook-ceph-cluster",
  version: ROOK_VERSION,
  repository: ROOK_REPOSITORY,
};
