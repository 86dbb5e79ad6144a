// Each issuer type has its own required settings; settings of another type would be silently ignored, so they
// are refused. ACME HTTP-01 needs something that serves the challenge (an ingress); DNS-01 needs a provider and its
// credentials Secret; step needs step-ca's URL, root certificate and a provisioner.
import { X509Certificate } from "node:crypto";
import { error, type Finding } from "../../findings.js";
import type { AddonSpecView } from "../types.js";
import type { IssuerSpec } from "./schema.js";

const FIELDS: Record<IssuerSpec["type"], (keyof IssuerSpec)[]> = {
  acme: ["email", "server", "solver", "ingressClass", "dnsProvider", "rfc2136", "cloudflare"],
  selfSigned: [],
  ca: ["secretName"],
  step: ["url", "caBundle", "provisioner"],
};
const ALL = [...new Set(Object.values(FIELDS).flat())];

function pemCertificate(text: string): boolean {
  try {
    new X509Certificate(text);
    return /-----BEGIN CERTIFICATE-----/.test(text);
  } catch {
    return false;
  }
}

export function checkCertManager(spec: AddonSpecView): Finding[] {
  const out: Finding[] = [];
  const issuers = spec.addons.certManager?.issuers ?? [];
  const seen = new Map<string, number>();
  issuers.forEach((iss, i) => {
    const at = (f?: string) => ["addons", "certManager", "issuers", i, ...(f ? [f] : [])];
    const prev = seen.get(iss.name);
    if (prev !== undefined)
      out.push(
        error(
          "addons.issuer-duplicate",
          at("name"),
          `issuer name "${iss.name}" is already used by issuers[${prev}]`,
          "give every issuer a unique name",
        ),
      );
    else seen.set(iss.name, i);
    for (const f of ALL)
      if (iss[f] !== undefined && !FIELDS[iss.type].includes(f))
        out.push(
          error(
            "addons.issuer-field",
            at(f),
            `${f} does not apply to a ${iss.type} issuer: it would be ignored`,
            `remove ${f}, or change the issuer type`,
          ),
        );
    const need = (f: keyof IssuerSpec, why: string) => {
      if (iss[f] === undefined)
        out.push(
          error(
            "addons.issuer-missing",
            at(),
            `${iss.type} issuer "${iss.name}" needs ${f}: ${why}`,
            `add ${f}`,
          ),
        );
    };
    if (iss.type === "ca") need("secretName", "the Secret (tls.crt, tls.key) of the CA that signs");
    if (iss.type === "step") {
      need("url", "where step-ca answers");
      need("caBundle", "step-ca's root certificate, to trust it");
      need("provisioner", "the JWK provisioner that signs");
      if (iss.caBundle !== undefined && !pemCertificate(iss.caBundle))
        out.push(
          error(
            "addons.issuer-ca-bundle",
            at("caBundle"),
            "caBundle is not a PEM certificate",
            "paste step-ca's root certificate (`step ca root`), including the BEGIN/END lines",
          ),
        );
    }
    if (iss.type === "acme") {
      const solver = iss.solver ?? "http01";
      if (solver === "http01") {
        if (!spec.addons.ingress)
          out.push(
            error(
              "addons.issuer-http01-ingress",
              at("solver"),
              `ACME HTTP-01 for issuer "${iss.name}" needs an ingress that serves the challenge, and addons.ingress is not set`,
              "add addons.ingress, or use solver: dns01",
            ),
          );
        for (const f of ["dnsProvider", "rfc2136", "cloudflare"] as const)
          if (iss[f] !== undefined)
            out.push(
              error(
                "addons.issuer-field",
                at(f),
                `${f} is for solver dns01; this issuer uses http01`,
                `set solver: dns01, or remove ${f}`,
              ),
            );
      } else {
        if (iss.ingressClass !== undefined)
          out.push(
            error(
              "addons.issuer-field",
              at("ingressClass"),
              "ingressClass is for solver http01; this issuer uses dns01",
              "remove ingressClass",
            ),
          );
        if (!iss.dnsProvider)
          out.push(
            error(
              "addons.issuer-missing",
              at("solver"),
              `DNS-01 issuer "${iss.name}" needs dnsProvider: the DNS service to create the challenge records in`,
              "set dnsProvider: powerdns, rfc2136 or cloudflare",
            ),
          );
        else if (iss.dnsProvider === "cloudflare") {
          if (!iss.cloudflare)
            out.push(
              error(
                "addons.issuer-missing",
                at(),
                `DNS-01 with cloudflare needs cloudflare.apiToken (a Secret key)`,
                "add cloudflare: { apiToken: { name, key } }",
              ),
            );
          if (iss.rfc2136)
            out.push(
              error(
                "addons.issuer-field",
                at("rfc2136"),
                "rfc2136 does not apply to dnsProvider cloudflare",
                "remove rfc2136",
              ),
            );
        } else {
          if (!iss.rfc2136)
            out.push(
              error(
                "addons.issuer-missing",
                at(),
                `DNS-01 with ${iss.dnsProvider} uses RFC 2136 dynamic updates and needs rfc2136 (the TSIG key)`,
                "add rfc2136: { tsigKeyName, tsigSecret: { name, key } }",
              ),
            );
          else if (!iss.rfc2136.nameserver && !spec.addons.dns?.address)
            out.push(
              error(
                "addons.issuer-missing",
                at("rfc2136"),
                "rfc2136 needs the nameserver (host:port) to send updates to",
                "set rfc2136.nameserver, or addons.dns.address",
              ),
            );
          if (iss.cloudflare)
            out.push(
              error(
                "addons.issuer-field",
                at("cloudflare"),
                `cloudflare does not apply to dnsProvider ${iss.dnsProvider}`,
                "remove cloudflare",
              ),
            );
        }
      }
    }
  });
  return out;
}
