// Machine-config generation for the contracts whose Kubernetes settings live in documents of their own (1.14+:
// VersionContract.MultidocKubernetesConfigSupported and its siblings, all "> 1.13"). What the generator decides and
// in which order is taken from pkg/machinery/config/generate/{init,worker,kubernetes,block,network,
// security_profile,registry}.go at v1.14.0-rc.1; the stability goldens prove the output. The v1alpha1 document
// keeps only the machine identity (type, token, CA, SANs), the bootstrap token and etcd's CA.
import type { ConfigDocument } from "./encode.js";
import type { GenerateInput, MachineType } from "./generate-shared.js";
import {
  APISERVER_IMAGE,
  CONTROLLER_MANAGER_IMAGE,
  DEFAULT_KUBEPRISM_PORT,
  IPV4_POD_NET,
  IPV4_SERVICE_NET,
  IPV6_POD_NET,
  IPV6_SERVICE_NET,
  KUBELET_IMAGE,
  LABEL_EXCLUDE_FROM_EXTERNAL_LB,
  LABEL_NODE_ROLE_CONTROL_PLANE,
  PROXY_IMAGE,
  SCHEDULER_IMAGE,
  image,
  isBareIPv6,
  pemText,
  registryMirrorDocuments,
} from "./generate-shared.js";

// pkg/machinery/constants at v1.14.0-rc.1
const DEFAULT_DISCOVERY_ENDPOINT = "https://discovery.talos.dev/";
const EPHEMERAL_PARTITION_LABEL = "EPHEMERAL";
const DEFAULT_TRIM_INTERVAL = "168h0m0s"; // a Go time.Duration of one week, as it marshals
const FLANNEL_BACKEND = "vxlan";
const FLANNEL_BACKEND_PORT = 4789;
const TAINT_NO_SCHEDULE = "NoSchedule";
const CUSTOM_CNI_MANIFEST = "custom-cni";

const doc = (kind: string, fields: ConfigDocument = {}): ConfigDocument => ({
  apiVersion: "v1alpha1",
  kind,
  ...fields,
});

/** The CEL expression Talos' generator writes for an install disk: disk.dev_path == "<disk>" (Go's %q). */
export function installDiskSelector(disk: string): string {
  return `disk.dev_path == ${JSON.stringify(disk)}`;
}

/** The CNI the generator was asked for: Flannel (its default), none, or manifests from URLs. */
function cniChoice(input: GenerateInput): { flannel: boolean; manifests: string[] } {
  const o = input.options ?? {};
  if (o.customCNIURL) return { flannel: false, manifests: [o.customCNIURL] };
  if (!o.cni || o.cni.name === "flannel") return { flannel: true, manifests: [] };
  // cairn's reading of the pre-1.14 CNI option (name none/custom + urls): no Flannel, the URLs as manifests.
  return { flannel: false, manifests: o.cni.name === "custom" ? [...(o.cni.urls ?? [])] : [] };
}

