// Gatekeeper (chart) in the controllers layer; the K8sRequiredLabels ConstraintTemplate in the configs layer (the
// seed's, as written); the constraint in the tenants layer, applied once Gatekeeper has made the template's CRD.
// The constraint leaves the platform alone: kube-system, kube-public, kube-node-lease, flux-system and every
// namespace cairn creates for an add-on (labelled cairn.dev/platform) are outside it.
import { PLATFORM_LABEL, namespace } from "../objects.js";
import { emptyOutput, type AddonContext, type AddonOutput, type K8sObject } from "../types.js";
import { GATEKEEPER_CHART } from "./versions.js";

export const GATEKEEPER_NAMESPACE = "gatekeeper-system";
const ALWAYS_EXCLUDED = ["kube-system", "kube-public", "kube-node-lease", "flux-system"];

const REQUIRED_LABELS_REGO = `package k8srequiredlabels
violation[{"msg": msg}] {
  provided := {label | input.review.object.metadata.labels[label]}
  required := {label | label := input.parameters.labels[_]}
  missing := required - provided
  count(missing) > 0
  msg := sprintf("Missing required labels: %v", [missing])
}
`;

const requiredLabelsTemplate: K8sObject = {
  apiVersion: "templates.gatekeeper.sh/v1",
  kind: "ConstraintTemplate",
  metadata: { name: "k8srequiredlabels" },
  spec: {
    crd: {
      spec: {
        names: { kind: "K8sRequiredLabels" },
        validation: {
          openAPIV3Schema: { properties: { labels: { type: "array", items: { type: "string" } } } },
        },
      },
    },
    targets: [{ target: "admission.k8s.gatekeeper.sh", rego: REQUIRED_LABELS_REGO }],
  },
};

/** The constraint's name: the seed's require-owner-label for one label, a DNS-safe join for several. */
function constraintName(labels: readonly string[]): string {
  const safe = labels.map((l) =>
    l
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, ""),
  );
  return labels.length === 1 ? `require-${safe[0]}-label` : `require-${safe.join("-")}-labels`.slice(0, 253);
}

export function renderGatekeeper(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const spec = ctx.spec;
  const g = spec.addons.policy!.gatekeeper;
  out.objects.push({ layer: "controllers", object: namespace(GATEKEEPER_NAMESPACE) });
  out.releases.push({
    name: "gatekeeper",
    namespace: GATEKEEPER_NAMESPACE,
    chart: { ...GATEKEEPER_CHART },
    values: {},
    dependsOn: spec.addons.cni?.type === "cilium" ? ["cilium"] : [],
  });
  if (!g.requiredLabels.length) return out;
  out.objects.push({ layer: "configs", object: requiredLabelsTemplate });
  out.objects.push({
    layer: "tenants",
    object: {
      apiVersion: "constraints.gatekeeper.sh/v1beta1",
      kind: "K8sRequiredLabels",
      metadata: { name: constraintName(g.requiredLabels) },
      spec: {
        enforcementAction: g.enforcement,
        match: {
          kinds: [{ apiGroups: [""], kinds: [...g.kinds] }],
          excludedNamespaces: [...new Set([...ALWAYS_EXCLUDED, ...g.excludedNamespaces])],
          namespaceSelector: { matchExpressions: [{ key: PLATFORM_LABEL, operator: "DoesNotExist" }] },
        },
        parameters: { labels: [...g.requiredLabels] },
      },
    },
  });
  return out;
}
