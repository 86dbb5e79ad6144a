// The bootstrap Job: what must run before Flux can (the CNI, the CRDs the CNI needs, Flux itself), without helm
// or kubectl on the operator's machine. Talos applies it from the control planes' inline manifests right after
// etcd is bootstrapped. No CNI exists yet, so the pod runs on the host network of a control plane, tolerates every
// taint (the node is NotReady until the CNI is up) and reaches the API server through KubePrism on
// localhost:7445, the load balancer Talos runs on every node. Each add-on contributes a step (a container); the
// steps run in order as init containers, the last one as the main container.
//
// The Job is kept after it completes, on purpose: Talos re-creates missing inline-manifest objects on every boot,
// so a Job deleted by a TTL would run the whole installation again.
import type { BootstrapStep, InlineManifest, K8sObject } from "./types.js";

const BOOTSTRAP_NAME = "cairn-bootstrap";
const BOOTSTRAP_NAMESPACE = "kube-system";
/** Where the steps find their files (the ConfigMap's keys). */
export const BOOTSTRAP_FILES = "/etc/cairn-bootstrap";
export const KUBEPRISM = { host: "localhost", port: 7445 } as const;

const LABELS = { "app.kubernetes.io/name": BOOTSTRAP_NAME, "app.kubernetes.io/managed-by": "cairn" };

export function bootstrapManifest(steps: readonly BootstrapStep[]): InlineManifest | undefined {
  if (!steps.length) return undefined;
  const ordered = [...steps].sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
  const files: Record<string, string> = {};
  for (const s of ordered)
    for (const [k, v] of Object.entries(s.files ?? {})) {
      if (files[k] !== undefined && files[k] !== v)
        throw new Error(`bootstrap steps disagree about the file ${k}`);
      files[k] = v;
    }
  const meta = { name: BOOTSTRAP_NAME, namespace: BOOTSTRAP_NAMESPACE, labels: { ...LABELS } };
  const container = (s: BootstrapStep) => ({
    name: s.name,
    image: s.image,
    imagePullPolicy: "IfNotPresent",
    command: [...s.command],
    env: [
      { name: "KUBERNETES_SERVICE_HOST", value: KUBEPRISM.host },
      { name: "KUBERNETES_SERVICE_PORT", value: String(KUBEPRISM.port) },
      { name: "HOME", value: "/tmp" },
      ...Object.entries(s.env ?? {}).map(([name, value]) => ({ name, value })),
    ],
    volumeMounts: [
      { name: "files", mountPath: BOOTSTRAP_FILES, readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
    ],
  });
  const objects: K8sObject[] = [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: BOOTSTRAP_NAME, labels: { ...LABELS } },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name: BOOTSTRAP_NAME, namespace: BOOTSTRAP_NAMESPACE }],
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: meta, data: files },
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: meta,
      spec: {
        backoffLimit: 10,
        template: {
          metadata: { labels: { ...LABELS } },
          spec: {
            restartPolicy: "OnFailure",
            serviceAccountName: BOOTSTRAP_NAME,
            hostNetwork: true,
            // No cluster DNS before the CNI: resolve chart and image hosts with the node's resolver.
            dnsPolicy: "Default",
            priorityClassName: "system-cluster-critical",
            nodeSelector: { "node-role.kubernetes.io/control-plane": "" },
            tolerations: [{ operator: "Exists" }],
            ...(ordered.length > 1 ? { initContainers: ordered.slice(0, -1).map(container) } : {}),
            containers: [container(ordered.at(-1)!)],
            volumes: [
              { name: "files", configMap: { name: BOOTSTRAP_NAME } },
              { name: "tmp", emptyDir: {} },
            ],
          },
        },
      },
    },
  ];
  return { name: BOOTSTRAP_NAME, objects };
}
