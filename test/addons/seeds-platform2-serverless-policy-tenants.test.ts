// The platform, part 2 (serverless, policy, secrets, DNS, tenants with OIDC), read back from the rendered bytes:
// the GitOps files a user commits and the machine configs the nodes get. Where the seed writes an object out
// (002's ConstraintTemplate, constraint, ResourceQuota and CiliumNetworkPolicy, the API server's OIDC flags), the
// expectation is parsed from the seed text itself, so the seed is the oracle.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { loadSpecText } from "../../src/clusterspec/load.js";
import { gitopsTree } from "../../src/gitops/index.js";
import { renderMachineConfigs } from "../../src/render/machine-configs.js";
import { validateTalosDocuments } from "../../src/talos/config/validate.js";
import { parseSecretsBundle } from "../../src/talos/secrets/format.js";
import { TALOS_MINORS, type Contract } from "../../src/talos/versions.js";
import { oracle } from "../helpers/k8s-schemas.js";
import { REPO_ROOT, SHARED, TALOS_GOLDEN } from "../helpers/shared.js";

// Parsed YAML, read freely in assertions: the expectations themselves check every value they touch.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
type Obj = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [k: string]: Loose;
};

const secrets = parseSecretsBundle(
  readFileSync(`${TALOS_GOLDEN}secrets.yaml`, "utf8"),
  "golden/secrets.yaml",
);
const example = (file: string) => readFileSync(join(REPO_ROOT, "examples", file), "utf8");

/** The seed's own YAML blocks, parsed: what the seed's author wrote for their cluster. */
function seedYaml(prefix: string): Loose[] {
  const file = readdirSync(join(SHARED, "seeds")).find((f) => f.startsWith(prefix));
  if (!file) throw new Error(`seed ${prefix} is missing from ../shared/seeds`);
  const text = readFileSync(join(SHARED, "seeds", file), "utf8");
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].flatMap((m) =>
    parseAllDocuments(m[1]!)
      .map((d) => d.toJS() as Loose)
      .filter((o) => o && typeof o === "object"),
  );
}

function platform(text: string, file = "cairn.yaml") {
  const r = loadSpecText(text, file);
  if (!r.model) throw new Error(JSON.stringify(r.diagnostics, null, 1));
  const model = r.model;
  const tree = gitopsTree(model);
  const objects: (Obj & { file: string })[] = tree.files.flatMap((f) =>
    parseAllDocuments(f.content)
      .map((d) => d.toJS() as Obj)
      .filter((o) => o && o.kind && o.apiVersion !== "kustomize.config.k8s.io/v1beta1")
      .map((o) => ({ ...o, file: f.path })),
  );
  const all = (kind: string, ns?: string) =>
    objects.filter((o) => o.kind === kind && (ns === undefined || o.metadata.namespace === ns));
  const find = (kind: string, name?: string, ns?: string) => {
    const hits = all(kind, ns).filter((o) => name === undefined || o.metadata.name === name);
    expect(hits.length, `${kind} ${name ?? ""} ${ns ?? ""}`).toBe(1);
    return hits[0]!;
  };
  const release = (name: string) => find("HelmRelease", name);
  const configs = () => renderMachineConfigs(model, secrets, () => "");
  return { model, tree, objects, all, find, release, configs, diagnostics: r.diagnostics };
}

