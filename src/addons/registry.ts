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
import { knative } from "./knative/index.js";
import { gatekeeper } from "./gatekeeper/index.js";
import { crossplane } from "./crossplane/index.js";
import { secrets } from "./secrets/index.js";
import { powerdns } from "./powerdns/index.js";
import { tenants } from "./tenants/index.js";
import { coredns } from "./coredns/index.js";
import { spegel } from "./spegel/index.js";
import { cephCsi } from "./ceph-csi/index.js";
import { rookCeph } from "./rook-ceph/index.js";
import { localPath } from "./local-path/index.js";
import { kubePrometheusStack } from "./kube-prometheus-stack/index.js";
import { opentelemetryCollector } from "./opentelemetry-collector/index.js";
import { charts } from "./charts/index.js";

export const ADDONS: readonly Addon[] = [
  gatewayApi,
  cilium,
  coredns,
  kubeVip,
  metallb,
  certManager,
  traefik,
  ingressNginx,
  spegel,
  cephCsi,
  rookCeph,
  localPath,
  kubePrometheusStack,
  opentelemetryCollector,
  flux,
  etcdBackup,
  knative,
  gatekeeper,
  crossplane,
  secrets,
  powerdns,
  tenants,
  charts,
];
