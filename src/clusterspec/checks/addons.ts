// Add-ons and tenants that refer to other parts of the spec: the storage network, and unique tenant names and
// namespaces (two tenants owning one namespace would fight over its quota and RBAC).
import { error, type Finding } from "../../findings.js";
import type { ClusterSpec } from "../schema.js";
import { closest } from "../../suggest.js";
import { contractFor } from "../../talos/versions.js";

export function checkAddons(spec: ClusterSpec): Finding[] {
  const out: Finding[] = [];
  const storage = spec.addons.storage;
  if (storage?.network !== undefined) {
    const path = ["addons", "storage", "network"];
    const net = spec.networks[storage.network];
    if (!net) {
      const guess = closest(storage.network, Object.keys(spec.networks));
      out.push(
        error(
          "addons.unknown-network",
          path,
          `storage network "${storage.network}" is not defined under networks`,
          guess ? `did you mean "${guess}"?` : "name a network that carries storage",
        ),
      );
    } else if (!net.carries.includes("storage")) {
      out.push(
        error(
          "addons.storage-network-role",
          path,
          `storage network "${storage.network}" does not carry storage (carries: ${net.carries.join(", ")})`,
          `add storage to networks.${storage.network}.carries, or name the network that carries storage`,
        ),
      );
    }
  }
  return out;
}

export function checkTenants(spec: ClusterSpec): Finding[] {
  const out: Finding[] = [];
  const names = new Map<string, number>();
  const namespaces = new Map<string, string>();
  spec.tenants.forEach((t, i) => {
    // A RoleBinding to a group nobody can sign in with would look like access and grant none.
    if ((t.oidcGroups.length || t.users.length) && !spec.kubernetes.oidc)
      out.push(
        error(
          "tenant.oidc-missing",
          ["tenants", i, t.oidcGroups.length ? "oidcGroups" : "users"],
          `tenant "${t.name}" binds OIDC ${t.oidcGroups.length ? "groups" : "users"}, but no OIDC issuer is configured`,
          "set kubernetes.oidc (issuerURL, clientID, usernameClaim, groupsClaim), or remove the bindings",
        ),
      );
    const prev = names.get(t.name);
    if (prev !== undefined)
      out.push(
        error(
          "tenant.duplicate-name",
          ["tenants", i, "name"],
          `tenant name "${t.name}" is already used by tenants[${prev}]`,
          "give every tenant a unique name",
        ),
      );
    else names.set(t.name, i);
    // A duplicate tenant's namespaces would only repeat the same clash.
    if (prev !== undefined) return;
    const list = t.namespaces ?? [t.name];
    list.forEach((ns, k) => {
      const owner = namespaces.get(ns);
      const path = t.namespaces ? ["tenants", i, "namespaces", k] : ["tenants", i, "name"];
      if (owner !== undefined && owner !== t.name)
        out.push(
          error(
            "tenant.duplicate-namespace",
            path,
            `namespace "${ns}" of tenant "${t.name}" already belongs to tenant "${owner}"`,
            "a namespace belongs to one tenant; rename one of them",
          ),
        );
      else if (owner !== undefined)
        out.push(
          error(
            "tenant.duplicate-namespace",
            path,
            `namespace "${ns}" is listed twice for tenant "${t.name}"`,
            "list each namespace once",
          ),
        );
      else namespaces.set(ns, t.name);
    });
  });
  return out;
}

const OIDC_FIELDS: Record<string, string> = {
  "oidc-issuer-url": "issuerURL",
  "oidc-client-id": "clientID",
  "oidc-username-claim": "usernameClaim",
  "oidc-username-prefix": "usernamePrefix",
  "oidc-groups-claim": "groupsClaim",
  "oidc-groups-prefix": "groupsPrefix",
};

/**
 * OIDC arguments given by hand: Talos 1.14 refuses every oidc-* API server argument (KubeAPIServerConfig
 * validateArgs, "use KubeAuthenticationConfig"); before, one that kubernetes.oidc also sets would be overwritten.
 */
export function checkOidcArgs(spec: ClusterSpec): Finding[] {
  const out: Finding[] = [];
  const is114 = contractFor(spec.talos.version) === "1.14";
  for (const k of Object.keys(spec.kubernetes.apiServerExtraArgs)) {
    if (!k.startsWith("oidc-")) continue;
    const path = ["kubernetes", "apiServerExtraArgs", k];
    const field = OIDC_FIELDS[k];
    if (is114)
      out.push(
        error(
          "kubernetes.oidc-args",
          path,
          `Talos ${spec.talos.version} refuses the API server argument ${k}: OIDC moved to KubeAuthenticationConfig`,
          field
            ? `set kubernetes.oidc.${field} instead; cairn writes the authentication configuration for this Talos`
            : "remove it; kubernetes.oidc covers issuer, client id, claims and prefixes",
        ),
      );
    else if (field && spec.kubernetes.oidc)
      out.push(
        error(
          "kubernetes.oidc-args",
          path,
          `${k} conflicts with kubernetes.oidc, which sets it`,
          `remove it and set kubernetes.oidc.${field}`,
        ),
      );
  }
  return out;
}