describe("seed 002: serverless, policy, secrets and tenants (platform-cilium-gateway.yaml)", () => {
  const p = platform(example("platform-cilium-gateway.yaml"), "platform-cilium-gateway.yaml");
  const seed = seedYaml("002");
  const seedOf = (kind: string, name?: string) => {
    const hit = seed.find((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
    expect(hit, `seed 002 writes a ${kind}`).toBeDefined();
    return hit;
  };

  it("every object of the tree is valid against the reference schemas", () => {
    let valid = 0;
    for (const o of p.objects) {
      const { file: _file, ...obj } = o;
      expect(oracle(obj, p.objects).errors, `${o.kind} ${o.metadata.name}`).toEqual([]);
      valid++;
    }
    console.log(`seed 002: ${valid}/${p.objects.length} objects schema-valid`);
    expect(valid).toBe(p.objects.length);
  });

  it("installs the seed's K8sRequiredLabels ConstraintTemplate as written, after Gatekeeper", () => {
    const t = p.find("ConstraintTemplate", "k8srequiredlabels");
    const want = seedOf("ConstraintTemplate", "k8srequiredlabels");
    const { file, ...got } = t;
    expect(got).toEqual(want);
    expect(file).toBe("configs/gatekeeper/constrainttemplates.yaml");
    expect(p.release("gatekeeper").metadata.namespace).toBe("gatekeeper-system");
  });

  it("requires the label owner on Pods with the seed's constraint, outside the platform's namespaces", () => {
    const c = p.find("K8sRequiredLabels", "require-owner-label");
    const want = seedOf("K8sRequiredLabels", "require-owner-label");
    expect(c.apiVersion).toBe(want.apiVersion);
    expect(c.spec.parameters).toEqual(want.spec.parameters);
    expect(c.spec.parameters.labels).toEqual(["owner"]);
    expect(c.spec.match.kinds).toEqual(want.spec.match.kinds);
    expect(c.spec.enforcementAction).toBe("deny");
    // Applied in the tenants layer: Gatekeeper creates the K8sRequiredLabels CRD from the template first.
    expect(c.file).toBe("tenants/gatekeeper/k8srequiredlabelses.yaml");
    // The platform's own pods carry no owner label: their namespaces are outside the constraint.
    expect(c.spec.match.excludedNamespaces).toEqual(expect.arrayContaining(["kube-system", "flux-system"]));
    const selector = c.spec.match.namespaceSelector.matchExpressions[0];
    expect(selector).toEqual({ key: "cairn.dev/platform", operator: "DoesNotExist" });
    const platformNs = p.all("Namespace").filter((n) => !n.metadata.labels?.["cairn.dev/tenant"]);
    expect(platformNs.length).toBeGreaterThan(3);
    for (const n of platformNs) expect(n.metadata.labels?.[selector.key], n.metadata.name).toBe("true");
    // Tenant namespaces are inside it.
    for (const n of ["peers-alice", "peers-bob"])
      expect(p.find("Namespace", n).metadata.labels?.[selector.key]).toBeUndefined();
  });

  it("gives each peer a tenant: namespace, the seed's ResourceQuota, default limits", () => {
    const quota = seedOf("ResourceQuota", "quota");
    for (const ns of ["peers-alice", "peers-bob"]) {
      expect(p.find("Namespace", ns).metadata.labels).toEqual({ "cairn.dev/tenant": ns });
      const q = p.find("ResourceQuota", "quota", ns);
      expect(q.spec).toEqual(quota.spec);
      // A quota on requests.memory and limits.memory refuses pods that set neither: the LimitRange sets both.
      const lr = p.find("LimitRange", "defaults", ns);
      expect(lr.spec.limits).toEqual([
        { type: "Container", default: { memory: "512Mi" }, defaultRequest: { memory: "128Mi" } },
      ]);
      expect(q.file).toBe(`tenants/namespaces/${ns}/resourcequotas.yaml`);
    }
  });

  it("isolates each tenant with CiliumNetworkPolicies: default deny, own namespace, ingress, kube-dns", () => {
    const seedPolicy = seedOf("CiliumNetworkPolicy", "isolate-namespace");
    expect(p.all("NetworkPolicy")).toEqual([]);
    for (const ns of ["peers-alice", "peers-bob"]) {
      const cnps = p.all("CiliumNetworkPolicy", ns);
      expect(cnps.map((c) => c.metadata.name)).toEqual([
        "default-deny",
        "allow-same-namespace",
        "allow-ingress",
        "allow-kube-dns",
      ]);
      const by = (n: string) => cnps.find((c) => c.metadata.name === n)!.spec;
      expect(by("default-deny")).toEqual({ endpointSelector: {}, ingress: [{}], egress: [{}] });
      // The seed allows its own namespace (a namespaced policy's {} selects exactly that) and the ingress: with
      // Cilium's Gateway API the proxy is the `ingress` entity; Knative's activator brings scaled-to-zero traffic.
      expect(seedPolicy.spec.ingress[0].fromEndpoints[0].matchLabels["io.kubernetes.pod.namespace"]).toBe(
        "peers-alice",
      );
      expect(by("allow-same-namespace").ingress).toEqual([{ fromEndpoints: [{}] }]);
      expect(by("allow-ingress").ingress).toEqual([
        { fromEntities: ["ingress"] },
        { fromEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "knative-serving" } }] },
      ]);
      expect(by("allow-kube-dns").egress).toEqual([
        {
          toEndpoints: [
            { matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns" } },
          ],
          toPorts: [{ ports: [{ port: "53", protocol: "ANY" }] }],
        },
      ]);
    }
  });

  it("binds each peer's Keycloak group to admin in their namespace", () => {
    for (const [ns, group] of [
      ["peers-alice", "peers/alice"],
      ["peers-bob", "peers/bob"],
    ] as const) {
      const rb = p.find("RoleBinding", "tenant-admin", ns);
      expect(rb.roleRef).toEqual({
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "admin",
      });
      // No groups prefix is configured, so the API server sees the groups claim as is.
      expect(rb.subjects).toEqual([{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: group }]);
    }
  });

  it("puts the seed's OIDC flags on the API server of every control plane (Talos v1.11)", () => {
    const want = seedYaml("002").find((o) => o.cluster?.apiServer?.extraArgs)!.cluster.apiServer.extraArgs;
    expect(Object.keys(want)).toEqual([
      "oidc-issuer-url",
      "oidc-client-id",
      "oidc-username-claim",
      "oidc-groups-claim",
    ]);
    const configs = p.configs();
    expect(configs.length).toBe(3);
    for (const c of configs) {
      const doc = parseAllDocuments(c.text)[0]!.toJS() as Loose;
      expect(doc.cluster.apiServer.extraArgs).toEqual(want);
    }
  });

  it("routes Knative Serving through the cluster's Gateway (net-gateway-api, no Kourier) with scale to zero", () => {
    const ks = p.find("KnativeServing", "knative-serving", "knative-serving");
    expect(ks.file).toBe("configs/knative/knativeservings.yaml");
    expect(ks.spec.ingress).toEqual({
      "gateway-api": { enabled: true },
      kourier: { enabled: false },
      istio: { enabled: false },
    });
    expect(ks.spec.config.network).toEqual({ "ingress-class": "gateway-api.ingress.networking.knative.dev" });
    expect(ks.spec.config.autoscaler).toEqual({ "enable-scale-to-zero": "true" });
    expect(ks.spec.config.domain).toEqual({ "apps.home.shdr.ch": "" });
    const gateways = parse(ks.spec.config.gateway["external-gateways"]);
    expect(gateways).toEqual([
      { class: "cilium", gateway: "gateway/main-gateway", service: "gateway/cilium-gateway-main-gateway" },
    ]);
    // That Gateway exists, takes routes from every namespace (Knative writes HTTPRoutes in the service's) and
    // serves the domain.
    const gw = p.find("Gateway", "main-gateway", "gateway");
    expect(gw.spec.gatewayClassName).toBe("cilium");
    for (const l of gw.spec.listeners) {
      expect(l.allowedRoutes).toEqual({ namespaces: { from: "All" } });
      expect(l.hostname).toBe("*.apps.home.shdr.ch");
    }
    // Eventing too, with the default broker class of Knative's own install.
    expect(p.find("KnativeEventing", "knative-eventing", "knative-eventing").spec).toEqual({
      defaultBrokerClass: "MTChannelBasedBroker",
    });
  });

  it("installs Crossplane, External Secrets with an OpenBao store, and the Secrets Store CSI Vault provider", () => {
    expect(p.release("crossplane").metadata.namespace).toBe("crossplane-system");
    expect(p.release("external-secrets").metadata.namespace).toBe("external-secrets");
    const store = p.find("ClusterSecretStore", "openbao");
    expect(store.spec.provider.vault.server).toBe("https://bao.home.shdr.ch");
    expect(store.spec.provider.vault.auth.kubernetes.serviceAccountRef).toEqual({
      name: "external-secrets",
      namespace: "external-secrets",
    });
    const csi = p.release("secrets-store-csi-driver");
    const vault = p.release("vault-csi-provider");
    expect(vault.spec.values.csi.enabled).toBe(true);
    expect(vault.spec.values.server.enabled).toBe(false);
    // One providers directory for both, under /var/run (writable on Talos, unlike /etc/kubernetes).
    expect(vault.spec.values.csi.daemonSet.providersDir).toBe(csi.spec.values.linux.providersDir);
    expect(csi.spec.values.linux.providersDir).toMatch(/^\/var\/run\//);
    expect(vault.spec.dependsOn).toEqual([{ name: "secrets-store-csi-driver", namespace: "kube-system" }]);
  });
});

describe("seed 002's OIDC on every supported Talos contract", () => {
  const text = example("platform-cilium-gateway.yaml");
  const minors = TALOS_MINORS.filter((m) => m.minor !== "1.8");
  it.each(minors.map((m) => [m.minor, m] as const))("Talos %s", (minor, m) => {
    const spec = text
      .replace(/version: v1\.11\.0/, `version: v${m.latestPatch}`)
      .replace(/version: 1\.34\.0.*$/m, `version: ${m.defaultKubernetes}`);
    const p = platform(spec);
    for (const c of p.configs()) {
      const docs = parseAllDocuments(c.text).map((d) => d.toJS() as Loose);
      expect(validateTalosDocuments(c.text, minor as Contract), `${c.node} against Talos ${minor}`).toEqual(
        [],
      );
      const v1 = docs.find((d) => d.version === "v1alpha1");
      if (minor !== "1.14") {
        expect(v1.cluster.apiServer.extraArgs).toEqual({
          "oidc-issuer-url": "https://auth.shdr.ch/realms/aether",
          "oidc-client-id": "kubernetes",
          "oidc-username-claim": "preferred_username",
          "oidc-groups-claim": "groups",
        });
        continue;
      }
      // 1.14 refuses oidc-* arguments; the same settings are a JWT authenticator. With no prefix configured the
      // flags prefixed usernames with "<issuer>#" (the claim is not email): the structured form says so.
      const api = docs.find((d) => d.kind === "KubeAPIServerConfig");
      expect(Object.keys(api.extraArgs ?? {}).filter((k) => k.startsWith("oidc-"))).toEqual([]);
      const auth = docs.filter((d) => d.kind === "KubeAuthenticationConfig");
      expect(auth.length).toBe(1);
      expect(auth[0].configuration).toEqual({
        anonymous: {
          conditions: [{ path: "/livez" }, { path: "/readyz" }, { path: "/healthz" }],
          enabled: true,
        },
        jwt: [
          {
            issuer: { url: "https://auth.shdr.ch/realms/aether", audiences: ["kubernetes"] },
            claimMappings: {
              username: { claim: "preferred_username", prefix: "https://auth.shdr.ch/realms/aether#" },
              groups: { claim: "groups", prefix: "" },
            },
          },
        ],
      });
    }
  });
});

describe("tenants without Cilium", () => {
  const text = `${example("single-node.yaml")}
tenants:
  - name: team-a
    namespaces: [team-a, team-a-dev]
    quota: { requests.cpu: "2", limits.cpu: "4", pods: 10 }
    users: [alice@example.com]
    role: edit
`;
  const withOidc = text.replace(
    /^kubernetes:\n/m,
    "kubernetes:\n  oidc:\n    issuerURL: https://idp.example.com\n    clientID: kubernetes\n    usernameClaim: email\n",
  );

  it("isolates with NetworkPolicies that the reference schema accepts", () => {
    const p = platform(withOidc);
    for (const ns of ["team-a", "team-a-dev"]) {
      const nps = p.all("NetworkPolicy", ns);
      // No ingress controller and no Knative: nothing but the namespace itself and kube-dns is let in or out.
      expect(nps.map((n) => n.metadata.name)).toEqual([
        "default-deny",
        "allow-same-namespace",
        "allow-kube-dns",
      ]);
      for (const { file: _file, ...n } of nps) expect(oracle(n).errors, n.metadata.name).toEqual([]);
      expect(nps[0]!.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      expect(nps[2]!.spec.egress[0].ports).toEqual([
        { port: 53, protocol: "UDP" },
        { port: 53, protocol: "TCP" },
      ]);
      expect(p.find("LimitRange", "defaults", ns).spec.limits[0]).toEqual({
        type: "Container",
        default: { cpu: "500m" },
        defaultRequest: { cpu: "100m" },
      });
      expect(p.find("ResourceQuota", "quota", ns).spec.hard).toEqual({
        "requests.cpu": "2",
        "limits.cpu": "4",
        pods: "10",
      });
      // Users are bound under the name the API server gives them: the email claim has no prefix.
      expect(p.find("RoleBinding", "tenant-edit", ns).subjects).toEqual([
        { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice@example.com" },
      ]);
    }
  });

  it("refuses a tenant namespace the platform or Kubernetes owns", () => {
    const bad = withOidc.replace(
      "namespaces: [team-a, team-a-dev]",
      "namespaces: [team-a, kube-system, gatekeeper-system]",
    );
    const r = loadSpecText(bad, "cairn.yaml");
    expect(r.model).toBeUndefined();
    const found = r.diagnostics.filter((d) => d.code === "tenant.reserved-namespace").map((d) => d.path);
    expect(found).toEqual(["tenants[0].namespaces[1]", "tenants[0].namespaces[2]"]);
  });

  it("refuses OIDC users without an OIDC issuer, naming the field and line", () => {
    const r = loadSpecText(text, "cairn.yaml");
    expect(r.model).toBeUndefined();
    const d = r.diagnostics.find((x) => x.code === "tenant.oidc-missing")!;
    expect(d.path).toBe("tenants[0].users");
    expect(text.split("\n")[d.line! - 1]).toMatch(/^\s+users:/);
    expect(d.message).toContain("no OIDC issuer is configured");
  });
});

describe("seed 004: sealed-secrets (proxmox-5node-vip-pools.yaml)", () => {
  const p = platform(example("proxmox-5node-vip-pools.yaml"), "proxmox-5node-vip-pools.yaml");

  it("runs the sealed-secrets controller where kubeseal looks for it", () => {
    const r = p.release("sealed-secrets");
    expect(r.metadata.namespace).toBe("kube-system");
    expect(r.spec.values.fullnameOverride).toBe("sealed-secrets-controller");
  });

  it("serves PowerDNS on 10.0.3.3 from dns-pool, over UDP and TCP, authoritative for the delegated zone", () => {
    const svc = p.find("Service", "powerdns", "powerdns");
    expect(svc.spec.type).toBe("LoadBalancer");
    expect(svc.metadata.annotations).toEqual({
      "metallb.io/loadBalancerIPs": "10.0.3.3",
      "metallb.io/address-pool": "dns-pool",
    });
    expect(svc.spec.ports.map((x: Loose) => `${x.port}/${x.protocol}`)).toEqual(["53/UDP", "53/TCP"]);
    // The server listens where the Service sends DNS: local-port is the targetPort.
    // MetalLB announces 10.0.3.3 from dns-pool, which hands it to no other Service (autoAssign: false).
    expect(p.find("IPAddressPool", "dns-pool").spec).toMatchObject({
      addresses: ["10.0.3.3"],
      autoAssign: false,
    });
    const d = p.find("Deployment", "powerdns", "powerdns");
    expect(svc.spec.selector).toEqual(d.spec.selector.matchLabels);
    const c = d.spec.template.spec.containers[0];
    const script: string = c.command[2];
    expect(script).toContain(
      "pdnsutil create-zone 'test-cluster.agentydragon.com' 'ns1.test-cluster.agentydragon.com'",
    );
    expect(script).toContain("pdnsutil replace-rrset 'test-cluster.agentydragon.com' ns1 A 3600 '10.0.3.3'");
    // cert-manager's DNS-01 issuer updates the zone with its TSIG key (RFC 2136 to 10.0.3.3:53).
    const issuer = p.find("ClusterIssuer", "letsencrypt").spec.acme.solvers[0].dns01.rfc2136;
    expect(issuer.nameserver).toBe("10.0.3.3:53");
    expect(script).toContain(`pdnsutil import-tsig-key '${issuer.tsigKeyName}' hmac-sha512 "$TSIG_SECRET_0"`);
    expect(script).toContain(`TSIG-ALLOW-DNSUPDATE '${issuer.tsigKeyName}'`);
    expect(c.env).toContainEqual({
      name: "TSIG_SECRET_0",
      valueFrom: { secretKeyRef: issuer.tsigSecretSecretRef },
    });
    const conf: string = p.find("ConfigMap", "powerdns", "powerdns").data["cairn.conf"];
    expect(conf).toMatch(/^dnsupdate=yes$/m);
    expect(conf).toMatch(/^api=yes$/m);
    const port = Number(/^local-port=(\d+)$/m.exec(conf)![1]);
    for (const x of svc.spec.ports) expect(x.targetPort).toBe(port);
    expect(c.ports.filter((x: Loose) => x.containerPort === port).length).toBe(2);
  });
});

describe("Knative without a Gateway API ingress", () => {
  it("serves through Kourier on a LoadBalancer address, and refuses a Knative with nothing to install", () => {
    const text = example("proxmox-5node-vip-pools.yaml").replace(
      /^addons:\n/m,
      "addons:\n  serverless:\n    knative: { scaleToZero: false }\n",
    );
    const p = platform(text);
    const ks = p.find("KnativeServing", "knative-serving", "knative-serving");
    expect(ks.spec.ingress).toEqual({
      kourier: { enabled: true, "service-type": "LoadBalancer" },
      istio: { enabled: false },
    });
    expect(ks.spec.config.network).toEqual({ "ingress-class": "kourier.ingress.networking.knative.dev" });
    expect(ks.spec.config.autoscaler).toEqual({ "enable-scale-to-zero": "false" });
    // The ingress domain names the services when knative sets none.
    expect(ks.spec.config.domain).toEqual({ "test-cluster.agentydragon.com": "" });
    expect(p.all("KnativeEventing")).toEqual([]);
    const none = loadSpecText(text.replace("{ scaleToZero: false }", "{ serving: false }"), "cairn.yaml");
    expect(none.diagnostics.map((d) => `${d.code}@${d.path}`)).toContain(
      "addons.knative-empty@addons.serverless.knative.serving",
    );
  });
});
