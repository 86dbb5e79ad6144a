// The scale-down steps: a drain in Kubernetes, a graceful reset, making sure a removed control plane left etcd, and
// deleting the removed node's Node object; the etcd and Kubernetes gates between control-plane removals.
import type { ActionHandlers } from "../../engine/types.js";
import type { ClusterAccess } from "../access.js";
import { deleteNodeHandler, drainHandler } from "./drain.js";
import { etcdRemoveMemberHandler } from "./etcd-remove-member.js";
import { resetHandler } from "./reset.js";
import { gateHandler } from "../gates.js";

export function scaleHandlers(access: ClusterAccess): ActionHandlers {
  return {
    drain: drainHandler(access),
    reset: resetHandler(access),
    "etcd-remove-member": etcdRemoveMemberHandler(access),
    "delete-node": deleteNodeHandler(access),
    // The etcd and Kubernetes gates between control-plane removals.
    gate: gateHandler(access),
  };
}
