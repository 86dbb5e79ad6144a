// The resource types the simulated kube-apiserver serves: the built-ins (as kube-apiserver names them in discovery)
// and the types custom resource definitions add. Pure data and lookups; no I/O.

export interface ResourceType {
  group: string;
  version: string;
  /** Plural resource name, e.g. "deployments". */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Subresources served besides the main resource ("status", "eviction", "scale"). */
  subresources: string[];
  /** The reference schema file under schema/k8s/v1.32/ (built-ins that have one). */
  schemaFile?: string;
  /** Set for types a CustomResourceDefinition defines. */
  crd?: CrdVersionInfo;
}

interface CrdVersionInfo {
  /** The CRD's name (<plural>.<group>). */
  name: string;
  /** openAPIV3Schema of this version. */
  schema: Record<string, unknown> | undefined;
  printerColumns: { name: string; type: string; jsonPath: string; description?: string; priority?: number }[];
  served: boolean;
  storage: boolean;
}

function t(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<
    Pick<ResourceType, "shortNames" | "categories" | "subresources" | "schemaFile" | "singular">
  > = {},
): ResourceType {
  return {
    group,
    version,
    resource,
    singular: extra.singular ?? kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced,
    shortNames: extra.shortNames ?? [],
    categories: extra.categories ?? [],
    subresources: extra.subresources ?? [],
    ...(extra.schemaFile ? { schemaFile: extra.schemaFile } : {}),
  };
}

/** File name in the reference layout: <kind>-<group's first label>-<version>.json, core group without a group part. */
const schemaOf = (kind: string, group: string, version: string): string =>
  `${kind.toLowerCase()}${group ? `-${group.split(".")[0]}` : ""}-${version}.json`;

const withSchema = (r: ResourceType): ResourceType => ({
  ...r,
  schemaFile: schemaOf(r.kind, r.group, r.version),
});