export function buildMultidocDocuments(input: GenerateInput, type: MachineType): ConfigDocument[] {
  const o = input.options ?? {};
  const s = input.secrets;
  const certs = s.certs;
  const worker = type === "worker";
  const sans = [...(o.additionalSANs ?? [])];
  const v6 = isBareIPv6(input.endpoint);
  const k8s = input.kubernetesVersion.replace(/^v/, "");

  const machine: ConfigDocument = {
    type,
    token: s.trustdinfo.token,
    ca: worker ? { crt: certs.os.crt } : { crt: certs.os.crt, key: certs.os.key },
    certSANs: sans,
    features: { diskQuotaSupport: true },
  };
  const cluster: ConfigDocument = { token: s.secrets.bootstraptoken };
  if (!worker) cluster.etcd = { ca: { crt: certs.etcd.crt, key: certs.etcd.key } };
  const documents: ConfigDocument[] = [
    { version: "v1alpha1", debug: o.debug ?? false, persist: true, machine, cluster },
  ];

  if (o.clusterDiscovery ?? true)
    documents.push(doc("DiscoveryServiceConfig", { name: "default", endpoint: DEFAULT_DISCOVERY_ENDPOINT }));
  documents.push(
    doc("DiscoveryIdentityConfig", { clusterID: s.cluster.id, clusterSecret: s.cluster.secret }),
  );
  // The document needs a disk selector, which comes from the install disk: no disk, no document.
  if (o.installDisk) {
    documents.push(
      doc("UnattendedInstallConfig", {
        installer: o.installImage ? { image: o.installImage } : {},
        provisioning: { diskSelector: { match: installDiskSelector(o.installDisk) }, wipe: false },
      }),
    );
  }
  // forwardKubeDNSToHost is forced on for every contract > 1.7
  documents.push(doc("ResolverConfig", { hostDNS: { enabled: true, forwardKubeDNSToHost: true } }));
  if (o.sysctls && Object.keys(o.sysctls).length > 0)
    documents.push(doc("SysctlConfig", { params: { ...o.sysctls } }));
  documents.push(
    doc("VolumeConfig", { name: EPHEMERAL_PARTITION_LABEL, mount: { secure: true } }),
    doc("FilesystemTrimConfig", { interval: DEFAULT_TRIM_INTERVAL }),
    doc("SecurityProfileConfig", { workloadIsolation: true }),
  );
  documents.push(...registryMirrorDocuments(o));
  documents.push(doc("HostnameConfig", { auto: "stable" }));
  if (o.kubeSpan !== undefined) documents.push(doc("KubeSpanConfig", { enabled: o.kubeSpan }));

  // Kubernetes documents every node carries.
  const node: ConfigDocument = { nodeIP: {} };
  if (!worker) {
    node.labels = { [LABEL_NODE_ROLE_CONTROL_PLANE]: "", [LABEL_EXCLUDE_FROM_EXTERNAL_LB]: "" };
    if (!o.allowSchedulingOnControlPlanes)
      node.taints = { [LABEL_NODE_ROLE_CONTROL_PLANE]: TAINT_NO_SCHEDULE };
  }
  documents.push(
    doc("KubeClusterConfig", { clusterName: input.clusterName, endpoint: input.endpoint }),
    doc("KubeNodeConfig", node),
    doc("KubeletConfig", {
      image: image(KUBELET_IMAGE, k8s),
      config: {},
      defaultRuntimeSeccompProfileEnabled: true,
    }),
    doc("KubeNetworkConfig", {
      dnsDomain: o.dnsDomain ?? "cluster.local",
      podSubnets: [v6 ? IPV6_POD_NET : IPV4_POD_NET],
      serviceSubnets: [v6 ? IPV6_SERVICE_NET : IPV4_SERVICE_NET],
    }),
    doc(
      "KubeAPIServerCAConfig",
      worker
        ? { acceptedCAs: [pemText(certs.k8s.crt)] }
        : { issuingCA: { cert: pemText(certs.k8s.crt), key: pemText(certs.k8s.key) } },
    ),
  );
  const prism = o.kubePrismPort ?? DEFAULT_KUBEPRISM_PORT;
  if (prism > 0) documents.push(doc("KubePrismConfig", { port: prism }));
  if (worker) return documents;

  // Control-plane components.
  const cni = cniChoice(input);
  const providers: unknown[] = [];
  if (s.secrets.secretboxencryptionsecret)
    providers.push({
      secretbox: { keys: [{ name: "key2", secret: s.secrets.secretboxencryptionsecret }] },
    });
  // Upstream lists an old bundle's AES-CBC secret under `secretbox` too, as key1 (kubernetes.go at v1.14.0-rc.1).
  if (s.secrets.aescbcencryptionsecret)
    providers.push({ secretbox: { keys: [{ name: "key1", secret: s.secrets.aescbcencryptionsecret }] } });
  const apiServer: ConfigDocument = { image: image(APISERVER_IMAGE, k8s), certExtraSANs: sans };
  if (o.localAPIServerPort) apiServer.apiPort = o.localAPIServerPort;
  documents.push(
    doc("KubeAggregatorCAConfig", {
      issuingCA: { cert: pemText(certs.k8saggregator.crt), key: pemText(certs.k8saggregator.key) },
    }),
    doc("KubeAdmissionControlConfig", {
      name: "PodSecurity",
      configuration: {
        apiVersion: "pod-security.admission.config.k8s.io/v1alpha1",
        kind: "PodSecurityConfiguration",
        defaults: {
          enforce: "baseline",
          "enforce-version": "latest",
          audit: "restricted",
          "audit-version": "latest",
          warn: "restricted",
          "warn-version": "latest",
        },
        exemptions: { usernames: [], runtimeClasses: [], namespaces: ["kube-system"] },
      },
    }),
    doc("KubeAuditPolicyConfig", {
      configuration: { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "Metadata" }] },
    }),
    doc("KubeAuthenticationConfig", {
      configuration: {
        anonymous: {
          conditions: [{ path: "/livez" }, { path: "/readyz" }, { path: "/healthz" }],
          enabled: true,
        },
        jwt: [],
      },
    }),
    doc("KubeAuthorizerConfig", { name: "node", type: "Node" }),
    doc("KubeAuthorizerConfig", { name: "rbac", type: "RBAC" }),
    doc("KubeEtcdEncryptionConfig", {
      config: { resources: [{ providers, resources: ["secrets"] }] },
    }),
    doc("KubeServiceAccountConfig", {
      issuer: { privateKey: pemText(certs.k8sserviceaccount.key), issuerURL: input.endpoint },
    }),
    doc("KubeAPIServerConfig", apiServer),
    doc("KubeControllerManagerConfig", { image: image(CONTROLLER_MANAGER_IMAGE, k8s) }),
    doc("KubeSchedulerConfig", { image: image(SCHEDULER_IMAGE, k8s), config: {} }),
    doc("KubeProxyConfig", { image: image(PROXY_IMAGE, k8s), config: {} }),
  );
  if (cni.flannel)
    documents.push(
      doc("KubeFlannelCNIConfig", { backendType: FLANNEL_BACKEND, backendPort: FLANNEL_BACKEND_PORT }),
    );
  documents.push(doc("KubeCoreDNSConfig", { enabled: true }));
  cni.manifests.forEach((url, i) =>
    documents.push(
      doc("KubeExternalManifestConfig", {
        name: i === 0 ? CUSTOM_CNI_MANIFEST : `${CUSTOM_CNI_MANIFEST}-${i + 1}`,
        url,
      }),
    ),
  );
  return documents;
}
