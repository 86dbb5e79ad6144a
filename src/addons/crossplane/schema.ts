// addons.crossplane: Crossplane and the providers it installs (infrastructure vended through the Kubernetes API).
import { z } from "zod";
import { dnsLabel } from "../../fields.js";

const providerSchema = z
  .strictObject({
    name: dnsLabel("provider name"),
    package: z
      .string()
      .regex(/^[^\s:@]+(:[^\s@]+|@sha256:[0-9a-f]{64})$/, "an OCI reference with a tag or digest")
      .meta({
        description: "OCI package, e.g. xpkg.upbound.io/crossplane-contrib/provider-keycloak:v2.1.0.",
      }),
  })
  .meta({ description: "A Crossplane provider package." });

const crossplaneSchema = z
  .strictObject({
    providers: z.array(providerSchema).default([]),
  })
  .meta({ description: "Crossplane: S3 buckets, databases, auth clients as Kubernetes objects." });

export const sections = { crossplane: crossplaneSchema };
