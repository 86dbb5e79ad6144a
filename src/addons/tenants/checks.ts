// Tenant rules that need the add-on view: a tenant's quota keys are Kubernetes resource names, and a LimitRange
// default the quota does not constrain is harmless, but a compute quota with no default for the same resource
// refuses every pod that sets none. Name/namespace clashes and missing OIDC are checked with the spec
// (src/clusterspec/checks/addons.ts).
import { error, type Finding } from "../../findings.js";
import { CERT_MANAGER_NAMESPACE } from "../cert-manager/render.js";
import { CROSSPLANE_NAMESPACE } from "../crossplane/render.js";
import { FLUX_NAMESPACE } from "../flux/render.js";
import { GATEKEEPER_NAMESPACE } from "../gatekeeper/render.js";
import { GATEWAY_NAMESPACE } from "../gateway-api/render.js";
import { INGRESS_NGINX_NAMESPACE } from "../ingress-nginx/render.js";
import {
  KNATIVE_EVENTING_NAMESPACE,
  KNATIVE_OPERATOR_NAMESPACE,
  KNATIVE_SERVING_NAMESPACE,
} from "../knative/render.js";
import { METALLB_NAMESPACE } from "../metallb/render.js";
import { POWERDNS_NAMESPACE } from "../powerdns/render.js";
import { EXTERNAL_SECRETS_NAMESPACE } from "../secrets/render.js";
import { TRAEFIK_NAMESPACE } from "../traefik/render.js";
import type { AddonSpecView } from "../types.js";

/** Namespaces Kubernetes or cairn's add-ons own: a tenant's quota and default deny there would break the platform. */
const RESERVED = new Set([
  "default",
  FLUX_NAMESPACE,
  CERT_MANAGER_NAMESPACE,
  CROSSPLANE_NAMESPACE,
  GATEKEEPER_NAMESPACE,
  GATEWAY_NAMESPACE,
  INGRESS_NGINX_NAMESPACE,
  KNATIVE_EVENTING_NAMESPACE,
  KNATIVE_OPERATOR_NAMESPACE,
  KNATIVE_SERVING_NAMESPACE,
  METALLB_NAMESPACE,
  POWERDNS_NAMESPACE,
  EXTERNAL_SECRETS_NAMESPACE,
  TRAEFIK_NAMESPACE,
]);

const QUANTITY = /^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+|[numkKMGTPE]i?|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const RESOURCE = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/;

export function checkTenantObjects(spec: AddonSpecView): Finding[] {
  const out: Finding[] = [];
  spec.tenants.forEach((t, i) => {
    (t.namespaces ?? [t.name]).forEach((ns, k) => {
      if (RESERVED.has(ns) || ns.startsWith("kube-"))
        out.push(
          error(
            "tenant.reserved-namespace",
            t.namespaces ? ["tenants", i, "namespaces", k] : ["tenants", i, "name"],
            `namespace "${ns}" belongs to ${ns.startsWith("kube-") || ns === "default" ? "Kubernetes" : "the platform"}: a tenant's quota and default-deny policies there would break it`,
            "give the tenant a namespace of its own",
          ),
        );
    });
    for (const [k, v] of Object.entries(t.quota)) {
      const at = ["tenants", i, "quota", k];
      if (!RESOURCE.test(k))
        out.push(
          error(
            "tenant.quota-resource",
            at,
            `"${k}" is not a resource name`,
            "use names like requests.cpu, limits.memory, pods",
          ),
        );
      if (!QUANTITY.test(String(v)))
        out.push(
          error(
            "tenant.quota-quantity",
            at,
            `${JSON.stringify(v)} is not a Kubernetes quantity`,
            "write e.g. 4Gi, 500m or 20",
          ),
        );
    }
    for (const part of ["default", "defaultRequest"] as const)
      for (const [k, v] of Object.entries(t.limits?.[part] ?? {}))
        if (!QUANTITY.test(v))
          out.push(
            error(
              "tenant.limit-quantity",
              ["tenants", i, "limits", part, k],
              `${JSON.stringify(v)} is not a Kubernetes quantity`,
              "write e.g. 256Mi or 100m",
            ),
          );
  });
  return out;
}
