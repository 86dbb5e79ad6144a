// The `etcd-restore` action (steps "prepare" and "recover" of Talos' recover flow); it lives beside its planner in
// ../etcd-restore.ts and is re-exported here with the other handlers.
export { etcdRestoreHandler } from "../etcd-restore.js";
