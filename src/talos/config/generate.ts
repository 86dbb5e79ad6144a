// Machine-config generation as Talos' `generate.NewInput(...).Config(type)` does it (pkg/machinery/config/generate at
// v1.13.9, whose output for older version contracts is what older talosctl releases produce — the golden files
// prove it for 1.9–1.13). Pure: data in, plain config documents out; encode.ts turns them into Talos' exact bytes.
//
// Documents are plain objects keyed by the YAML field names. Zero values may be left in (e.g. `disk: ""`): the
// encoder applies Go's omitempty rules, so the generator only decides what Talos' generator decides.
import { UserError } from "../../errors.js";
import { compareMinor } from "../versions.js";
import type { Contract } from "../versions.js";
import type { ConfigDocument as PatchableDocument, ConfigValue } from "../patch/index.js";
import type { ConfigDocument } from "./encode.js";
import { buildMultidocDocuments } from "./generate-multidoc.js";
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
  PROXY_IMAGE,
  SCHEDULER_IMAGE,
  endpointHostname,
  image,
  isBareIPv6,
  registryMirrorDocuments,
} from "./generate-shared.js";

export { endpointHostname } from "./generate-shared.js";

export type { CNIConfig, GenerateInput, GenerateOptions, MachineType } from "./generate-shared.js";
import type { GenerateInput, GenerateOptions, MachineType } from "./generate-shared.js";

/** The VersionContract switches that differ between the supported contracts (all older ones are on for 1.8+). */
export function contractFeatures(contract: Contract) {
  const after = (minor: string) => compareMinor(contract, minor) > 0;
  return {
    // 1.14 (pkg/machinery/config/contract.go, all "> 1.13"): Kubernetes, discovery, install, sysctls, host DNS,
    // KubePrism and the kubelet move out of v1alpha1 into documents of their own; ephemeral-volume trim and
    // workload isolation are on by default.
    multidocKubernetes: after("1.13"),
    multidocNetworkConfig: after("1.11"),
    hideRBACAndKeyUsage: after("1.11"),
    hideDisablePSP: after("1.11"),
    grubUseUKICmdline: after("1.11"),
    populateClusterSANsFromEndpoint: !after("1.11"),
    kubeSpanMultidoc: after("1.12"),
  };
}

/** Drops undefined values so the documents are plain YAML data (what the patch engine and encoder expect). */
function prune(value: unknown): ConfigValue {
  if (Array.isArray(value)) return value.map(prune);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, ConfigValue> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = prune(v);
    return out;
  }
  return value as ConfigValue;
}

/** Generates the documents of one machine type; the v1alpha1 document comes first. */
export function generateMachineConfig(input: GenerateInput, type: MachineType): PatchableDocument[] {
  return buildDocuments(input, type).map((d) => prune(d) as PatchableDocument);
}

