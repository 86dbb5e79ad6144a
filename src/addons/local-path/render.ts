// local-path-provisioner on Talos: Talos' /opt is read-only, so volumes live under /var/local-path-provisioner, and
// the kubelet gets that folder as a shared bind mount (Talos docs "Local Storage" up to v1.9) so subPath mounts see
// the same files as the helper pods that create them. The namespace is privileged: the helper pods mount host paths.
import { namespace } from "../objects.js";
import { CONTROL_PLANE_LABEL, compareTalos } from "../spec-facts.js";
import { emptyOutput, type AddonContext, type AddonOutput, type K8sObject } from "../types.js";
import { HELPER_IMAGE, LOCAL_PATH_IMAGE } from "./versions.js";

const NS = "local-path-storage";
const NAME = "local-path-provisioner";
const SA = "local-path-provisioner-service-account";
const CONFIG = "local-path-config";
const LOCAL_PATH_DIR = "/var/local-path-provisioner";
const LOCAL_PATH_PROVISIONER = "rancher.io/local-path";
const LABELS = { "app.kubernetes.io/name": NAME, "app.kubernetes.io/managed-by": "cairn" };

export function renderLocalPath(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const s = ctx.spec.addons.storage!;
  const meta = (name: string) => ({ name, namespace: NS, labels: { ...LABELS } });
  const helperPod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "helper-pod" },
    spec: {
      priorityClassName: "system-node-critical",
      tolerations: [{ key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" }],
      containers: [{ name: "helper-pod", image: HELPER_IMAGE, imagePullPolicy: "IfNotPresent" }],
    },
  };
  const objects: K8sObject[] = [
    namespace(NS, { privileged: true }),
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(SA) },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: NAME, labels: { ...LABELS } },
      rules: [
        {
          apiGroups: [""],
          resources: ["nodes", "persistentvolumeclaims", "configmaps"],
          verbs: ["get", "list", "watch"],
        },
        { apiGroups: [""], resources: ["endpoints", "persistentvolumes", "pods"], verbs: ["*"] },
        { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
        { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list", "watch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: NAME, labels: { ...LABELS } },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: NAME },
      subjects: [{ kind: "ServiceAccount", name: SA, namespace: NS }],
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta(CONFIG),
      data: {
        "config.json": JSON.stringify(
          { nodePathMap: [{ node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: [LOCAL_PATH_DIR] }] },
          null,
          2,
        ),
        setup: '#!/bin/sh\nset -eu\nmkdir -m 0777 -p "$VOL_DIR"\n',
        teardown: '#!/bin/sh\nset -eu\nrm -rf "$VOL_DIR"\n',
        "helperPod.yaml": JSON.stringify(helperPod, null, 2),
      },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta(NAME),
      spec: {
        replicas: 1,
        selector: { matchLabels: { "app.kubernetes.io/name": NAME } },
        template: {
          metadata: { labels: { ...LABELS } },
          spec: {
            serviceAccountName: SA,
            // A single node is a control plane: run there even where it keeps its taint.
            tolerations: [{ key: CONTROL_PLANE_LABEL, operator: "Exists", effect: "NoSchedule" }],
            containers: [
              {
                name: NAME,
                image: LOCAL_PATH_IMAGE,
                imagePullPolicy: "IfNotPresent",
                command: [
                  "local-path-provisioner",
                  "--debug",
                  "start",
                  "--config",
                  "/etc/config/config.json",
                ],
                env: [
                  { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                  { name: "CONFIG_MOUNT_PATH", value: "/etc/config/" },
                ],
                volumeMounts: [{ name: "config-volume", mountPath: "/etc/config/" }],
                resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
              },
            ],
            volumes: [{ name: "config-volume", configMap: { name: CONFIG } }],
          },
        },
      },
    },
  ];
  for (const object of objects) out.objects.push({ layer: "controllers", object });
  out.objects.push({
    layer: "configs",
    object: {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: {
        name: s.className ?? "local-path",
        ...(s.defaultClass ? { annotations: { "storageclass.kubernetes.io/is-default-class": "true" } } : {}),
      },
      provisioner: LOCAL_PATH_PROVISIONER,
      // The volume's folder is made on the node the pod is scheduled to.
      volumeBindingMode: "WaitForFirstConsumer",
      reclaimPolicy: "Delete",
    },
  });
  // Talos 1.14 has no machine.kubelet.extraMounts: validate warns, and the mount is left to the user.
  if (compareTalos(ctx.spec.talos.version, "1.14") < 0)
    out.talosPatches.push({
      roles: ["controlplane", "worker"],
      reason: `local-path volumes: the kubelet sees ${LOCAL_PATH_DIR} as a shared bind mount`,
      patch: {
        machine: {
          kubelet: {
            extraMounts: [
              {
                destination: LOCAL_PATH_DIR,
                type: "bind",
                source: LOCAL_PATH_DIR,
                options: ["bind", "rshared", "rw"],
              },
            ],
          },
        },
      },
    });
  return out;
}
