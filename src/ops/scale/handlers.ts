// The scale-down steps: a graceful reset, then making sure a removed control plane left etcd.
import type { ActionHandlers } from "../../engine/types.js";
import type { ClusterAccess } from "../access.js";
import { etcdRemoveMemberHandler } from "./etcd-remove-member.js";
import { resetHandler } from "./reset.js";

export function scaleHandlers(access: ClusterAccess): ActionHandlers {
  return { reset: resetHandler(access), "etcd-remove-member": etcdRemoveMemberHandler(access) };
}
