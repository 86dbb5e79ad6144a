// A node's facts for the 1.14 contract, where Talos takes them from documents rather than the v1alpha1 document:
// node-patch.ts says what the node needs (in the ≤ 1.13 v1alpha1 form plus the 1.12+ network documents) and this
// module moves each v1alpha1 fact into the document 1.14 reads it from — install into UnattendedInstallConfig,
// labels and taints into KubeNodeConfig, kernel modules into KernelModuleConfig, pod/service subnets into
// KubeNetworkConfig, component arguments into KubeAPIServerConfig/KubeControllerManagerConfig, a disabled kube-proxy
// into KubeProxyConfig; and the add-ons' patches likewise — no built-in CNI removes KubeFlannelCNIConfig, inline
// manifests become KubeInlineManifestConfig documents, Talos API access KubeTalosAPIAccessConfig. The result is a
// strategic merge patch onto the generated documents.
import type { ModelNode } from "../clusterspec/model.js";
import { UserError } from "../errors.js";
import { trimManifestStart } from "../talos/config/encode.js";
import type { NodeConfigParts } from "./node-patch.js";

type Doc = Record<string, unknown>;

const doc = (kind: string, fields: Doc = {}): Doc => ({ apiVersion: "v1alpha1", kind, ...fields });

/** humanize.ParseBytes-style sizes ("100GB", "1.5TiB", "512 MB") → bytes. */
function parseBytes(text: string): number | undefined {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgtpe]?)(i?)(b?)\s*$/i.exec(text);
  if (!m) return undefined;
  const power = "kmgtpe".indexOf(m[2]!.toLowerCase()) + 1;
  const base = m[3] ? 1024 : 1000;
  return Math.round(Number(m[1]) * base ** power);
}

/**
 * The CEL disk selector equivalent to a v1alpha1 installDiskSelector, built as Talos builds it when it converts one
 * (InstallConfig.DiskMatchExpression at v1.14.0-rc.1): size, globs on wwid/model/serial, a transport (which excludes
 * device-mapper devices), the disk type, a bus path glob, and never a read-only disk or a CD-ROM.
 */
export function installDiskCel(selector: {
  size?: string | undefined;
  model?: string | undefined;
  serial?: string | undefined;
  type?: string | undefined;
  busPath?: string | undefined;
  wwid?: string | undefined;
}): string {
  const terms: string[] = [];
  if (selector.size !== undefined) {
    const m = /^\s*(<=|>=|<|>|==)?\s*(.+)$/.exec(selector.size)!;
    const bytes = parseBytes(m[2]!);
    if (bytes === undefined)
      throw new UserError(`install disk size ${JSON.stringify(selector.size)} is not a size`, {
        hint: 'write installDisk.selector.size like ">= 100GB" or "<= 2TiB"',
      });
    terms.push(`disk.size ${m[1] ?? "=="} ${bytes}u`);
  }
  const glob = (pattern: string | undefined, field: string) => {
    if (pattern) terms.push(`glob(${JSON.stringify(pattern)}, disk.${field})`);
  };
  glob(selector.wwid, "wwid");
  glob(selector.model, "model");
  glob(selector.serial, "serial");
  terms.push('disk.transport != ""');
  if (selector.type === "nvme") terms.push('disk.transport == "nvme"');
  else if (selector.type === "sd") terms.push('disk.transport == "mmc"');
  else if (selector.type === "hdd") terms.push("disk.rotational");
  else if (selector.type === "ssd") terms.push("!disk.rotational");
  glob(selector.busPath, "bus_path");
  terms.push("!disk.readonly", "!disk.cdrom");
  return terms.join(" && ");
}

function take(obj: Doc, key: string): unknown {
  const v = obj[key];
  delete obj[key];
  return v;
}

const isEmpty = (o: Doc) => Object.keys(o).length === 0;

/**
 * Rewrites the node's parts for the 1.14 contract: the documents to merge onto the generated ones (a
 * HostnameConfig among them replaces the generated `auto: stable` one). Every v1alpha1 fact must find its document:
 * one this module does not know is a bug, reported as such rather than dropped.
 */
