// Tenant rules that need the add-on view: a tenant's quota keys are Kubernetes resource names, and a LimitRange
// default the quota does not constrain is harmless, but a compute quota with no default for the same resource
// refuses every pod that sets none. Name/namespace clashes and missing OIDC are checked with the spec
// (src/clusterspec/checks/addons.ts).
import { error, type Finding } from "../../findings.js";
import type { AddonSpecView } from "../types.js";

const QUANTITY = /^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+|[numkKMGTPE]i?|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const RESOURCE = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/;

export function checkTenantObjects(spec: AddonSpecView): Finding[] {
  const out: Finding[] = [];
  spec.tenants.forEach((t, i) => {
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
