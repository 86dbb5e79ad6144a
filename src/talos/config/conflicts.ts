// Which deprecated v1alpha1 fields Talos refuses next to the document that replaces them (the
// V1Alpha1ConflictValidate methods of pkg/machinery/config/types at v1.14.0-rc.1). Talos checks this when a config
// is applied; cairn checks it before anything leaves, so a 1.14 config never mixes the two forms of one setting.
import type { ConfigDocument } from "./encode.js";

export interface V1Alpha1Conflict {
  /** The document kind present in the config. */
  kind: string;
  /** The v1alpha1 field, dotted ("machine.kubelet"). */
  path: string;
  message: string;
}

// [document kind, v1alpha1 paths it conflicts with]
const CONFLICTS: readonly (readonly [string, readonly string[]])[] = [
  ["KubeletConfig", ["machine.kubelet"]],
  ["KubeCredentialProviderConfig", ["machine.kubelet"]],
  [
    "KubeNodeConfig",
    [
      "cluster.allowSchedulingOnControlPlanes",
      "cluster.allowSchedulingOnMasters",
      "machine.kubelet.skipNodeRegistration",
      "machine.kubelet.registerWithFQDN",
      "machine.kubelet.nodeIP",
      "machine.nodeLabels",
      "machine.nodeAnnotations",
      "machine.nodeTaints",
    ],
  ],
  ["KubeClusterConfig", ["cluster.clusterName", "cluster.controlPlane.endpoint"]],
  ["KubeNetworkConfig", ["cluster.network"]],
  ["KubeFlannelCNIConfig", ["cluster.network"]],
  ["KubeAPIServerConfig", ["cluster.apiServer", "cluster.controlPlane.localAPIServerPort"]],
  ["KubeAPIServerCAConfig", ["cluster.ca"]],
  ["KubeAggregatorCAConfig", ["cluster.aggregatorCA"]],
  ["KubeServiceAccountConfig", ["cluster.serviceAccount"]],
  ["KubeAdmissionControlConfig", ["cluster.apiServer.admissionControl"]],
  ["KubeAuditPolicyConfig", ["cluster.apiServer.auditPolicy"]],
  ["KubeEtcdEncryptionConfig", ["cluster.secretboxEncryptionSecret", "cluster.aescbcEncryptionSecret"]],
  ["KubeControllerManagerConfig", ["cluster.controllerManager", "machine.controlPlane.controllerManager"]],
  ["KubeSchedulerConfig", ["cluster.scheduler", "machine.controlPlane.scheduler"]],
  ["KubeProxyConfig", ["cluster.proxy"]],
  ["KubeCoreDNSConfig", ["cluster.coreDNS"]],
  ["KubePrismConfig", ["machine.features.kubePrism"]],
  ["KubeTalosAPIAccessConfig", ["machine.features.kubernetesTalosAPIAccess"]],
  ["DiscoveryServiceConfig", ["cluster.discovery"]],
  ["DiscoveryIdentityConfig", ["cluster.id", "cluster.secret"]],
  ["UnattendedInstallConfig", ["machine.install"]],
  ["CRIBaseRuntimeSpecConfig", ["machine.baseRuntimeSpecOverrides"]],
  ["ImageCacheConfig", ["machine.features.imageCache"]],
  ["HostnameConfig", ["machine.network.hostname", "machine.features.stableHostname"]],
  ["KubeSpanConfig", ["machine.network.kubespan"]],
  [
    "ResolverConfig",
    ["machine.network.nameservers", "machine.network.searchDomains", "machine.network.disableSearchDomain"],
  ],
  ["TimeSyncConfig", ["machine.time.disabled", "machine.time.servers", "machine.time.bootTimeout"]],
];

function at(doc: ConfigDocument, path: string): unknown {
  let v: unknown = doc;
  for (const key of path.split(".")) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

const isSet = (v: unknown): boolean =>
  v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0);

/** The v1alpha1 fields that clash with documents of the same config (empty: Talos accepts the pair). */
export function v1alpha1Conflicts(docs: readonly ConfigDocument[]): V1Alpha1Conflict[] {
  const v1alpha1 = docs.find((d) => d.kind === undefined && d.version !== undefined);
  if (!v1alpha1) return [];
  const kinds = new Set(docs.map((d) => d.kind).filter((k): k is string => typeof k === "string"));
  const out: V1Alpha1Conflict[] = [];
  for (const [kind, paths] of CONFLICTS) {
    if (!kinds.has(kind)) continue;
    for (const path of paths) {
      if (!isSet(at(v1alpha1, path))) continue;
      out.push({
        kind,
        path,
        message: `.${path} is set in the v1alpha1 document, which the ${kind} document replaces; Talos refuses both`,
      });
    }
  }
  return out;
}
