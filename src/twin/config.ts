// What a twin node reads from an applied machine config: just the facts its simulated services need.
import { parseYamlStream } from "../io/yaml.js";
import { contractFor, compareMinor } from "../talos/versions.js";
import { validateTalosDocuments, formatTalosValidationErrors } from "../talos/config/validate.js";

export interface PemPair {
  crt: string;
  key: string | undefined;
}

export interface AppliedConfig {
  text: string;
  machineType: "controlplane" | "worker" | "init";
  osCa: PemPair;
  acceptedCAs: string[];
  certSANs: string[];
  hostname: string | undefined;
  rbac: boolean;
  checkExtKeyUsage: boolean;
  clusterName: string;
  clusterId: string;
  endpoint: string;
  k8sCa: PemPair | undefined;
  installImage: string | undefined;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const pem = (b64: unknown): string | undefined => {
  const s = str(b64);
  return s === undefined ? undefined : Buffer.from(s, "base64").toString("utf8");
};

/** A Talos-style rejection of an applied config (the caller maps it to InvalidArgument). */
export class ConfigRejected extends Error {}

/**
 * Validates the config against the schema of the node's Talos version (unknown keys, unknown document kinds) and
 * extracts the facts. Throws ConfigRejected with the message Talos-like clients see.
 */
export function readAppliedConfig(text: string, talosVersion: string): AppliedConfig {
  const contract = contractFor(talosVersion);
  if (contract) {
    const errors = validateTalosDocuments(text, contract);
    if (errors.length > 0)
      throw new ConfigRejected(`failed to parse config: ${formatTalosValidationErrors(errors)}`);
  }
  let docs: Obj[];
  try {
    docs = parseYamlStream(text, "machine config").map(obj);
  } catch (e) {
    throw new ConfigRejected(`failed to parse config: ${(e as Error).message}`);
  }
  const main = docs.find((d) => d.version === "v1alpha1");
  if (!main)
    throw new ConfigRejected("failed to parse config: the v1alpha1 machine config document is missing");
  const machine = obj(main.machine);
  const cluster = obj(main.cluster);
  const features = obj(machine.features);
  const type = str(machine.type) ?? "worker";
  if (type !== "controlplane" && type !== "worker" && type !== "init")
    throw new ConfigRejected(`machine.type "${type}" is not one of controlplane, worker, init`);
  const caCrt = pem(obj(machine.ca).crt);
  if (!caCrt) throw new ConfigRejected("machine.ca.crt is required");
  // RBAC and the client EKU check are opt-in features up to 1.11 and always on from 1.12 (research §2).
  const legacyFeatures = contract !== undefined && compareMinor(contract, "1.11") <= 0;
  const hostnameDoc = docs.find((d) => d.kind === "HostnameConfig");
  // 1.14 keeps the cluster's identity, endpoint, Kubernetes CA and installer in documents of their own.
  const kind = (k: string) => docs.find((d) => d.kind === k);
  const kubeCluster = kind("KubeClusterConfig");
  const identity = kind("DiscoveryIdentityConfig");
  const apiCA = obj(kind("KubeAPIServerCAConfig"));
  const issuing = obj(apiCA.issuingCA);
  const accepted = Array.isArray(apiCA.acceptedCAs) ? apiCA.acceptedCAs : [];
  const k8sCa14 = str(issuing.cert)
    ? { crt: str(issuing.cert)!, key: str(issuing.key) }
    : str(accepted[0])
      ? { crt: str(accepted[0])!, key: undefined }
      : undefined;
  const installer = obj(obj(kind("UnattendedInstallConfig")).installer);
  const k8sCrt = pem(obj(cluster.ca).crt);
  return {
    text,
    machineType: type,
    osCa: { crt: caCrt, key: pem(obj(machine.ca).key) },
    acceptedCAs: (Array.isArray(machine.acceptedCAs) ? machine.acceptedCAs : [])
      .map((c) => pem(obj(c).crt))
      .filter((c): c is string => c !== undefined),
    certSANs: (Array.isArray(machine.certSANs) ? machine.certSANs : []).filter(
      (s): s is string => typeof s === "string",
    ),
    hostname: str(obj(machine.network).hostname) ?? str(hostnameDoc?.hostname),
    rbac: legacyFeatures ? features.rbac === true : true,
    checkExtKeyUsage: legacyFeatures ? features.apidCheckExtKeyUsage === true : true,
    clusterName: str(cluster.clusterName) ?? str(kubeCluster?.clusterName) ?? "talos",
    clusterId: str(cluster.id) ?? str(identity?.clusterID) ?? caCrt,
    endpoint:
      str(obj(cluster.controlPlane).endpoint) ?? str(kubeCluster?.endpoint) ?? "https://localhost:6443",
    k8sCa: k8sCrt ? { crt: k8sCrt, key: pem(obj(cluster.ca).key) } : k8sCa14,
    installImage: str(obj(machine.install).image) ?? str(installer.image),
  };
}
