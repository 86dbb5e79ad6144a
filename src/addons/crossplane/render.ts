// Crossplane (chart) in the controllers layer; its Provider packages in the configs layer, once the pkg CRDs exist.
import { namespace } from "../objects.js";
import { emptyOutput, type AddonContext, type AddonOutput } from "../types.js";
import { CROSSPLANE_CHART } from "./versions.js";

export const CROSSPLANE_NAMESPACE = "crossplane-system";

export function renderCrossplane(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const spec = ctx.spec;
  out.objects.push({ layer: "controllers", object: namespace(CROSSPLANE_NAMESPACE) });
  out.releases.push({
    name: "crossplane",
    namespace: CROSSPLANE_NAMESPACE,
    chart: { ...CROSSPLANE_CHART },
    values: {},
    dependsOn: spec.addons.cni?.type === "cilium" ? ["cilium"] : [],
  });
  for (const p of spec.addons.crossplane!.providers)
    out.objects.push({
      layer: "configs",
      object: {
        apiVersion: "pkg.crossplane.io/v1",
        kind: "Provider",
        metadata: { name: p.name },
        spec: { package: p.package },
      },
    });
  return out;
}
