// Rook-Ceph (Talos docs "Ceph with Rook"): the operator chart and the cluster chart in a privileged rook-ceph
// namespace. With a dedicated network the Ceph daemons use host networking, the public network (clients, the CSI
// driver, monitors) on the nodes' main network and the cluster network (OSD replication and recovery) on the storage
// one, through CephCluster network.addressRanges. Only the block pool and its StorageClass are kept from the cluster
// chart's defaults: the shared filesystem and object store are opt-in workloads of their own. OSDs take the nodes'
// spare raw disks (Talos keeps its install disk).
import { namespace } from "../objects.js";
import { emptyOutput, type AddonContext, type AddonOutput, type AddonSpecView } from "../types.js";
import { ROOK_CLUSTER_CHART, ROOK_OPERATOR_CHART } from "./versions.js";

const ROOK_NAMESPACE = "rook-ceph";

/** The nodes that run OSDs: the workers, or every node when control planes take workloads. */
export function storageNodes(spec: AddonSpecView): AddonSpecView["nodes"] {
  return spec.kubernetes.allowSchedulingOnControlPlanes || spec.nodes.every((n) => n.role === "controlplane")
    ? spec.nodes
    : spec.nodes.filter((n) => n.role === "worker");
}

/** The network of the nodes' main addresses: the first one of the first node, other than the storage network. */
function publicNetwork(spec: AddonSpecView, storage: string): string | undefined {
  const names = Object.keys(spec.networks).filter((n) => n !== storage);
  return (
    names.find((n) => spec.networks[n]!.carries.includes("management")) ??
    spec.nodes[0]?.interfaces.find((i) => i.network !== storage)?.network ??
    names[0]
  );
}

/** The CSI secrets Rook's operator creates in its namespace. */
const rookSecret = (what: string, name: string) => ({
  [`csi.storage.k8s.io/${what}-secret-name`]: name,
  [`csi.storage.k8s.io/${what}-secret-namespace`]: ROOK_NAMESPACE,
});

export function renderRookCeph(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const spec = ctx.spec;
  const s = spec.addons.storage!;
  const dependsOn = spec.addons.cni?.type === "cilium" ? ["cilium"] : [];
  out.objects.push({ layer: "controllers", object: namespace(ROOK_NAMESPACE, { privileged: true }) });
  out.releases.push({
    name: "rook-ceph",
    namespace: ROOK_NAMESPACE,
    chart: { ...ROOK_OPERATOR_CHART },
    values: {
      crds: { enabled: true },
      monitoring: { enabled: spec.addons.observability?.prometheus === true },
    },
    dependsOn,
  });
  const network: Record<string, unknown> = {};
  if (s.network && spec.networks[s.network]) {
    const pub = publicNetwork(spec, s.network);
    network.provider = "host";
    network.addressRanges = {
      ...(pub ? { public: [spec.networks[pub]!.cidr] } : {}),
      cluster: [spec.networks[s.network]!.cidr],
    };
  }
  const className = s.className ?? "ceph-block";
  out.releases.push({
    name: "rook-ceph-cluster",
    namespace: ROOK_NAMESPACE,
    chart: { ...ROOK_CLUSTER_CHART },
    values: {
      operatorNamespace: ROOK_NAMESPACE,
      toolbox: { enabled: true },
      cephClusterSpec: {
        ...(Object.keys(network).length ? { network } : {}),
        mon: { count: Math.min(3, Math.max(1, storageNodes(spec).length)) },
        storage: {
          useAllNodes: true,
          useAllDevices: s.rook?.deviceFilter === undefined,
          ...(s.rook?.deviceFilter !== undefined ? { deviceFilter: s.rook.deviceFilter } : {}),
        },
      },
      // The chart's default block pool, written out so the StorageClass name and default flag are the spec's.
      cephBlockPools: [
        {
          name: "ceph-blockpool",
          spec: { failureDomain: "host", replicated: { size: 3 } },
          storageClass: {
            enabled: true,
            name: className,
            isDefault: s.defaultClass,
            reclaimPolicy: "Delete",
            allowVolumeExpansion: true,
            volumeBindingMode: "Immediate",
            parameters: {
              imageFormat: "2",
              imageFeatures: "layering",
              ...rookSecret("provisioner", "rook-csi-rbd-provisioner"),
              ...rookSecret("controller-expand", "rook-csi-rbd-provisioner"),
              ...rookSecret("node-stage", "rook-csi-rbd-node"),
              "csi.storage.k8s.io/fstype": "ext4",
            },
          },
        },
      ],
      cephFileSystems: [],
      cephObjectStores: [],
    },
    dependsOn: ["rook-ceph"],
  });
  out.notes.push(
    `Rook-Ceph takes every empty raw disk${s.rook?.deviceFilter ? ` matching ${s.rook.deviceFilter}` : ""} on ${storageNodes(spec).length} node(s) for OSDs: Talos keeps its install disk, so give each node a spare one`,
  );
  return out;
}
