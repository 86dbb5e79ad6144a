// Each entry becomes a ChartRelease (the tree builder turns it into its source and HelmRelease, as for every add-on)
// and, unless told not to, its namespace. Namespaces cairn's own add-ons or Kubernetes already have are never
// rendered twice.
import { namespace } from "../objects.js";
import { emptyOutput, type AddonContext, type AddonOutput } from "../types.js";

/** Namespaces that exist before any chart: never rendered by this add-on. */
const BUILT_IN = new Set(["default", "kube-system", "kube-public", "kube-node-lease", "flux-system"]);

type Entry = NonNullable<AddonContext["spec"]["addons"]["charts"]>[number];

/** The chart's name: the entry's, or an oci:// URL's last path segment. */
export function chartName(c: Entry): string | undefined {
  if (c.chart !== undefined && !c.repository.startsWith("oci://")) return c.chart;
  const last = c.repository.replace(/\/+$/, "").split("/").at(-1);
  return c.repository.startsWith("oci://") ? last : c.chart;
}

export function renderCharts(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const namespaces = new Set<string>();
  for (const c of ctx.spec.addons.charts ?? []) {
    if (c.createNamespace && !BUILT_IN.has(c.namespace) && !namespaces.has(c.namespace)) {
      namespaces.add(c.namespace);
      out.objects.push({ layer: "controllers", object: namespace(c.namespace) });
    }
    out.releases.push({
      name: c.name,
      namespace: c.namespace,
      chart: { name: chartName(c)!, version: c.version, repository: c.repository },
      values: structuredClone(c.values),
      dependsOn: [...c.dependsOn],
    });
  }
  return out;
}
