// A Gateway API ingress is served by Cilium's Gateway API here, and its certificate is a wildcard: only an issuer
// that can sign one (ACME with DNS-01, step-ca, a CA) works.
import { error, type Finding } from "../../findings.js";
import type { AddonSpecView } from "../types.js";

export function checkGatewayApi(spec: AddonSpecView): Finding[] {
  const ing = spec.addons.ingress;
  const cni = spec.addons.cni;
  const out: Finding[] = [];
  if (ing?.type === "gateway-api" && !(cni?.type === "cilium" && cni.gatewayAPI === true))
    out.push(
      error(
        "addons.gateway-api-without-cilium",
        ["addons", "ingress", "type"],
        "ingress type gateway-api is served by Cilium's Gateway API, which this spec does not turn on",
        "set addons.cni.type: cilium with gatewayAPI: true (and kubeProxyReplacement: true)",
      ),
    );
  if (ing?.tls) {
    if (ing.type !== "gateway-api")
      out.push(
        error(
          "addons.ingress-tls-type",
          ["addons", "ingress", "tls"],
          `ingress.tls makes a wildcard certificate for a Gateway; with type ${ing.type}, certificates belong to each Ingress`,
          "remove tls, and request certificates per Ingress (cert-manager.io/cluster-issuer annotation)",
        ),
      );
    if (!ing.domain)
      out.push(
        error(
          "addons.ingress-tls-domain",
          ["addons", "ingress", "tls"],
          "ingress.tls needs the domain the certificate is for",
          "set addons.ingress.domain, e.g. apps.example.com",
        ),
      );
    const issuers = spec.addons.certManager?.issuers ?? [];
    const issuer = issuers.find((i) => i.name === ing.tls!.issuer);
    if (!issuer)
      out.push(
        error(
          "addons.ingress-tls-issuer",
          ["addons", "ingress", "tls", "issuer"],
          `issuer "${ing.tls.issuer}" is not defined under addons.certManager.issuers`,
          issuers.length
            ? `defined issuers: ${issuers.map((i) => i.name).join(", ")}`
            : "define it under addons.certManager.issuers",
        ),
      );
    else if (issuer.type === "acme" && issuer.solver !== "dns01")
      out.push(
        error(
          "addons.ingress-tls-wildcard",
          ["addons", "ingress", "tls", "issuer"],
          `the Gateway's certificate is for *.${ing.domain ?? "<domain>"}, and ACME signs wildcards only through DNS-01; issuer "${issuer.name}" uses ${issuer.solver ?? "http01"}`,
          "use an issuer with solver: dns01, a step or ca issuer",
        ),
      );
  }
  return out;
}
