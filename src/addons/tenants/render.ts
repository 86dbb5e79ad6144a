// Per tenant namespace: the Namespace, a ResourceQuota, a LimitRange, network isolation (default deny, then
// same-namespace, ingress-controller and kube-dns traffic allowed) and a RoleBinding of the tenant's OIDC groups and
// users to a ClusterRole. Isolation is CiliumNetworkPolicy when Cilium is the CNI (its Gateway API proxy is the
// `ingress` entity, which a NetworkPolicy cannot name), NetworkPolicy otherwise. CoreDNS pods carry
// k8s-app: kube-dns on Talos. Everything goes to the tenants layer, applied after the platform.
import { GATEWAY_NAMESPACE } from "../gateway-api/render.js";
import { INGRESS_NGINX_NAMESPACE } from "../ingress-nginx/render.js";
import { KNATIVE_SERVING_NAMESPACE } from "../knative/render.js";
import { TRAEFIK_NAMESPACE } from "../traefik/render.js";
import {
  emptyOutput,
  type AddonContext,
  type AddonOutput,
  type AddonSpecView,
  type K8sObject,
} from "../types.js";

type Tenant = AddonSpecView["tenants"][number];

const TENANT_LABEL = "cairn.dev/tenant";
const NS_LABEL = "kubernetes.io/metadata.name";
const CILIUM_NS = "k8s:io.kubernetes.pod.namespace";

const tenantNamespaces = (t: Tenant): readonly string[] => t.namespaces ?? [t.name];

/** Namespaces whose pods may reach tenant pods: the ingress controller's, and Knative's activator (scale from zero). */
function trustedNamespaces(spec: AddonSpecView): string[] {
  const ns: string[] = [];
  const ing = spec.addons.ingress?.type;
  if (ing === "traefik") ns.push(TRAEFIK_NAMESPACE);
  if (ing === "nginx") ns.push(INGRESS_NGINX_NAMESPACE);
  if (ing === "gateway-api" && spec.addons.cni?.type !== "cilium") ns.push(GATEWAY_NAMESPACE);
  if (spec.addons.serverless?.knative.serving) ns.push(KNATIVE_SERVING_NAMESPACE);
  return ns;
}

const COMPUTE = ["cpu", "memory"] as const;
const FALLBACK: Record<(typeof COMPUTE)[number], { request: string; limit: string }> = {
  cpu: { request: "100m", limit: "500m" },
  memory: { request: "128Mi", limit: "512Mi" },
};

/**
 * The LimitRange: the tenant's own defaults, else, for each resource a compute quota constrains (a quota on
 * requests.memory makes the API server refuse pods that request none), a small default request and limit.
 */
function limitRange(t: Tenant, ns: string): K8sObject | undefined {
  const def: Record<string, string> = { ...(t.limits?.default ?? {}) };
  const req: Record<string, string> = { ...(t.limits?.defaultRequest ?? {}) };
  if (!t.limits)
    for (const r of COMPUTE) {
      const q = Object.keys(t.quota);
      if (q.includes(`limits.${r}`)) def[r] = FALLBACK[r].limit;
      if (q.includes(`requests.${r}`) || q.includes(r)) req[r] = FALLBACK[r].request;
    }
  if (!Object.keys(def).length && !Object.keys(req).length) return undefined;
  return {
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: { name: "defaults", namespace: ns },
    spec: {
      limits: [
        {
          type: "Container",
          ...(Object.keys(def).length ? { default: def } : {}),
          ...(Object.keys(req).length ? { defaultRequest: req } : {}),
        },
      ],
    },
  };
}