function buildDocuments(input: GenerateInput, type: MachineType): ConfigDocument[] {
  const o = input.options ?? {};
  const f = contractFeatures(input.contract);
  if (f.multidocKubernetes) return buildMultidocDocuments(input, type);
  const k8s = input.kubernetesVersion.replace(/^v/, "");
  const s = input.secrets;
  const certs = s.certs;
  try {
    new URL(input.endpoint);
  } catch {
    throw new UserError(`invalid control plane endpoint ${JSON.stringify(input.endpoint)}`, {
      hint: "use a URL such as https://cp.example.com:6443",
    });
  }
  const v6 = isBareIPv6(input.endpoint);
  const sans = [...(o.additionalSANs ?? [])];
  const worker = type === "worker";

  const features: ConfigDocument = {};
  if (!f.hideRBACAndKeyUsage) {
    features.rbac = true;
    features.apidCheckExtKeyUsage = true;
  }
  features.diskQuotaSupport = true;
  if (o.kubePrismPort !== undefined) {
    if (o.kubePrismPort > 0) features.kubePrism = { enabled: true, port: o.kubePrismPort };
  } else features.kubePrism = { enabled: true, port: DEFAULT_KUBEPRISM_PORT };
  // forwardKubeDNSToHost is on for every supported contract (> 1.7)
  features.hostDNS = { enabled: true, forwardKubeDNSToHost: true };

  const install: ConfigDocument = {
    disk: o.installDisk ?? "",
    image: o.installImage ?? "",
    wipe: false,
    extraKernelArgs: o.installExtraKernelArgs,
  };
  if (f.grubUseUKICmdline) install.grubUseUKICmdline = true;

  const machine: ConfigDocument = {
    type: type,
    token: s.trustdinfo.token,
    ca: worker ? { crt: certs.os.crt } : { crt: certs.os.crt, key: certs.os.key },
    certSANs: sans,
    kubelet: {
      image: image(KUBELET_IMAGE, k8s),
      defaultRuntimeSeccompProfileEnabled: true,
      disableManifestsDirectory: true,
    },
    install,
    sysctls: o.sysctls,
    features,
  };
  if (!worker) machine.nodeLabels = { [LABEL_EXCLUDE_FROM_EXTERNAL_LB]: "" };

  const cluster: ConfigDocument = {
    id: s.cluster.id,
    secret: s.cluster.secret,
    controlPlane: worker
      ? { endpoint: input.endpoint }
      : { endpoint: input.endpoint, localAPIServerPort: o.localAPIServerPort ?? 0 },
    clusterName: input.clusterName,
    network: {
      cni: o.customCNIURL
        ? { name: "custom", urls: [o.customCNIURL] }
        : o.cni
          ? { name: o.cni.name, urls: o.cni.urls }
          : undefined,
      dnsDomain: o.dnsDomain ?? "cluster.local",
      podSubnets: [v6 ? IPV6_POD_NET : IPV4_POD_NET],
      serviceSubnets: [v6 ? IPV6_SERVICE_NET : IPV4_SERVICE_NET],
    },
    token: s.secrets.bootstraptoken,
    ca: worker ? { crt: certs.k8s.crt } : { crt: certs.k8s.crt, key: certs.k8s.key },
  };
  if (!worker) {
    // SecretboxEncryptionSupported is true for every supported contract
    cluster.secretboxEncryptionSecret = s.secrets.secretboxencryptionsecret ?? "";
    cluster.aggregatorCA = { crt: certs.k8saggregator.crt, key: certs.k8saggregator.key };
    cluster.serviceAccount = { key: certs.k8sserviceaccount.key };
    const apiSANs = [
      ...(f.populateClusterSANsFromEndpoint ? [endpointHostname(input.endpoint)] : []),
      ...sans,
    ];
    const apiServer: ConfigDocument = {
      image: image(APISERVER_IMAGE, k8s),
      certSANs: apiSANs,
      admissionControl: [
        {
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
        },
      ],
      auditPolicy: { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "Metadata" }] },
    };
    if (!f.hideDisablePSP) apiServer.disablePodSecurityPolicy = true;
    cluster.apiServer = apiServer;
    cluster.controllerManager = { image: image(CONTROLLER_MANAGER_IMAGE, k8s) };
    cluster.proxy = { image: image(PROXY_IMAGE, k8s) };
    cluster.scheduler = { image: image(SCHEDULER_IMAGE, k8s) };
    cluster.etcd = { ca: { crt: certs.etcd.crt, key: certs.etcd.key } };
    cluster.extraManifests = [];
    cluster.inlineManifests = [];
    if (o.allowSchedulingOnControlPlanes) cluster.allowSchedulingOnControlPlanes = true;
  }
  const discovery = o.clusterDiscovery ?? true;
  cluster.discovery = { enabled: discovery, registries: { kubernetes: { disabled: true } } };

  const documents: ConfigDocument[] = [
    { version: "v1alpha1", debug: o.debug ?? false, persist: true, machine, cluster },
  ];
  documents.push(...registryDocuments(machine, o, f.multidocNetworkConfig));
  documents.push(...networkDocuments(machine, o, f));
  return documents;
}

function registryDocuments(machine: ConfigDocument, o: GenerateOptions, multidoc: boolean): ConfigDocument[] {
  const mirrors = o.registryMirrors ?? {};
  const cas = o.registryCACerts ?? {};
  const insecure = o.registryInsecureSkipVerify ?? [];
  if (!multidoc) {
    const config: Record<string, { tls: Record<string, unknown> }> = {};
    for (const [host, ca] of Object.entries(cas)) {
      config[host] = { tls: { ...config[host]?.tls, ca: Buffer.from(ca).toString("base64") } };
    }
    for (const host of insecure) config[host] = { tls: { ...config[host]?.tls, insecureSkipVerify: true } };
    machine.registries = {
      mirrors: Object.fromEntries(Object.entries(mirrors).map(([host, endpoints]) => [host, { endpoints }])),
      config,
    };
    return [];
  }
  return registryMirrorDocuments(o);
}

function networkDocuments(
  machine: ConfigDocument,
  o: GenerateOptions,
  f: ReturnType<typeof contractFeatures>,
): ConfigDocument[] {
  const docs: ConfigDocument[] = [];
  // an empty machine.network stays for older Talos versions
  if (!f.kubeSpanMultidoc) machine.network = {};
  if (!f.multidocNetworkConfig) (machine.features as ConfigDocument).stableHostname = true;
  else docs.push({ apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "stable" });
  if (o.kubeSpan !== undefined) {
    if (f.kubeSpanMultidoc)
      docs.push({ apiVersion: "v1alpha1", kind: "KubeSpanConfig", enabled: o.kubeSpan });
    else (machine.network as ConfigDocument).kubespan = { enabled: o.kubeSpan };
  }
  return docs;
}

/** Init, control plane and worker documents for the same input (what talosctl's config bundle holds). */
export function generateMachineConfigs(input: GenerateInput): Record<MachineType, PatchableDocument[]> {
  return {
    init: generateMachineConfig(input, "init"),
    controlplane: generateMachineConfig(input, "controlplane"),
    worker: generateMachineConfig(input, "worker"),
  };
}