export const BUILTIN_TYPES: readonly ResourceType[] = [
  withSchema(
    t("", "v1", "namespaces", "Namespace", false, {
      shortNames: ["ns"],
      subresources: ["status", "finalize"],
    }),
  ),
  t("", "v1", "nodes", "Node", false, { shortNames: ["no"], subresources: ["status"] }),
  t("", "v1", "pods", "Pod", true, {
    shortNames: ["po"],
    categories: ["all"],
    subresources: ["status", "eviction", "log"],
  }),
  withSchema(
    t("", "v1", "services", "Service", true, {
      shortNames: ["svc"],
      categories: ["all"],
      subresources: ["status"],
    }),
  ),
  withSchema(t("", "v1", "configmaps", "ConfigMap", true, { shortNames: ["cm"] })),
  withSchema(t("", "v1", "secrets", "Secret", true)),
  withSchema(t("", "v1", "serviceaccounts", "ServiceAccount", true, { shortNames: ["sa"] })),
  withSchema(t("", "v1", "limitranges", "LimitRange", true, { shortNames: ["limits"] })),
  withSchema(
    t("", "v1", "resourcequotas", "ResourceQuota", true, { shortNames: ["quota"], subresources: ["status"] }),
  ),
  t("", "v1", "events", "Event", true, { shortNames: ["ev"] }),
  t("", "v1", "endpoints", "Endpoints", true, { shortNames: ["ep"], singular: "endpoints" }),
  t("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, {
    shortNames: ["pvc"],
    subresources: ["status"],
  }),
  withSchema(
    t("apps", "v1", "deployments", "Deployment", true, {
      shortNames: ["deploy"],
      categories: ["all"],
      subresources: ["status", "scale"],
    }),
  ),
  withSchema(
    t("apps", "v1", "daemonsets", "DaemonSet", true, {
      shortNames: ["ds"],
      categories: ["all"],
      subresources: ["status"],
    }),
  ),
  t("apps", "v1", "replicasets", "ReplicaSet", true, {
    shortNames: ["rs"],
    categories: ["all"],
    subresources: ["status", "scale"],
  }),
  t("apps", "v1", "statefulsets", "StatefulSet", true, {
    shortNames: ["sts"],
    categories: ["all"],
    subresources: ["status", "scale"],
  }),
  withSchema(t("batch", "v1", "jobs", "Job", true, { categories: ["all"], subresources: ["status"] })),
  t("batch", "v1", "cronjobs", "CronJob", true, {
    shortNames: ["cj"],
    categories: ["all"],
    subresources: ["status"],
  }),
  t("coordination.k8s.io", "v1", "leases", "Lease", true),
  t("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, {
    shortNames: ["pdb"],
    subresources: ["status"],
  }),
  t("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, {
    shortNames: ["crd", "crds"],
    subresources: ["status"],
  }),
  withSchema(t("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false)),
  withSchema(t("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false)),
  withSchema(t("rbac.authorization.k8s.io", "v1", "roles", "Role", true)),
  withSchema(t("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true)),
  withSchema(
    t("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, { shortNames: ["netpol"] }),
  ),
  withSchema(t("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, { shortNames: ["sc"] })),
];

export const groupVersion = (r: Pick<ResourceType, "group" | "version">): string =>
  r.group ? `${r.group}/${r.version}` : r.version;

/** kube-apiserver's etcd key prefix of a resource: /registry/<group>/<resource> for CRs, /registry/<resource> else. */
export function keyPrefix(r: ResourceType, namespace?: string): string {
  const base = r.crd ? `/registry/${r.group}/${r.resource}` : `/registry/${storageName(r)}`;
  return r.namespaced && namespace ? `${base}/${namespace}/` : `${base}/`;
}

export function objectKey(r: ResourceType, namespace: string | undefined, name: string): string {
  return `${keyPrefix(r, r.namespaced ? namespace : undefined)}${name}`;
}

// kube-apiserver's storage paths for the built-ins whose key is not the plural (pkg/registry/*/storage).
function storageName(r: ResourceType): string {
  if (r.resource === "nodes") return "minions";
  if (r.resource === "services") return "services/specs";
  if (r.resource === "customresourcedefinitions") return "apiextensions.k8s.io/customresourcedefinitions";
  return r.resource;
}

/** The registry of types a server knows: built-ins plus what the stored CRDs define. */
export class TypeRegistry {
  private types: ResourceType[] = [...BUILTIN_TYPES];

  all(): readonly ResourceType[] {
    return this.types;
  }

  /** Replaces the CRD-defined types with those of `crds` (established, served versions). */
  setCrds(crds: readonly Record<string, unknown>[]): void {
    const out: ResourceType[] = [...BUILTIN_TYPES];
    for (const crd of crds) out.push(...typesOfCrd(crd));
    this.types = out;
  }

  find(group: string, version: string, resource: string): ResourceType | undefined {
    return this.types.find((r) => r.group === group && r.version === version && r.resource === resource);
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.types.find((r) => groupVersion(r) === apiVersion && r.kind === kind);
  }

  groupVersions(): { group: string; versions: string[] }[] {
    const groups = new Map<string, string[]>();
    for (const r of this.types) {
      const v = groups.get(r.group) ?? [];
      if (!v.includes(r.version)) v.push(r.version);
      groups.set(r.group, v);
    }
    return [...groups].map(([group, versions]) => ({ group, versions }));
  }
}

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** The served versions of a CustomResourceDefinition (apiextensions.k8s.io/v1) as resource types. */
function typesOfCrd(crd: Obj): ResourceType[] {
  const spec = o(crd.spec);
  const names = o(spec.names);
  const group = String(spec.group ?? "");
  const plural = String(names.plural ?? "");
  const kind = String(names.kind ?? "");
  if (!group || !plural || !kind) return [];
  const versions = Array.isArray(spec.versions) ? (spec.versions as Obj[]) : [];
  const subresourcesOf = (v: Obj): string[] => Object.keys(o(v.subresources));
  return versions
    .filter((v) => v.served !== false)
    .map((v) => ({
      group,
      version: String(v.name),
      resource: plural,
      singular: String(names.singular ?? kind.toLowerCase()),
      kind,
      listKind: String(names.listKind ?? `${kind}List`),
      namespaced: spec.scope !== "Cluster",
      shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
      categories: Array.isArray(names.categories) ? names.categories.map(String) : [],
      subresources: subresourcesOf(v),
      crd: {
        name: String(o(crd.metadata).name ?? `${plural}.${group}`),
        schema: o(o(v.schema).openAPIV3Schema),
        printerColumns: Array.isArray(v.additionalPrinterColumns)
          ? (v.additionalPrinterColumns as CrdVersionInfo["printerColumns"])
          : [],
        served: true,
        storage: v.storage === true,
      },
    }));
}
