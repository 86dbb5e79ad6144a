// Talos config documents as plain JS values (one object per YAML document) and how Talos tells them apart.

export type ConfigValue = null | boolean | number | string | bigint | ConfigValue[] | ConfigObject;
export interface ConfigObject {
  [key: string]: ConfigValue;
}
/** One YAML document of a machine config. */
export type ConfigDocument = ConfigObject;

/** The kind Talos gives the legacy v1alpha1 document (it has no apiVersion/kind keys). */
export const LEGACY_KIND = "v1alpha1";

// Kinds whose Go type implements config.NamedDocument (has a Name() method) at v1.13.9 and v1.14.0-rc.1: only
// these are matched by name as well; every other kind by apiVersion/kind alone.
export const NAMED_KINDS: ReadonlySet<string> = new Set([
  "ExtensionServiceConfig",
  // 1.14
  "DiscoveryServiceConfig",
  "ContainerConfig",
  "CRICustomizationConfig",
  "KubeAdmissionControlConfig",
  "KubeAuthorizerConfig",
  "KubeExternalManifestConfig",
  "KubeInlineManifestConfig",
  "KubeStaticPodConfig",
  "BGPInstanceConfig",
  "HTTPProbeConfig",
  "VethConfig",
  "EtcFileConfig",
  "KernelModuleConfig",
  "LVMLogicalVolumeConfig",
  "LVMVolumeGroupConfig",
  "RAIDArrayConfig",
  "ExistingVolumeConfig",
  "ExternalVolumeConfig",
  "RawVolumeConfig",
  "SwapVolumeConfig",
  "UserVolumeConfig",
  "VolumeConfig",
  "RegistryAuthConfig",
  "RegistryMirrorConfig",
  "RegistryTLSConfig",
  "PCIDriverRebindConfig",
  "BlackholeRouteConfig",
  "BondConfig",
  "BridgeConfig",
  "DHCPv4Config",
  "DHCPv6Config",
  "DummyLinkConfig",
  "EthernetConfig",
  "HCloudVIPConfig",
  "Layer2VIPConfig",
  "LinkConfig",
  "LinkAliasConfig",
  "RoutingRuleConfig",
  "NetworkRuleConfig",
  "StaticHostConfig",
  "TCPProbeConfig",
  "VLANConfig",
  "VRFConfig",
  "WireguardConfig",
  "KmsgLogConfig",
  "TrustedRootsConfig",
]);

export function isObject(v: unknown): v is ConfigObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function clone<T extends ConfigValue | undefined>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => clone(x)) as T;
  if (isObject(v)) {
    const out: ConfigObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = clone(x);
    return out as T;
  }
  return v;
}

function str(v: ConfigValue | undefined): string {
  return typeof v === "string" ? v : "";
}

export interface DocumentType {
  apiVersion: string;
  kind: string;
}

/** apiVersion and kind as Talos reports them: the legacy document is ("", "v1alpha1"). */
export function documentType(doc: ConfigDocument): DocumentType {
  const kind = str(doc.kind);
  if (kind === "") return { apiVersion: "", kind: LEGACY_KIND };
  return { apiVersion: str(doc.apiVersion), kind };
}

/** The identity Talos' strategic merge matches documents by: apiVersion/kind, plus /name for named kinds. */
export function documentId(doc: ConfigDocument): string {
  const { apiVersion, kind } = documentType(doc);
  return documentIdOf(apiVersion, kind, str(doc.name));
}

export function documentIdOf(apiVersion: string, kind: string, name: string): string {
  const id = `${apiVersion}/${kind}`;
  return NAMED_KINDS.has(kind) ? `${id}/${name}` : id;
}
