// COSI resource types cairn reads, with their default namespaces and the short names `talosctl get` accepts.
// Specs are read from yaml_spec (Talos fills it next to proto_spec), so no per-resource protos are needed.
import { parseYamlStream } from "../../io/yaml.js";
import type { Resource } from "./types.js";

export interface ResourceType {
  type: string;
  namespace: string;
  aliases: readonly string[];
  /** The well-known singleton ID, when there is one. */
  singleton?: string;
}

export const RESOURCE_TYPES = {
  members: { type: "Members.cluster.talos.dev", namespace: "cluster", aliases: ["member", "members"] },
  machineStatus: {
    type: "MachineStatuses.runtime.talos.dev",
    namespace: "runtime",
    aliases: ["machinestatus", "machinestatuses"],
    singleton: "machine",
  },
  services: {
    type: "Services.v1alpha1.talos.dev",
    namespace: "runtime",
    aliases: ["service", "services", "svc"],
  },
  etcdMembers: {
    type: "EtcdMembers.etcd.talos.dev",
    namespace: "etcd",
    aliases: ["etcdmember", "etcdmembers"],
  },
  versions: {
    type: "Versions.runtime.talos.dev",
    namespace: "runtime",
    aliases: ["version", "versions"],
    singleton: "version",
  },
  nodeAddresses: {
    type: "NodeAddresses.net.talos.dev",
    namespace: "network",
    aliases: ["nodeaddress", "nodeaddresses"],
    singleton: "current",
  },
  machineConfigs: {
    type: "MachineConfigs.config.talos.dev",
    namespace: "config",
    aliases: ["machineconfig", "machineconfigs", "mc"],
    singleton: "v1alpha1",
  },
  resourceDefinitions: {
    type: "ResourceDefinitions.meta.cosi.dev",
    namespace: "meta",
    aliases: ["resourcedefinition", "resourcedefinitions", "rd", "rds"],
  },
} as const satisfies Record<string, ResourceType>;

/** A known type by full name or alias (case-insensitive), or undefined (ask the node's ResourceDefinitions). */
export function knownResourceType(name: string): ResourceType | undefined {
  const n = name.toLowerCase();
  return Object.values(RESOURCE_TYPES).find(
    (t) => t.type.toLowerCase() === n || (t.aliases as readonly string[]).includes(n),
  );
}

/** A resource with its spec parsed from YAML. */
export interface ParsedResource<S = unknown> {
  namespace: string;
  type: string;
  id: string;
  version: string;
  phase: string;
  labels: Record<string, string>;
  spec: S;
  /** The spec text as the node sent it. */
  yaml: string;
}

/**
 * A resource's yaml_spec: one document for most types, but a machine config (MachineConfigs) is the whole
 * multi-document config text, which comes back as a list of documents.
 */
function parseSpec(yaml: string, what: string): unknown {
  if (yaml === "") return null;
  // The node's text is input like any other: read within the YAML limits.
  const values = parseYamlStream(yaml, what);
  return values.length === 1 ? values[0] : values;
}

export function parseResource<S = unknown>(r: Resource): ParsedResource<S> {
  const yaml = r.spec?.yaml_spec ?? "";
  const md = r.metadata;
  return {
    namespace: md?.namespace ?? "",
    type: md?.type ?? "",
    id: md?.id ?? "",
    version: md?.version ?? "",
    phase: md?.phase ?? "",
    labels: md?.labels ?? {},
    spec: parseSpec(yaml, `${md?.type ?? "resource"} ${md?.id ?? ""} from the node`.trim()) as S,
    yaml,
  };
}

// Spec shapes of the resources the engine reads (yaml keys as Talos writes them).

export interface MemberSpec {
  nodeId: string;
  addresses?: string[];
  hostname: string;
  machineType: "controlplane" | "worker" | "init" | string;
  operatingSystem?: string;
  controlPlane?: { port: number };
}

export interface MachineStatusSpec {
  stage: string;
  status: { ready: boolean; unmetConditions?: { name: string; reason: string }[] };
}

export interface ServiceSpec {
  running: boolean;
  healthy: boolean;
  unknown: boolean;
}

export interface EtcdMemberSpec {
  memberId: string;
}

export interface VersionSpec {
  version: string;
}

export interface NodeAddressSpec {
  addresses: string[];
}

export interface ResourceDefinitionSpec {
  type: string;
  defaultNamespace: string;
  aliases?: string[];
  allAliases?: string[];
}
