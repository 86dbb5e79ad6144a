// Who is calling and what they may do. Identities come from verified client certificates (CN = user, O = groups),
// as kube-apiserver's x509 authenticator reads them; authorization is the part of RBAC and the Node authorizer a
// Talos cluster's callers meet: system:masters may do anything, a kubelet (system:node:<name> in system:nodes) may
// read what it needs and write only its own Node, Lease and the status of Pods bound to it, anonymous callers may
// read the health and version endpoints (system:public-info-viewer).
export interface Identity {
  user: string;
  groups: string[];
}

export const ANONYMOUS: Identity = { user: "system:anonymous", groups: ["system:unauthenticated"] };

export interface Attributes {
  verb: string;
  group: string;
  resource: string;
  subresource: string | undefined;
  namespace: string | undefined;
  name: string | undefined;
  /** Set for non-resource requests (/healthz, /version, /api …). */
  path?: string;
}

const PUBLIC_PATHS = ["/healthz", "/livez", "/readyz", "/version"];
const READ = new Set(["get", "list", "watch"]);
const NODE_READABLE = new Set([
  "nodes",
  "pods",
  "services",
  "endpoints",
  "configmaps",
  "namespaces",
  "persistentvolumeclaims",
  "leases",
  "customresourcedefinitions",
]);

/** undefined when allowed, else the reason kube-apiserver gives. */
export function authorize(who: Identity, a: Attributes): string | undefined {
  if (who.groups.includes("system:masters")) return undefined;
  if (a.path !== undefined) {
    if (PUBLIC_PATHS.some((p) => a.path === p || a.path!.startsWith(`${p}/`))) return undefined;
    if (who.groups.includes("system:authenticated") && /^\/(api|apis|openapi)(\/|$)/.test(a.path))
      return undefined;
    return "";
  }
  const node = /^system:node:(.+)$/.exec(who.user)?.[1];
  if (node && who.groups.includes("system:nodes")) {
    if (READ.has(a.verb) && NODE_READABLE.has(a.resource)) return undefined;
    if (a.resource === "nodes") {
      if (a.verb === "create" || a.name === node) return undefined;
      return `node '${node}' cannot modify node '${a.name ?? ""}'`;
    }
    if (
      a.resource === "leases" &&
      a.namespace === "kube-node-lease" &&
      (a.name === node || a.verb === "create")
    )
      return undefined;
    if (a.resource === "pods" && a.subresource === "status" && (a.verb === "update" || a.verb === "patch"))
      return undefined;
    if (a.resource === "events" && (a.verb === "create" || a.verb === "patch")) return undefined;
    return "";
  }
  return "";
}
