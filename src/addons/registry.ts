// Every add-on, one line each. Order is render order: the bootstrap steps and the GitOps tree list them this way.
import type { Addon } from "./types.js";
import { gatewayApi } from "./gateway-api/index.js";
import { cilium } from "./cilium/index.js";
import { kubeVip } from "./kube-vip/index.js";
import { metallb } from "./metallb/index.js";
import { certManager } from "./cert-manager/index.js";
import { traefik } from "./traefik/index.js";
import { ingressNginx } from "./ingress-nginx/index.js";
import { flux } from "./flux/index.js";
import { etcdBackup } from "./etcd-backup/index.js";

export const ADDONS: readonly Addon[] = [
  gatewayApi,
  cilium,
  kubeVip,
  metallb,
  certManager,
  traefik,
  ingressNginx,
  flux,
  etcdBackup,
];
