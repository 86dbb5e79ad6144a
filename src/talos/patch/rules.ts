// Where Talos' merge departs from "maps merge, lists append, zero values keep the left side". Talos decides this
// from Go types (merge:"replace" tags, custom Merge methods, pointer fields); cairn merges plain values, so the
// departures are listed here by document kind and path (facts from pkg/machinery/config/types at v1.13.9 and,
// for the kinds 1.14 adds, v1.14.0-rc.1).
// Paths: keys joined by ".", a list element is "[]" (e.g. "machine.network.interfaces[].vlans").
import { LEGACY_KIND } from "./document.js";

export type MergeRule =
  /** merge:"replace": the right value replaces the left one unless it is absent/null. */
  | { type: "replace" }
  /** v1alpha1.Args: keys are copied over (a list or string value replaces, never merges). */
  | { type: "args" }
  /** A Go pointer to a scalar: a zero right value ("" or 0) still overwrites. */
  | { type: "pointer" }
  /** A list with a custom Merge: elements with an equal key are merged (or replaced), others appended. */
  | { type: "keyed"; match: KeyMatcher; element: "merge" | "replace" };

export type KeyMatcher = "interface" | "vlanId" | "name" | "mountPath" | "image";

const ARGS = { type: "args" } as const;
const REPLACE = { type: "replace" } as const;

const RULES: Record<string, Record<string, MergeRule>> = {
  [LEGACY_KIND]: {
    // NetworkDeviceList: by interface name, else by an equal deviceSelector.
    "machine.network.interfaces": { type: "keyed", match: "interface", element: "merge" },
    // VlanList: by vlanId.
    "machine.network.interfaces[].vlans": { type: "keyed", match: "vlanId", element: "merge" },
    // AdmissionPluginConfigList: by plugin name.
    "cluster.apiServer.admissionControl": { type: "keyed", match: "name", element: "merge" },
    "cluster.apiServer.auditPolicy": REPLACE,
    "cluster.network.podSubnets": REPLACE,
    "cluster.network.serviceSubnets": REPLACE,
    "machine.kubelet.extraArgs": ARGS,
    "cluster.apiServer.extraArgs": ARGS,
    "cluster.controllerManager.extraArgs": ARGS,
    "cluster.proxy.extraArgs": ARGS,
    "cluster.scheduler.extraArgs": ARGS,
    "cluster.etcd.extraArgs": ARGS,
    // The only pointer-to-scalar field of v1alpha1 (every bool is a pointer and handled as a bool).
    "machine.network.kubespan.mtu": { type: "pointer" },
  },
  ExtensionServiceConfig: {
    configFiles: { type: "keyed", match: "mountPath", element: "merge" },
  },
  ImageVerificationConfig: {
    // ImageVerificationRules: a rule with the same image pattern replaces the old one in place.
    rules: { type: "keyed", match: "image", element: "replace" },
  },
  NetworkRuleConfig: {
    ingress: REPLACE,
    "portSelector.ports": REPLACE,
  },
  // 1.14: merge:"replace" tags and meta.Args (whose Merge copies keys over).
  KubeNetworkConfig: { podSubnets: REPLACE, serviceSubnets: REPLACE },
  KubeAuditPolicyConfig: { configuration: REPLACE },
  KubeAuthenticationConfig: { configuration: REPLACE },
  KubeCredentialProviderConfig: { configuration: REPLACE },
  KubeStaticPodConfig: { pod: REPLACE },
  CRIBaseRuntimeSpecConfig: { overrides: REPLACE },
  BGPInstanceConfig: { advertise: REPLACE, importRoutes: REPLACE, neighbors: REPLACE },
  KubeletConfig: { extraArgs: ARGS },
  KubeAPIServerConfig: { extraArgs: ARGS },
  KubeControllerManagerConfig: { extraArgs: ARGS },
  KubeSchedulerConfig: { extraArgs: ARGS },
  KubeProxyConfig: { extraArgs: ARGS },
};

// Kinds and paths come from user documents: look them up as own keys only ("toString" is not a rule).
export function ruleAt(kind: string, path: string): MergeRule | undefined {
  const rules = Object.hasOwn(RULES, kind) ? RULES[kind] : undefined;
  return rules && Object.hasOwn(rules, path) ? rules[path] : undefined;
}

// Map-typed fields of v1alpha1 (Go maps, not structs): deleting a missing key there is a lookup failure, as in
// Talos, while zeroing an absent struct field is not.
const MAP_PATHS: Record<string, ReadonlySet<string>> = {
  [LEGACY_KIND]: new Set([
    "machine.nodeLabels",
    "machine.nodeAnnotations",
    "machine.nodeTaints",
    "machine.sysctls",
    "machine.sysfs",
    "machine.env",
    "machine.registries.mirrors",
    "machine.registries.config",
    "machine.kubelet.extraArgs",
    "machine.kubelet.extraConfig",
    "machine.kubelet.credentialProviderConfig",
    "machine.baseRuntimeSpecOverrides",
    "cluster.apiServer.extraArgs",
    "cluster.apiServer.auditPolicy",
    "cluster.controllerManager.extraArgs",
    "cluster.proxy.extraArgs",
    "cluster.scheduler.extraArgs",
    "cluster.scheduler.config",
    "cluster.etcd.extraArgs",
  ]),
  KubeNodeConfig: new Set(["labels", "annotations", "taints"]),
  KubeletConfig: new Set(["extraArgs", "config"]),
  KubeAPIServerConfig: new Set(["extraArgs", "env"]),
  KubeControllerManagerConfig: new Set(["extraArgs", "env"]),
  KubeSchedulerConfig: new Set(["extraArgs", "env", "config"]),
  KubeProxyConfig: new Set(["extraArgs", "config"]),
  SysctlConfig: new Set(["params"]),
  SysfsConfig: new Set(["params"]),
};

export function isMapPath(kind: string, path: string): boolean {
  return Object.hasOwn(MAP_PATHS, kind) ? MAP_PATHS[kind]!.has(path) : false;
}
