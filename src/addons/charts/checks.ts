// A chart entry must name a source Flux can read, a chart in it, and releases to wait for that are not itself; two
// entries must not claim the same release. A dependsOn naming no rendered release is refused when the tree is built
// (the other add-ons' release names are known only then).
import { error, type Finding } from "../../findings.js";
import type { AddonSpecView } from "../types.js";
import { chartName } from "./render.js";

export function checkCharts(spec: AddonSpecView): Finding[] {
  const list = spec.addons.charts ?? [];
  const out: Finding[] = [];
  const seen = new Map<string, number>();
  list.forEach((c, i) => {
    const at = ["addons", "charts", i] as const;
    const oci = c.repository.startsWith("oci://");
    if (!oci && !/^https?:\/\/[^/\s]+/.test(c.repository))
      out.push(
        error(
          "addons.chart-repository",
          [...at, "repository"],
          `${c.repository} is neither an oci:// chart nor an http(s):// Helm repository`,
          "write oci://registry/path/chart or https://charts.example.com",
        ),
      );
    else if (oci && !/^oci:\/\/[^/\s]+\/\S+[^/]$/.test(c.repository))
      out.push(
        error(
          "addons.chart-repository",
          [...at, "repository"],
          `${c.repository} names no chart: an oci:// source is the chart itself, registry/path/chart`,
          "write it like oci://ghcr.io/org/charts/name",
        ),
      );
    if (!oci && c.chart === undefined)
      out.push(
        error(
          "addons.chart-name",
          [...at, "chart"],
          `a Helm repository holds many charts: entry ${c.name} must say which`,
          "add chart: <name in the repository>",
        ),
      );
    if (oci && c.chart !== undefined && c.chart !== chartName(c))
      out.push(
        error(
          "addons.chart-name",
          [...at, "chart"],
          `an oci:// source is the chart itself (${chartName(c)}); chart ${c.chart} would be ignored`,
          "remove chart, or point repository at that chart",
        ),
      );
    if (c.dependsOn.includes(c.name))
      out.push(
        error(
          "addons.chart-depends",
          [...at, "dependsOn"],
          `${c.name} depends on itself: Flux would never install it`,
          "remove it from its own dependsOn",
        ),
      );
    const first = seen.get(c.name);
    if (first !== undefined)
      out.push(
        error(
          "addons.chart-duplicate",
          [...at, "name"],
          `release ${c.name} is already addons.charts[${first}]`,
          "give each chart its own release name",
        ),
      );
    else seen.set(c.name, i);
  });
  return out;
}
