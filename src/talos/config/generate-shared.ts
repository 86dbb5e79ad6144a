// Facts and helpers both config generators share (generate.ts for the v1alpha1-centred contracts up to 1.13,
// generate-multidoc.ts for 1.14+): image names and defaults from pkg/machinery/constants, endpoint parsing as Go's
// net/url does it, and the registry documents that have been separate documents since 1.12.
import type { SecretsBundle } from "../secrets/bundle.js";
import type { Contract } from "../versions.js";
import type { ConfigDocument } from "./encode.js";

// Image names in pkg/machinery/constants.
export const KUBELET_IMAGE = "ghcr.io/siderolabs/kubelet";
export const APISERVER_IMAGE = "registry.k8s.io/kube-apiserver";
export const CONTROLLER_MANAGER_IMAGE = "registry.k8s.io/kube-controller-manager";
export const SCHEDULER_IMAGE = "registry.k8s.io/kube-scheduler";
export const PROXY_IMAGE = "registry.k8s.io/kube-proxy";
export const DEFAULT_KUBEPRISM_PORT = 7445;
export const LABEL_EXCLUDE_FROM_EXTERNAL_LB = "node.kubernetes.io/exclude-from-external-load-balancers";
export const LABEL_NODE_ROLE_CONTROL_PLANE = "node-role.kubernetes.io/control-plane";
export const IPV4_POD_NET = "10.244.0.0/16";
export const IPV4_SERVICE_NET = "10.96.0.0/12";
export const IPV6_POD_NET = "fc00:db8:10::/56";
export const IPV6_SERVICE_NET = "fc00:db8:20::/112";

export const image = (name: string, version: string) => (version === "" ? "" : `${name}:v${version}`);

/** Go's netip.ParseAddr(endpoint).Is6() — run on the whole endpoint string, so it is true only for a bare IPv6. */
export function isBareIPv6(s: string): boolean {
  return s.includes(":") && /^[0-9a-fA-F:.]+(%[^%]+)?$/.test(s) && !s.includes("://");
}

/** Go's url.Hostname(): the host without port or IPv6 brackets, case kept (WHATWG URL would lowercase it). */
export function endpointHostname(endpoint: string): string {
  const afterScheme = endpoint.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, "");
  const authority = afterScheme.split(/[/?#]/, 1)[0]!;
  const host = authority.slice(authority.lastIndexOf("@") + 1);
  if (host.startsWith("[")) return host.slice(1, host.indexOf("]") > 0 ? host.indexOf("]") : undefined);
  const colon = host.lastIndexOf(":");
  return colon >= 0 ? host.slice(0, colon) : host;
}

/** The PEM text of a secrets-bundle value (base64 of the PEM), as the 1.14 documents carry it. */
export const pemText = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

export interface RegistryOptions {
  /** host → mirror endpoints */
  registryMirrors?: Record<string, string[]>;
  /** host → CA certificate (PEM text) */
  registryCACerts?: Record<string, string>;
  registryInsecureSkipVerify?: string[];
}

/** RegistryMirrorConfig and RegistryTLSConfig documents (contracts > 1.11), sorted by kind, then name. */
export function registryMirrorDocuments(o: RegistryOptions): ConfigDocument[] {
  const docs: ConfigDocument[] = Object.entries(o.registryMirrors ?? {}).map(([host, endpoints]) => ({
    apiVersion: "v1alpha1",
    kind: "RegistryMirrorConfig",
    name: host,
    endpoints: endpoints.map((url) => ({ url })),
  }));
  const tls = new Map<string, ConfigDocument>();
  const tlsDoc = (host: string) => {
    let d = tls.get(host);
    if (!d) tls.set(host, (d = { apiVersion: "v1alpha1", kind: "RegistryTLSConfig", name: host }));
    return d;
  };
  for (const [host, ca] of Object.entries(o.registryCACerts ?? {})) tlsDoc(host).ca = ca;
  for (const host of o.registryInsecureSkipVerify ?? []) tlsDoc(host).insecureSkipVerify = true;
  docs.push(...tls.values());
  // sorted by kind, then name (Talos sorts them; map iteration order is random in Go)
  const key = (d: ConfigDocument) => [String(d.kind), String(d.name)] as const;
  return docs.sort((a, b) => {
    const [ak, an] = key(a);
    const [bk, bn] = key(b);
    return ak < bk ? -1 : ak > bk ? 1 : an < bn ? -1 : an > bn ? 1 : 0;
  });
}

// ---- the generator's input (talosctl gen config's flags and generate.Option) ----

export type MachineType = "init" | "controlplane" | "worker";

export interface CNIConfig {
  name: string;
  urls?: string[];
}

/** generate.Option equivalents. Absent means Talos' default. */
export interface GenerateOptions {
  debug?: boolean;
  /** install.disk; absent or "" leaves it out (talosctl's CLI passes /dev/sda). */
  installDisk?: string;
  /** install.image; absent or "" leaves it out (talosctl's CLI passes ghcr.io/siderolabs/installer:<tag>). */
  installImage?: string;
  installExtraKernelArgs?: string[];
  sysctls?: Record<string, string>;
  /** host → mirror endpoints (WithRegistryMirror appends, so repeated hosts accumulate). */
  registryMirrors?: Record<string, string[]>;
  /** host → CA certificate (PEM text) */
  registryCACerts?: Record<string, string>;
  registryInsecureSkipVerify?: string[];
  /** default "cluster.local" */
  dnsDomain?: string;
  cni?: CNIConfig;
  /**
   * WithCustomCNIUrl: a CNI installed from this manifest URL instead of Flannel. Up to 1.13 it is
   * `cluster.network.cni {name: custom, urls: [url]}`; from 1.14 a KubeExternalManifestConfig named custom-cni.
   */
  customCNIURL?: string;
  allowSchedulingOnControlPlanes?: boolean;
  localAPIServerPort?: number;
  /** go to machine.certSANs and cluster.apiServer.certSANs */
  additionalSANs?: string[];
  /** cluster discovery; default enabled */
  clusterDiscovery?: boolean;
  /** KubePrism port; 0 disables it. Default: 7445 when the contract enables KubePrism. */
  kubePrismPort?: number;
  hostDNSForwardKubeDNSToHost?: boolean;
  /** KubeSpan on/off; absent leaves KubeSpan unconfigured. */
  kubeSpan?: boolean;
}

export interface GenerateInput {
  clusterName: string;
  /** Control plane endpoint URL, e.g. https://cp.example.com:6443 */
  endpoint: string;
  /** Kubernetes version without "v" ("1.28.0"); "" leaves the component images out as Talos does. */
  kubernetesVersion: string;
  secrets: SecretsBundle;
  contract: Contract;
  options?: GenerateOptions;
}
