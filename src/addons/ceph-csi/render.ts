// ceph-csi RBD against an external Ceph: the chart's provisioner and node plugin in a privileged namespace (the node
// plugin maps RBD images on the host), the cluster's monitors in the chart's csiConfig, and cairn's own StorageClass
// naming the Secret the user creates. The Talos facts: rbd is built into the Talos kernel (it never shows in
// /proc/modules, talos#10067), so there is no module to load; and /etc is read-only on Talos, so the chart must not
// mount the host's /etc/selinux (selinuxMount, ceph-csi#2876).
import { namespace } from "../objects.js";
import { emptyOutput, type AddonContext, type AddonOutput, type K8sObject } from "../types.js";
import { CEPH_CSI_RBD_CHART } from "./versions.js";

const CEPH_CSI_NAMESPACE = "ceph-csi-rbd";
const CEPH_RBD_PROVISIONER = "rbd.csi.ceph.com";
const DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class";

export function renderCephCsi(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const s = ctx.spec.addons.storage!;
  const ceph = s.ceph!;
  const className = s.className ?? "ceph-rbd";
  out.objects.push({ layer: "controllers", object: namespace(CEPH_CSI_NAMESPACE, { privileged: true }) });
  out.releases.push({
    name: "ceph-csi-rbd",
    namespace: CEPH_CSI_NAMESPACE,
    chart: { ...CEPH_CSI_RBD_CHART },
    values: {
      csiConfig: [{ clusterID: ceph.clusterID, monitors: [...ceph.monitors] }],
      selinuxMount: false,
      provisioner: { replicaCount: Math.min(2, ctx.nodes.length) },
      // The StorageClass is cairn's (configs layer) and the credentials are the user's Secret.
      storageClass: { create: false },
      secret: { create: false },
    },
    dependsOn: ctx.spec.addons.cni?.type === "cilium" ? ["cilium"] : [],
  });
  const secret = (what: string) => ({
    [`csi.storage.k8s.io/${what}-secret-name`]: ceph.secretName,
    [`csi.storage.k8s.io/${what}-secret-namespace`]: CEPH_CSI_NAMESPACE,
  });
  const storageClass: K8sObject = {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: className, ...(s.defaultClass ? { annotations: { [DEFAULT_CLASS]: "true" } } : {}) },
    provisioner: CEPH_RBD_PROVISIONER,
    parameters: {
      clusterID: ceph.clusterID,
      pool: ceph.pool,
      // The feature set every kernel RBD client maps.
      imageFeatures: "layering",
      ...secret("provisioner"),
      ...secret("controller-expand"),
      ...secret("node-stage"),
      "csi.storage.k8s.io/fstype": ceph.fsType,
    },
    reclaimPolicy: "Delete",
    allowVolumeExpansion: true,
    volumeBindingMode: "Immediate",
  };
  out.objects.push({ layer: "configs", object: storageClass });
  out.notes.push(
    `create the Secret ${CEPH_CSI_NAMESPACE}/${ceph.secretName} with keys userID and userKey (a Ceph client allowed to use pool ${ceph.pool}, e.g. \`ceph auth get-or-create client.kubernetes mon 'profile rbd' osd 'profile rbd pool=${ceph.pool}'\`)`,
  );
  return out;
}
