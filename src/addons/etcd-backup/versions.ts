// siderolabs' talos-backup: takes an etcd snapshot through the Talos API from inside the cluster and uploads it.
export const TALOS_BACKUP_IMAGE = "ghcr.io/siderolabs/talos-backup:v0.1.0-beta.3";
