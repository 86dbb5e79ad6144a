// The COSI resources a twin node serves read-only (research/talos.md §4 "COSI resource API"), built on demand
// from node state and served with `yaml_spec` (proto_spec stays empty: clients parse the YAML).
import { stringify } from "yaml";
import { dateToTimestamp } from "../talos/api/messages.js";
import type { Resource } from "../talos/api/types.js";
import type { TwinNode } from "./node.js";

export interface ResourceType {
  type: string;
  displayType: string;
  aliases: string[];
  defaultNamespace: string;
  sensitive: boolean;
  build(node: TwinNode): { id: string; spec: unknown; namespace?: string }[];
}

const osName = (node: TwinNode): string => `Talos (${node.version}) (twin, simulated)`;

function services(node: TwinNode): { id: string; running: boolean; healthy: boolean; unknown: boolean }[] {
  const out = [
    { id: "apid", running: true, healthy: true, unknown: false },
    { id: "containerd", running: true, healthy: true, unknown: false },
    { id: "cri", running: true, healthy: true, unknown: false },
    { id: "machined", running: true, healthy: true, unknown: false },
    { id: "udevd", running: true, healthy: true, unknown: false },
  ];
  if (node.mode !== "normal") return out.filter((s) => s.id === "machined" || s.id === "udevd");
  const cpUp = node.twin.controlPlaneUp(node);
  out.push({ id: "kubelet", running: true, healthy: cpUp, unknown: false });
  if (node.isControlPlane) {
    out.push({ id: "etcd", running: node.etcd.running, healthy: node.etcd.running, unknown: false });
    out.push({ id: "trustd", running: true, healthy: true, unknown: false });
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

export { services as simulatedServices };

const RESOURCE_TYPES: ResourceType[] = [
  {
    type: "MachineStatuses.runtime.talos.dev",
    displayType: "MachineStatus",
    aliases: ["machinestatus", "machinestatuses", "ms"],
    defaultNamespace: "runtime",
    sensitive: false,
    build: (n) => [
      {
        id: "machine",
        spec: {
          stage: n.stage === "stopped" ? "shutting down" : n.stage,
          status: { ready: n.ready, unmetConditions: n.unmetConditions() },
        },
      },
    ],
  },
  {
    type: "Members.cluster.talos.dev",
    displayType: "Member",
    aliases: ["member", "members"],
    defaultNamespace: "cluster",
    sensitive: false,
    build: (n) =>
      n.twin.discoveryMembers(n).map((m) => ({
        id: m.nodeId,
        spec: {
          nodeId: m.nodeId,
          addresses: [m.address],
          hostname: m.hostname,
          machineType: m.config?.machineType ?? "unknown",
          operatingSystem: osName(m),
          ...(m.isControlPlane ? { controlPlane: { port: 6443 } } : {}),
        },
      })),
  },
  {
    type: "NodeAddresses.net.talos.dev",
    displayType: "NodeAddress",
    aliases: ["nodeaddress", "nodeaddresses"],
    defaultNamespace: "network",
    sensitive: false,
    build: (n) =>
      ["accumulative", "current", "default", "routed"].map((id) => ({
        id,
        spec: { addresses: [`${n.address}/${n.twin.prefixLength}`] },
      })),
  },
  {
    type: "Versions.runtime.talos.dev",
    displayType: "Version",
    aliases: ["version", "versions"],
    defaultNamespace: "runtime",
    sensitive: false,
    build: (n) => [{ id: "version", spec: { version: n.version } }],
  },
  {
    type: "Services.v1alpha1.talos.dev",
    displayType: "Service",
    aliases: ["service", "services", "svc"],
    defaultNamespace: "runtime",
    sensitive: false,
    build: (n) =>
      services(n).map((s) => ({
        id: s.id,
        spec: { running: s.running, healthy: s.healthy, unknown: s.unknown },
      })),
  },
  {
    type: "EtcdMembers.etcd.talos.dev",
    displayType: "EtcdMember",
    aliases: ["etcdmember", "etcdmembers"],
    defaultNamespace: "etcd",
    sensitive: false,
    build: (n) =>
      n.isControlPlane && n.etcdMemberId ? [{ id: "local", spec: { memberID: n.etcdMemberId } }] : [],
  },
  {
    type: "Hostnames.net.talos.dev",
    displayType: "HostnameStatus",
    aliases: ["hostname", "hostnames", "hostnamestatus"],
    defaultNamespace: "network",
    sensitive: false,
    build: (n) => [{ id: "hostname", spec: { hostname: n.hostname, domainname: "" } }],
  },
  {
    type: "MachineConfigs.config.talos.dev",
    displayType: "MachineConfig",
    aliases: ["machineconfig", "machineconfigs", "mc"],
    defaultNamespace: "config",
    sensitive: true,
    build: (n) => (n.config ? [{ id: "v1alpha1", spec: n.config.text }] : []),
  },
];

const DEFINITIONS: ResourceType = {
  type: "ResourceDefinitions.meta.cosi.dev",
  displayType: "ResourceDefinition",
  aliases: ["resourcedefinition", "resourcedefinitions", "rd"],
  defaultNamespace: "meta",
  sensitive: false,
  build: () =>
    [...RESOURCE_TYPES, DEFINITIONS].map((t) => ({
      id: t.type.toLowerCase(),
      spec: {
        type: t.type,
        displayType: t.displayType,
        defaultNamespace: t.defaultNamespace,
        aliases: t.aliases,
        allAliases: [t.type.split(".")[0]!.toLowerCase(), ...t.aliases],
        printColumns: [],
        sensitivity: t.sensitive ? 1 : 0,
      },
    })),
};

export function findType(type: string): ResourceType | undefined {
  const t = type.toLowerCase();
  return [...RESOURCE_TYPES, DEFINITIONS].find((r) => r.type.toLowerCase() === t);
}

export function buildResources(node: TwinNode, rt: ResourceType, namespace: string): Resource[] {
  const now = dateToTimestamp(node.bootedAt);
  return rt
    .build(node)
    .filter((r) => (r.namespace ?? rt.defaultNamespace) === namespace)
    .map((r) => {
      const yaml = typeof r.spec === "string" ? r.spec : stringify(r.spec);
      return {
        metadata: {
          namespace,
          type: rt.type,
          id: r.id,
          version: String(node.generation),
          owner: "",
          phase: "running",
          created: now,
          updated: now,
          finalizers: [],
          labels: {},
          annotations: {},
        },
        spec: { proto_spec: new Uint8Array(), yaml_spec: yaml },
      };
    });
}
