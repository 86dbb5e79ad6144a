// The handlers `cairn apply` runs, bound to one ClusterAccess.
import type { ActionHandlers } from "../engine/types.js";
import type { ClusterAccess } from "./access.js";
import { applyConfigHandler } from "./handlers/apply-config.js";
import { bootstrapHandler } from "./handlers/bootstrap.js";
import { deprovisionHandler } from "./handlers/deprovision.js";
import { etcdRemoveMemberHandler } from "./handlers/etcd-remove-member.js";
import { fetchKubeconfigHandler } from "./handlers/fetch-kubeconfig.js";
import { healthGateHandler } from "./handlers/health-gate.js";
import { provisionHandler } from "./handlers/provision.js";
import { resetHandler } from "./handlers/reset.js";
import { waitEtcdHandler } from "./handlers/wait-etcd.js";
import { waitKubernetesHandler } from "./handlers/wait-kubernetes.js";
import { waitSecureHandler } from "./handlers/wait-secure.js";

export function applyHandlers(access: ClusterAccess): ActionHandlers {
  return {
    provision: provisionHandler(access),
    "apply-config": applyConfigHandler(access),
    "wait-secure": waitSecureHandler(access),
    bootstrap: bootstrapHandler(access),
    "wait-etcd": waitEtcdHandler(access),
    "wait-kubernetes": waitKubernetesHandler(access),
    "fetch-kubeconfig": fetchKubeconfigHandler(access),
    "health-gate": healthGateHandler(access),
    reset: resetHandler(access),
    "etcd-remove-member": etcdRemoveMemberHandler(access),
    deprovision: deprovisionHandler(access),
  };
}