function networkPolicies(spec: AddonSpecView, ns: string): K8sObject[] {
  const trusted = trustedNamespaces(spec);
  const cilium = spec.addons.cni?.type === "cilium";
  const viaCiliumIngress = cilium && spec.addons.ingress?.type === "gateway-api";
  if (cilium) {
    const cnp = (name: string, body: Record<string, unknown>): K8sObject => ({
      apiVersion: "cilium.io/v2",
      kind: "CiliumNetworkPolicy",
      metadata: { name, namespace: ns },
      spec: { endpointSelector: {}, ...body },
    });
    return [
      // An empty rule selects the namespace's pods for both directions and allows nothing: default deny.
      cnp("default-deny", { ingress: [{}], egress: [{}] }),
      // Endpoint selectors of a namespaced policy only match pods of its own namespace.
      cnp("allow-same-namespace", { ingress: [{ fromEndpoints: [{}] }], egress: [{ toEndpoints: [{}] }] }),
      ...(trusted.length || viaCiliumIngress
        ? [
            cnp("allow-ingress", {
              ingress: [
                ...(viaCiliumIngress ? [{ fromEntities: ["ingress"] }] : []),
                ...(trusted.length
                  ? [{ fromEndpoints: trusted.map((n) => ({ matchLabels: { [CILIUM_NS]: n } })) }]
                  : []),
              ],
            }),
          ]
        : []),
      cnp("allow-kube-dns", {
        egress: [
          {
            toEndpoints: [{ matchLabels: { [CILIUM_NS]: "kube-system", "k8s:k8s-app": "kube-dns" } }],
            toPorts: [{ ports: [{ port: "53", protocol: "ANY" }] }],
          },
        ],
      }),
    ];
  }
  const np = (name: string, body: Record<string, unknown>): K8sObject => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace: ns },
    spec: { podSelector: {}, ...body },
  });
  return [
    np("default-deny", { policyTypes: ["Ingress", "Egress"] }),
    np("allow-same-namespace", {
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    }),
    ...(trusted.length
      ? [
          np("allow-ingress", {
            policyTypes: ["Ingress"],
            ingress: [
              { from: trusted.map((n) => ({ namespaceSelector: { matchLabels: { [NS_LABEL]: n } } })) },
            ],
          }),
        ]
      : []),
    np("allow-kube-dns", {
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { [NS_LABEL]: "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { port: 53, protocol: "UDP" },
            { port: 53, protocol: "TCP" },
          ],
        },
      ],
    }),
  ];
}

/** The names the API server gives OIDC users and groups: the claim value behind the configured prefix. */
function oidcNames(spec: AddonSpecView): {
  user: (u: string) => string;
  group: (g: string) => string;
} {
  const o = spec.kubernetes.oidc;
  const userPrefix =
    o?.usernamePrefix === "-"
      ? ""
      : (o?.usernamePrefix ?? (o && o.usernameClaim !== "email" ? `${o.issuerURL}#` : ""));
  const groupPrefix = o?.groupsPrefix ?? "";
  return { user: (u) => `${userPrefix}${u}`, group: (g) => `${groupPrefix}${g}` };
}

function roleBinding(spec: AddonSpecView, t: Tenant, ns: string): K8sObject | undefined {
  if (!t.oidcGroups.length && !t.users.length) return undefined;
  const names = oidcNames(spec);
  const subject = (kind: "Group" | "User", name: string) => ({
    kind,
    apiGroup: "rbac.authorization.k8s.io",
    name,
  });
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: `tenant-${t.role}`, namespace: ns },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: t.role },
    subjects: [
      ...t.oidcGroups.map((g) => subject("Group", names.group(g))),
      ...t.users.map((u) => subject("User", names.user(u))),
    ],
  };
}

export function renderTenants(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const spec = ctx.spec;
  const push = (object: K8sObject | undefined) => {
    if (object) out.objects.push({ layer: "tenants", object });
  };
  for (const t of spec.tenants)
    for (const ns of tenantNamespaces(t)) {
      push({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns, labels: { [TENANT_LABEL]: t.name } },
      });
      if (Object.keys(t.quota).length)
        push({
          apiVersion: "v1",
          kind: "ResourceQuota",
          metadata: { name: "quota", namespace: ns },
          spec: { hard: Object.fromEntries(Object.entries(t.quota).map(([k, v]) => [k, String(v)])) },
        });
      push(limitRange(t, ns));
      if (t.isolation) for (const p of networkPolicies(spec, ns)) push(p);
      push(roleBinding(spec, t, ns));
    }
  return out;
}
