// addons.charts: Helm charts cairn does not model (the seeds' GitLab agent, VolSync, …), installed by Flux exactly
// like the add-ons' own: a chart source, a HelmRelease with the given values, and the releases it waits for.
import { z } from "zod";
import { dnsLabel } from "../../fields.js";

const chartSchema = z
  .strictObject({
    name: dnsLabel("release name").meta({ description: "HelmRelease and Helm release name." }),
    namespace: dnsLabel("namespace").meta({ description: "Namespace of the release." }),
    repository: z.string().min(1).meta({
      description:
        "oci://registry/path/chart (the chart itself, as an OCI artifact) or https://… (a Helm repository's index).",
    }),
    chart: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "Chart name in a Helm repository; for oci:// the URL's last segment." }),
    version: z.string().min(1).meta({ description: "Exact chart version (OCI tag), e.g. 2.14.0." }),
    values: z.record(z.string(), z.unknown()).default({}).meta({ description: "Helm values, as given." }),
    dependsOn: z
      .array(z.string())
      .default([])
      .meta({ description: "Releases (by name: other charts, or cairn's own such as cilium) to wait for." }),
    createNamespace: z
      .boolean()
      .default(true)
      .meta({ description: "Render the namespace; false when another add-on or you create it." }),
  })
  .meta({ description: "A Helm chart Flux installs as given." });

export const sections = {
  charts: z
    .array(chartSchema)
    .meta({ description: "Helm charts cairn does not model, installed through Flux." }),
};
