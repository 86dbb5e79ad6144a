// addons.certManager: cert-manager and its ClusterIssuers. Credentials (ACME DNS API tokens, TSIG keys, a CA's key,
// a step provisioner password) are never written into the tree: an issuer names the Secret that holds them, and
// the user creates that Secret in the cert-manager namespace (cairn says which in its notes).
import { z } from "zod";
import { dnsLabel } from "../../fields.js";

const secretKeyRef = z
  .strictObject({
    name: dnsLabel("secret name"),
    key: z.string().min(1),
  })
  .meta({ description: "A key of a Secret in the cert-manager namespace." });

export const LETSENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";

const issuerSchema = z
  .strictObject({
    name: dnsLabel("issuer name"),
    type: z.enum(["acme", "selfSigned", "ca", "step"]),
    email: z.string().optional().meta({ description: "acme: account e-mail for expiry notices." }),
    server: z
      .string()
      .optional()
      .meta({
        description: `acme: directory URL; default Let's Encrypt production (${LETSENCRYPT_PRODUCTION}).`,
      }),
    solver: z.enum(["http01", "dns01"]).optional().meta({
      description: "acme: http01 through the ingress, or dns01 (needed for wildcard certificates).",
    }),
    ingressClass: z.string().optional().meta({
      description: "acme http01: the IngressClass that serves challenges; default the ingress's class.",
    }),
    dnsProvider: z.enum(["powerdns", "rfc2136", "cloudflare"]).optional().meta({
      description: "acme dns01: powerdns (RFC 2136 dynamic updates with TSIG), rfc2136 or cloudflare.",
    }),
    rfc2136: z
      .strictObject({
        nameserver: z
          .string()
          .optional()
          .meta({ description: "host:port of the authoritative server; default addons.dns.address:53." }),
        tsigKeyName: z.string().min(1),
        tsigAlgorithm: z.enum(["HMACMD5", "HMACSHA1", "HMACSHA256", "HMACSHA512"]).default("HMACSHA512"),
        tsigSecret: secretKeyRef,
      })
      .optional()
      .meta({ description: "acme dns01 with powerdns/rfc2136: the TSIG key that may update the zone." }),
    cloudflare: z
      .strictObject({ apiToken: secretKeyRef })
      .optional()
      .meta({ description: "acme dns01 with cloudflare: an API token with Zone:Read and DNS:Edit." }),
    secretName: z
      .string()
      .optional()
      .meta({ description: "ca: Secret (tls.crt, tls.key) holding the CA that signs." }),
    url: z.string().optional().meta({ description: "step: the step-ca URL, e.g. https://ca.example:9000." }),
    caBundle: z
      .string()
      .optional()
      .meta({ description: "step: step-ca's root certificate (PEM), e.g. the output of `step ca root`." }),
    provisioner: z
      .strictObject({
        name: z.string().min(1).meta({ description: "JWK provisioner name." }),
        kid: z.string().min(1).meta({ description: "Its key id (`step ca provisioner list`)." }),
        password: secretKeyRef.meta({ description: "Secret key holding the provisioner's password." }),
      })
      .optional()
      .meta({ description: "step: the JWK provisioner step-issuer signs with." }),
  })
  .meta({ description: "A cert-manager ClusterIssuer." });

const certManagerSchema = z
  .strictObject({
    issuers: z.array(issuerSchema).default([]),
  })
  .meta({ description: "cert-manager and its ClusterIssuers." });

export type IssuerSpec = z.output<typeof issuerSchema>;

export const sections = { certManager: certManagerSchema };
