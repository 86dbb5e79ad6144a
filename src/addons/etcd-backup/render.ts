// Scheduled etcd backups (moved here from ops/etcd-backup.ts): a CronJob running talos-backup (an EtcdSnapshot
// through the Talos API from inside the cluster, age-encrypted, uploaded to S3), the Talos ServiceAccount that
// grants it the os:etcd:backup role, and the control-plane patch that lets pods reach the Talos API with that role.
// Credentials are never rendered: the CronJob reads them from a Secret the user creates (named in the notes).
import { emptyOutput, type AddonContext, type AddonOutput, type K8sObject } from "../types.js";
import { TALOS_BACKUP_IMAGE } from "./versions.js";

export const BACKUP_NAMESPACE = "kube-system";
export const BACKUP_SECRET = "etcd-backup-s3";

const LABELS = { "app.kubernetes.io/name": "talos-backup", "app.kubernetes.io/managed-by": "cairn" };

export function renderEtcdBackup(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const b = ctx.spec.addons.etcdBackup!;
  const secretEnv = (name: string, key: string): Record<string, unknown> => ({
    name,
    valueFrom: { secretKeyRef: { name: BACKUP_SECRET, key } },
  });
  const cronJob: K8sObject = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "talos-etcd-backup", namespace: BACKUP_NAMESPACE, labels: { ...LABELS } },
    spec: {
      schedule: b.schedule,
      concurrencyPolicy: "Forbid",
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: { ...LABELS } },
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 1800,
          template: {
            metadata: { labels: { ...LABELS } },
            spec: {
              restartPolicy: "OnFailure",
              // The Talos API is reached through the control planes; run there and tolerate their taint.
              nodeSelector: { "node-role.kubernetes.io/control-plane": "" },
              tolerations: [
                { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
              ],
              containers: [
                {
                  name: "talos-backup",
                  image: TALOS_BACKUP_IMAGE,
                  imagePullPolicy: "IfNotPresent",
                  command: ["/talos-backup"],
                  workingDir: "/tmp",
                  env: [
                    secretEnv("AWS_ACCESS_KEY_ID", "accessKeyId"),
                    secretEnv("AWS_SECRET_ACCESS_KEY", "secretAccessKey"),
                    // Snapshots hold every Kubernetes Secret: encrypted to an age recipient before upload.
                    secretEnv("AGE_X25519_PUBLIC_KEY", "ageRecipient"),
                    { name: "AWS_REGION", value: b.s3.region },
                    { name: "CUSTOM_S3_ENDPOINT", value: b.s3.endpoint },
                    { name: "BUCKET", value: b.s3.bucket },
                    { name: "CLUSTER_NAME", value: ctx.name },
                    { name: "S3_PREFIX", value: `etcd/${ctx.name}` },
                    { name: "USE_PATH_STYLE", value: "true" },
                  ],
                  securityContext: {
                    runAsUser: 1000,
                    runAsGroup: 1000,
                    runAsNonRoot: true,
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                  },
                  resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                  volumeMounts: [
                    { name: "tmp", mountPath: "/tmp" },
                    { name: "talos-secrets", mountPath: "/var/run/secrets/talos.dev" },
                  ],
                },
              ],
              volumes: [
                { name: "tmp", emptyDir: {} },
                { name: "talos-secrets", secret: { secretName: "talos-backup-secrets" } },
              ],
            },
          },
        },
      },
    },
  };
  // Talos turns this into a Secret "talos-backup-secrets" holding a client certificate with only these roles.
  const talosServiceAccount: K8sObject = {
    apiVersion: "talos.dev/v1alpha1",
    kind: "ServiceAccount",
    metadata: { name: "talos-backup-secrets", namespace: BACKUP_NAMESPACE, labels: { ...LABELS } },
    spec: { roles: ["os:etcd:backup"] },
  };
  out.objects.push({ layer: "configs", object: talosServiceAccount }, { layer: "configs", object: cronJob });
  out.talosPatches.push({
    roles: ["controlplane"],
    reason: "etcd backups: pods in kube-system may reach the Talos API with the os:etcd:backup role",
    patch: {
      machine: {
        features: {
          kubernetesTalosAPIAccess: {
            enabled: true,
            allowedRoles: ["os:etcd:backup"],
            allowedKubernetesNamespaces: [BACKUP_NAMESPACE],
          },
        },
      },
    },
  });
  out.notes.push(
    `create the Secret ${BACKUP_NAMESPACE}/${BACKUP_SECRET} with keys accessKeyId, secretAccessKey and ageRecipient (an age X25519 public key)`,
    `backups go to s3://${b.s3.bucket}/etcd/${ctx.name}/ at ${b.s3.endpoint} on "${b.schedule}"`,
  );
  return out;
}
