// Rancher's local-path-provisioner (rancher/local-path-provisioner releases; it publishes manifests, not a Helm
// repository, so cairn renders its objects itself) and the busybox image its helper pods create and remove volume
// folders with.
export const LOCAL_PATH_IMAGE = "docker.io/rancher/local-path-provisioner:v0.0.32";
export const HELPER_IMAGE = "docker.io/library/busybox:1.37.0";
