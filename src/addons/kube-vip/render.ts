// kube-vip holding the Kubernetes API address (controlPlane.vip type kube-vip) instead of Talos' machine-config VIP:
// a DaemonSet on the control planes, on the host network, leader-elected through a Lease, announcing the address by
// ARP. It must work before the address does, so it reaches the API server through KubePrism (localhost:7445), and
// Talos applies it at bootstrap from the control planes' inline manifests; the same objects in the GitOps tree let
// Flux own later changes (Talos never updates objects it created).
import { KUBEPRISM } from "../bootstrap.js";
import { CONTROL_PLANE_LABEL } from "../spec-facts.js";
import { emptyOutput, type AddonContext, type AddonOutput, type K8sObject } from "../types.js";
import { vipLinks } from "./checks.js";
import { KUBE_VIP_IMAGE } from "./versions.js";

const NAME = "kube-vip";
const NAMESPACE = "kube-system";
const LABELS = { "app.kubernetes.io/name": NAME, "app.kubernetes.io/managed-by": "cairn" };

function kubeVipObjects(ctx: AddonContext): K8sObject[] {
  const vip = ctx.spec.controlPlane.vip!;
  const link = vipLinks(ctx.spec)[0]?.link ?? "eth0";
  const env: Record<string, string> = {
    vip_arp: "true",
    // The API server port on the control planes (Talos: 6443).
    port: "6443",
    vip_interface: link,
    vip_cidr: vip.address.includes(":") ? "128" : "32",
    cp_enable: "true",
    cp_namespace: NAMESPACE,
    svc_enable: "false",
    vip_leaderelection: "true",
    vip_leasename: "plndr-cp-lock",
    vip_leaseduration: "5",
    vip_renewdeadline: "3",
    vip_retryperiod: "1",
    address: vip.address,
    KUBERNETES_SERVICE_HOST: KUBEPRISM.host,
    KUBERNETES_SERVICE_PORT: String(KUBEPRISM.port),
  };
  return [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: NAME, namespace: NAMESPACE, labels: { ...LABELS } },
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: NAME, labels: { ...LABELS } },
      rules: [
        { apiGroups: [""], resources: ["services/status"], verbs: ["update"] },
        { apiGroups: [""], resources: ["services", "endpoints"], verbs: ["list", "get", "watch", "update"] },
        { apiGroups: [""], resources: ["nodes"], verbs: ["list", "get", "watch", "update", "patch"] },
        {
          apiGroups: ["coordination.k8s.io"],
          resources: ["leases"],
          verbs: ["list", "get", "watch", "update", "create"],
        },
        {
          apiGroups: ["discovery.k8s.io"],
          resources: ["endpointslices"],
          verbs: ["list", "get", "watch", "update"],
        },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: NAME, labels: { ...LABELS } },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: NAME },
      subjects: [{ kind: "ServiceAccount", name: NAME, namespace: NAMESPACE }],
    },
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: NAME, namespace: NAMESPACE, labels: { ...LABELS } },
      spec: {
        selector: { matchLabels: { "app.kubernetes.io/name": NAME } },
        template: {
          metadata: { labels: { ...LABELS } },
          spec: {
            serviceAccountName: NAME,
            hostNetwork: true,
            priorityClassName: "system-node-critical",
            nodeSelector: { [CONTROL_PLANE_LABEL]: "" },
            tolerations: [{ operator: "Exists" }],
            containers: [
              {
                name: NAME,
                image: KUBE_VIP_IMAGE,
                imagePullPolicy: "IfNotPresent",
                args: ["manager"],
                env: Object.entries(env).map(([name, value]) => ({ name, value })),
                securityContext: { capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
              },
            ],
          },
        },
      },
    },
  ];
}

export function renderKubeVip(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const objects = kubeVipObjects(ctx);
  out.inlineManifests.push({ name: NAME, objects });
  for (const object of objects) out.objects.push({ layer: "controllers", object });
  return out;
}
