// Every issuer kind renders a schema-valid issuer (ajv against the reference CRD schemas), names its Secret in a
// note, and never carries a secret value.
import { describe, expect, it } from "vitest";
import { loadSpecText } from "../../src/clusterspec/load.js";
import { gitopsTree } from "../../src/gitops/index.js";
import { oracle } from "../helpers/k8s-schemas.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/shared.js";

const ROOT_CA = readFileSync(join(REPO_ROOT, "examples", "platform-cilium-gateway.yaml"), "utf8")
  .split("\n")
  .filter((l) => /^ {10}(-----|[A-Za-z0-9+/=]+$)/.test(l))
  .map((l) => `          ${l.trim()}`)
  .join("\n");

const SPEC = `apiVersion: cairn.dev/v1alpha1
kind: Cluster
name: lab
talos: { version: v1.11.5 }
kubernetes: { version: 1.33.4 }
networks: { lan: { cidr: 192.168.1.0/24 } }
provider: { type: static }
nodes: [{ name: cp-1, role: controlplane, static: { address: 192.168.1.10 }, interfaces: [{ network: lan, address: 192.168.1.10 }] }]
addons:
  ingress: { type: traefik }
  certManager:
    issuers:
      - { name: le-http, type: acme, email: ops@example.com, solver: http01 }
      - name: le-cloudflare
        type: acme
        server: https://acme-staging-v02.api.letsencrypt.org/directory
        solver: dns01
        dnsProvider: cloudflare
        cloudflare: { apiToken: { name: cloudflare-token, key: token } }
      - name: le-rfc2136
        type: acme
        solver: dns01
        dnsProvider: rfc2136
        rfc2136: { nameserver: "192.168.1.53:53", tsigKeyName: acme, tsigAlgorithm: HMACSHA256, tsigSecret: { name: tsig, key: secret } }
      - { name: self, type: selfSigned }
      - { name: internal-ca, type: ca, secretName: internal-ca }
      - name: step
        type: step
        url: https://ca.example:9000
        provisioner: { name: admin, kid: abc123, password: { name: step-pw, key: password } }
        caBundle: |
${ROOT_CA}
`;

describe("cert-manager issuers", () => {
  it("renders every kind schema-valid, with Secrets referenced and listed", () => {
    const r = loadSpecText(SPEC, "cairn.yaml");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const tree = gitopsTree(r.model!);
    const issuers = tree.objects.filter((o) => /ClusterIssuer$/.test(o.object.kind)).map((o) => o.object);
    expect(issuers.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "ClusterIssuer/le-http",
      "ClusterIssuer/le-cloudflare",
      "ClusterIssuer/le-rfc2136",
      "ClusterIssuer/self",
      "ClusterIssuer/internal-ca",
      "StepClusterIssuer/step",
    ]);
    for (const o of issuers) expect(oracle(o).errors, o.metadata.name).toEqual([]);
    expect(tree.objects.map((o) => o.object.metadata.name)).toContain("step-issuer");
    const notes = tree.addons.notes.join("\n");
    for (const secret of ["cloudflare-token", "tsig", "internal-ca", "step-pw"])
      expect(notes).toContain(`cert-manager/${secret}`);
    const step = issuers.at(-1)!.spec as { caBundle: string };
    expect(Buffer.from(step.caBundle, "base64").toString()).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  });

  it("refuses a step issuer whose caBundle is not a certificate", () => {
    const bad = SPEC.replace(/caBundle: \|[\s\S]*$/, "caBundle: not-a-certificate\n");
    const codes = loadSpecText(bad, "cairn.yaml").diagnostics.map((d) => `${d.code} ${d.path}`);
    expect(codes).toContain("addons.issuer-ca-bundle addons.certManager.issuers[5].caBundle");
  });
});