export function nodeDocuments114(node: ModelNode, parts: NodeConfigParts, installerImage: string): Doc[] {
  // A deep copy: the rewrite takes fields out, and the parts (add-on patches among them) are shared by every node.
  const v1 = structuredClone(parts.v1alpha1);
  const machine = (v1.machine ?? {}) as Doc;
  const cluster = (v1.cluster ?? {}) as Doc;
  const out: Doc[] = [];

  const install = take(machine, "install") as Doc | undefined;
  if (install && typeof node.installDisk !== "string") {
    // The generator writes the document only for a disk path; a selector becomes a CEL disk selector.
    out.push(
      doc("UnattendedInstallConfig", {
        installer: { image: installerImage },
        provisioning: { diskSelector: { match: installDiskCel(node.installDisk.selector) }, wipe: false },
      }),
    );
    delete install.diskSelector;
  }
  if (install) {
    delete install.disk;
    if (!isEmpty(install)) unmapped(node, "machine.install", install);
  }

  const nodeDoc: Doc = {};
  const labels = take(machine, "nodeLabels");
  if (labels) nodeDoc.labels = labels;
  const taints = take(machine, "nodeTaints");
  if (taints) nodeDoc.taints = taints;
  const kubelet = take(machine, "kubelet") as Doc | undefined;
  if (kubelet) {
    // A multi-homed node's kubelet address: KubeNodeConfig.nodeIP in 1.14, machine.kubelet.nodeIP before.
    const nodeIP = take(kubelet, "nodeIP");
    if (nodeIP) nodeDoc.nodeIP = nodeIP;
    if (!isEmpty(kubelet)) unmapped(node, "machine.kubelet", kubelet);
  }
  if (!isEmpty(nodeDoc)) out.push(doc("KubeNodeConfig", nodeDoc));
  // etcd stays in the v1alpha1 document in 1.14 (v1alpha1.EtcdConfig): its advertised subnets are merged there.
  const etcd = take(cluster, "etcd");
  if (etcd) out.push({ version: "v1alpha1", cluster: { etcd } });

  const features = take(machine, "features") as Doc | undefined;
  if (features) {
    // Talos API access from Kubernetes (the etcd backup's role): KubeTalosAPIAccessConfig in 1.14.
    const access = take(features, "kubernetesTalosAPIAccess") as Doc | undefined;
    if (access?.enabled === true)
      out.push(
        doc("KubeTalosAPIAccessConfig", {
          ...(access.allowedRoles ? { allowedRoles: access.allowedRoles } : {}),
          ...(access.allowedKubernetesNamespaces
            ? { allowedKubernetesNamespaces: access.allowedKubernetesNamespaces }
            : {}),
        }),
      );
    if (!isEmpty(features)) unmapped(node, "machine.features", features);
  }

  const kernel = (take(machine, "kernel") ?? {}) as { modules?: { name: string }[] };
  for (const m of kernel.modules ?? []) out.push(doc("KernelModuleConfig", { name: m.name }));

  const network = (take(cluster, "network") ?? {}) as Doc;
  const subnets: Doc = {};
  for (const key of ["podSubnets", "serviceSubnets"] as const) {
    const v = take(network, key);
    if (v) subnets[key] = v;
  }
  if (!isEmpty(subnets)) out.push(doc("KubeNetworkConfig", subnets));
  const cni = take(network, "cni") as { name?: string } | undefined;
  // No built-in CNI (an add-on installs one): the generated Flannel document goes.
  if (cni?.name === "none") out.push({ ...doc("KubeFlannelCNIConfig"), $patch: "delete" });
  else if (cni) unmapped(node, "cluster.network.cni", cni);
  if (!isEmpty(network)) unmapped(node, "cluster.network", network);

  const manifests = take(cluster, "inlineManifests") as { name: string; contents: string }[] | undefined;
  for (const m of manifests ?? [])
    out.push(doc("KubeInlineManifestConfig", { name: m.name, manifest: trimManifestStart(m.contents) }));

  const component = (key: string, kind: string) => {
    const part = take(cluster, key) as Doc | undefined;
    if (!part) return;
    const extraArgs = take(part, "extraArgs");
    if (extraArgs) out.push(doc(kind, { extraArgs }));
    if (key === "proxy" && take(part, "disabled") === true) out.push(doc(kind, { enabled: false }));
    if (!isEmpty(part)) unmapped(node, `cluster.${key}`, part);
  };
  component("apiServer", "KubeAPIServerConfig");
  component("controllerManager", "KubeControllerManagerConfig");
  component("proxy", "KubeProxyConfig");

  for (const [where, rest] of [
    ["machine", machine],
    ["cluster", cluster],
  ] as const)
    for (const key of Object.keys(rest)) unmapped(node, `${where}.${key}`, rest[key]);

  // The 1.12+ network documents carry over unchanged.
  out.push(...parts.documents);
  return out;
}

/** A fact node-patch.ts produces that this module does not place: a bug in cairn (exit 70), never dropped. */
function unmapped(node: ModelNode, path: string, value: unknown): never {
  throw new Error(
    `node ${node.name}: the 1.14 contract has no document for ${path} (${JSON.stringify(value)}); ` +
      "src/render/documents-1.14.ts must map it",
  );
}
