// cert-manager with its CRDs from the chart, and one cluster-wide issuer per spec issuer: ACME (HTTP-01 through the
// ingress or the Gateway, DNS-01 through RFC 2136/PowerDNS or Cloudflare), self-signed, CA, and step-ca through
// smallstep's step-issuer. Secrets are referenced by name, never rendered: the notes say which to create.
import { GATEWAY_NAMESPACE } from "../gateway-api/render.js";
import { namespace } from "../objects.js";
import { emptyOutput, type AddonContext, type AddonOutput, type K8sObject } from "../types.js";
import { LETSENCRYPT_PRODUCTION, type IssuerSpec } from "./schema.js";
import { CERT_MANAGER_CHART, STEP_ISSUER_CHART } from "./versions.js";

const CERT_MANAGER_NAMESPACE = "cert-manager";

function solver(ctx: AddonContext, iss: IssuerSpec): Record<string, unknown> {
  const spec = ctx.spec;
  const ing = spec.addons.ingress;
  if ((iss.solver ?? "http01") === "http01") {
    if (ing?.type === "gateway-api")
      return {
        http01: {
          gatewayHTTPRoute: {
            parentRefs: [{ name: ing.gatewayName, namespace: GATEWAY_NAMESPACE, sectionName: "http" }],
          },
        },
      };
    const cls = iss.ingressClass ?? ing?.className ?? (ing?.type === "nginx" ? "nginx" : "traefik");
    return { http01: { ingress: { ingressClassName: cls } } };
  }
  if (iss.dnsProvider === "cloudflare")
    return { dns01: { cloudflare: { apiTokenSecretRef: { ...iss.cloudflare!.apiToken } } } };
  const r = iss.rfc2136!;
  return {
    dns01: {
      rfc2136: {
        nameserver: r.nameserver ?? `${spec.addons.dns!.address}:53`,
        tsigKeyName: r.tsigKeyName,
        tsigAlgorithm: r.tsigAlgorithm,
        tsigSecretSecretRef: { ...r.tsigSecret },
      },
    },
  };
}

function issuerObject(ctx: AddonContext, iss: IssuerSpec): K8sObject {
  if (iss.type === "step") {
    const p = iss.provisioner!;
    return {
      apiVersion: "certmanager.step.sm/v1beta1",
      kind: "StepClusterIssuer",
      metadata: { name: iss.name },
      spec: {
        url: iss.url!,
        caBundle: Buffer.from(iss.caBundle!.trim() + "\n").toString("base64"),
        provisioner: {
          name: p.name,
          kid: p.kid,
          passwordRef: { name: p.password.name, namespace: CERT_MANAGER_NAMESPACE, key: p.password.key },
        },
      },
    };
  }
  let spec: Record<string, unknown>;
  if (iss.type === "selfSigned") spec = { selfSigned: {} };
  else if (iss.type === "ca") spec = { ca: { secretName: iss.secretName! } };
  else
    spec = {
      acme: {
        server: iss.server ?? LETSENCRYPT_PRODUCTION,
        ...(iss.email ? { email: iss.email } : {}),
        privateKeySecretRef: { name: iss.name },
        solvers: [solver(ctx, iss)],
      },
    };
  return { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: iss.name }, spec };
}

function secretNotes(iss: IssuerSpec): string[] {
  const ns = CERT_MANAGER_NAMESPACE;
  if (iss.type === "ca")
    return [
      `issuer ${iss.name}: create the Secret ${ns}/${iss.secretName} with the CA's tls.crt and tls.key`,
    ];
  if (iss.type === "step")
    return [
      `issuer ${iss.name}: create the Secret ${ns}/${iss.provisioner!.password.name} with key ${iss.provisioner!.password.key} (the provisioner password)`,
    ];
  if (iss.type === "acme" && iss.solver === "dns01") {
    if (iss.cloudflare)
      return [
        `issuer ${iss.name}: create the Secret ${ns}/${iss.cloudflare.apiToken.name} with key ${iss.cloudflare.apiToken.key} (a Cloudflare API token: Zone:Read, DNS:Edit)`,
      ];
    if (iss.rfc2136)
      return [
        `issuer ${iss.name}: create the Secret ${ns}/${iss.rfc2136.tsigSecret.name} with key ${iss.rfc2136.tsigSecret.key} (the TSIG secret of ${iss.rfc2136.tsigKeyName})`,
      ];
  }
  return [];
}

export function renderCertManager(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const issuers = ctx.spec.addons.certManager?.issuers ?? [];
  const gatewayHttp01 =
    ctx.spec.addons.ingress?.type === "gateway-api" &&
    issuers.some((i) => i.type === "acme" && (i.solver ?? "http01") === "http01");
  const cni = ctx.spec.addons.cni?.type === "cilium" ? ["cilium"] : [];
  out.objects.push({ layer: "controllers", object: namespace(CERT_MANAGER_NAMESPACE) });
  out.releases.push({
    name: "cert-manager",
    namespace: CERT_MANAGER_NAMESPACE,
    chart: { ...CERT_MANAGER_CHART },
    values: {
      crds: { enabled: true, keep: true },
      ...(gatewayHttp01
        ? {
            config: {
              apiVersion: "controller.config.cert-manager.io/v1alpha1",
              kind: "ControllerConfiguration",
              enableGatewayAPI: true,
            },
          }
        : {}),
    },
    dependsOn: cni,
  });
  if (issuers.some((i) => i.type === "step"))
    out.releases.push({
      name: "step-issuer",
      namespace: CERT_MANAGER_NAMESPACE,
      chart: { ...STEP_ISSUER_CHART },
      values: {},
      dependsOn: ["cert-manager"],
    });
  for (const iss of issuers) {
    out.objects.push({ layer: "configs", object: issuerObject(ctx, iss) });
    out.notes.push(...secretNotes(iss));
  }
  return out;
}
