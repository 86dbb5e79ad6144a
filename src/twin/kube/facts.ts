// What the simulated Kubernetes of a twin node reads from its machine config: API port and serving names, the
// Kubernetes CA, versions from the component images, the CNI and add-on switches Talos' bootstrap manifests
// follow, inline manifests, and the kubelet's node labels and taints.
import { parseYamlDocuments, yamlDocumentToJS } from "../../io/yaml.js";

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const pem = (v: unknown): string | undefined =>
  str(v) ? Buffer.from(String(v), "base64").toString("utf8") : undefined;

export interface KubeFacts {
  clusterName: string;
  endpoint: string;
  /** Port of the cluster endpoint (kube-apiserver's secure port on every control plane). */
  port: number;
  endpointHost: string;
  k8sCa: { crt: string; key: string | undefined } | undefined;
  /** Names and addresses the serving certificate covers besides the node's own. */
  certSANs: string[];
  serviceSubnets: string[];
  podSubnets: string[];
  dnsDomain: string;
  kubernetesVersion: string;
  kubeletVersion: string;
  /** "flannel" (Talos' default), "custom" or "none". */
  cni: string;
  proxyDisabled: boolean;
  coreDnsDisabled: boolean;
  inlineManifests: { name: string; contents: string }[];
  allowSchedulingOnControlPlanes: boolean;
  nodeLabels: Record<string, string>;
  nodeTaints: Record<string, string>;
  machineType: string;
}

const tag = (image: unknown): string | undefined => /:v?(\d+\.\d+\.\d+[^@]*)/.exec(String(image ?? ""))?.[1];

export function readKubeFacts(configText: string): KubeFacts {
  const docs = parseYamlDocuments(configText, "the machine config").map((d) =>
    o(d.errors.length ? {} : yamlDocumentToJS(d)),
  );
  const main = docs.find((d) => d.version === "v1alpha1") ?? {};
  const machine = o(main.machine);
  const cluster = o(main.cluster);
  // Talos 1.14 moves the cluster's settings out of v1alpha1 into documents of their own; either form is read.
  const doc = (kind: string): Obj => docs.find((d) => d.kind === kind) ?? {};
  const clusterDoc = doc("KubeClusterConfig");
  const nodeDoc = doc("KubeNodeConfig");
  const networkDoc = doc("KubeNetworkConfig");
  const apiServerDoc = doc("KubeAPIServerConfig");
  const caDoc = o(doc("KubeAPIServerCAConfig").issuingCA);
  const network = { ...networkDoc, ...o(cluster.network) };
  const endpoint =
    str(o(cluster.controlPlane).endpoint) ?? str(clusterDoc.endpoint) ?? "https://localhost:6443";
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    url = new URL("https://localhost:6443");
  }
  const kubeletImage = o(machine.kubelet).image ?? doc("KubeletConfig").image;
  const kubernetesVersion =
    tag(o(cluster.apiServer).image) ?? tag(apiServerDoc.image) ?? tag(kubeletImage) ?? "1.34.1";
  // Talos 1.14 moves some switches into documents (KubeFlannelCNIConfig, KubeProxyConfig).
  const flannelDoc = docs.find((d) => d.kind === "KubeFlannelCNIConfig");
  const proxyDoc = docs.find((d) => d.kind === "KubeProxyConfig");
  const inline = (Array.isArray(cluster.inlineManifests) ? (cluster.inlineManifests as Obj[]) : []).map(
    (m) => ({ name: String(m.name ?? ""), contents: String(m.contents ?? "") }),
  );
  for (const d of docs.filter((x) => x.kind === "InlineManifestConfig" || x.kind === "InlineManifest"))
    inline.push({ name: String(d.name ?? ""), contents: String(d.contents ?? "") });
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...o(nodeDoc.labels), ...o(machine.nodeLabels) }))
    labels[k] = String(v ?? "");
  const taints: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...o(nodeDoc.taints), ...o(machine.nodeTaints) }))
    taints[k] = String(v ?? "");
  // v1alpha1 holds the CA base64-encoded; KubeAPIServerCAConfig holds it as PEM text.
  const caCrt = pem(o(cluster.ca).crt) ?? str(caDoc.cert);
  const caKey = pem(o(cluster.ca).key) ?? str(caDoc.key);
  const sans = o(cluster.apiServer).certSANs ?? apiServerDoc.certSANs;
  return {
    clusterName: str(cluster.clusterName) ?? str(clusterDoc.clusterName) ?? "talos",
    endpoint,
    port: Number(url.port || 6443),
    endpointHost: url.hostname,
    k8sCa: caCrt ? { crt: caCrt, key: caKey } : undefined,
    certSANs: (Array.isArray(sans) ? (sans as unknown[]) : []).map(String),
    serviceSubnets: (Array.isArray(network.serviceSubnets) ? network.serviceSubnets : ["10.96.0.0/12"]).map(
      String,
    ),
    podSubnets: (Array.isArray(network.podSubnets) ? network.podSubnets : ["10.244.0.0/16"]).map(String),
    dnsDomain: str(network.dnsDomain) ?? "cluster.local",
    kubernetesVersion,
    kubeletVersion: tag(kubeletImage) ?? kubernetesVersion,
    cni: flannelDoc
      ? "flannel"
      : (str(o(network.cni).name) ??
        (docs.some((d) => d.kind === "KubeFlannelCNIConfig" && d.$patch === "delete") ? "none" : "flannel")),
    proxyDisabled: proxyDoc ? proxyDoc.enabled === false : o(cluster.proxy).disabled === true,
    coreDnsDisabled: o(cluster.coreDNS).disabled === true || doc("KubeCoreDNSConfig").enabled === false,
    inlineManifests: inline,
    allowSchedulingOnControlPlanes: cluster.allowSchedulingOnControlPlanes === true,
    nodeLabels: labels,
    nodeTaints: taints,
    machineType: str(machine.type) ?? "worker",
  };
}

/** The first address of a service subnet (kube-apiserver's `kubernetes` Service IP, in its certificate). */
export function firstServiceIp(cidr: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/\d+$/.exec(cidr);
  if (!m) return undefined;
  return `${m[1]}.${m[2]}.${m[3]}.${Number(m[4]) + 1}`;
}
