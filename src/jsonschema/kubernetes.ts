// Validates Kubernetes objects against the schemas bundled in schema/kubernetes (copies of the project's reference
// set; see schema/kubernetes/SOURCES.md), chosen by apiVersion and kind. An object of a kind without a schema is
// an error, never a silent pass. The files are read once, on first use, like Talos' config schemas.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { validateJson, type JsonSchema, type SchemaError } from "./validate.js";

/** Core kinds → file under schema/kubernetes/core/v1.32 (yannh naming: kind[-group]-version). */
const CORE: Record<string, string> = {
  "v1/Namespace": "namespace-v1.json",
  "v1/ConfigMap": "configmap-v1.json",
  "v1/ServiceAccount": "serviceaccount-v1.json",
  "rbac.authorization.k8s.io/v1/ClusterRole": "clusterrole-rbac-v1.json",
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": "clusterrolebinding-rbac-v1.json",
  "batch/v1/Job": "job-batch-v1.json",
  "apps/v1/DaemonSet": "daemonset-apps-v1.json",
};

/** CRD kinds cairn emits, by apiVersion/kind (file: crds/<group>/<kind>_<version>.json, lower-case). */
const CRDS = new Set([
  "cilium.io/v2/CiliumLoadBalancerIPPool",
  "cilium.io/v2alpha1/CiliumLoadBalancerIPPool",
  "cilium.io/v2alpha1/CiliumL2AnnouncementPolicy",
  "metallb.io/v1beta1/IPAddressPool",
  "metallb.io/v1beta1/L2Advertisement",
  "gateway.networking.k8s.io/v1/Gateway",
  "gateway.networking.k8s.io/v1/HTTPRoute",
  "cert-manager.io/v1/ClusterIssuer",
  "cert-manager.io/v1/Certificate",
  "certmanager.step.sm/v1beta1/StepClusterIssuer",
  "helm.toolkit.fluxcd.io/v2/HelmRelease",
  "kustomize.toolkit.fluxcd.io/v1/Kustomization",
  "source.toolkit.fluxcd.io/v1/GitRepository",
  "source.toolkit.fluxcd.io/v1/HelmRepository",
  "source.toolkit.fluxcd.io/v1/OCIRepository",
  "source.toolkit.fluxcd.io/v1beta2/OCIRepository",
  "talos.dev/v1alpha1/ServiceAccount",
]);

// batch/v1 CronJob has no reference schema: its own fields follow the CronJobSpec API reference; its job template
// is validated as the Job it creates (see validateObject).
const CRONJOB: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: { enum: ["batch/v1"] },
    kind: { enum: ["CronJob"] },
    metadata: { type: "object" },
    spec: {
      type: "object",
      additionalProperties: false,
      required: ["schedule", "jobTemplate"],
      properties: {
        schedule: { type: "string", minLength: 1 },
        timeZone: { type: "string" },
        startingDeadlineSeconds: { type: "integer" },
        concurrencyPolicy: { enum: ["Allow", "Forbid", "Replace"] },
        suspend: { type: "boolean" },
        successfulJobsHistoryLimit: { type: "integer", minimum: 0 },
        failedJobsHistoryLimit: { type: "integer", minimum: 0 },
        jobTemplate: {
          type: "object",
          additionalProperties: false,
          required: ["spec"],
          properties: { metadata: { type: "object" }, spec: { type: "object" } },
        },
      },
    },
  },
};

const ROOT = fileURLToPath(new URL("../../schema/kubernetes/", import.meta.url));
const cache = new Map<string, JsonSchema>();

/** The bundled schema file for a kind, relative to schema/kubernetes, or undefined when cairn has none. */
function schemaFileFor(apiVersion: string, kind: string): string | undefined {
  const key = `${apiVersion}/${kind}`;
  if (CORE[key]) return `core/v1.32/${CORE[key]}`;
  if (!CRDS.has(key)) return undefined;
  const [group, version] = apiVersion.split("/");
  return `crds/${group}/${kind.toLowerCase()}_${version}.json`;
}

function load(file: string): JsonSchema {
  let s = cache.get(file);
  if (!s) {
    const parsed = JSON.parse(readFileSync(`${ROOT}${file}`, "utf8")) as Record<string, unknown>;
    delete parsed.$schema;
    s = parsed;
    cache.set(file, s);
  }
  return s;
}

const METADATA_FIELDS = new Set(["name", "namespace", "labels", "annotations"]);
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** What the CRD schemas leave open (their root and metadata): the envelope every object must have. */
function envelopeErrors(obj: Record<string, unknown>, schema: JsonSchema): SchemaError[] {
  const out: SchemaError[] = [];
  const meta = obj.metadata as Record<string, unknown> | undefined;
  if (!meta || typeof meta !== "object") return [{ path: "/metadata", message: "must be an object" }];
  if (typeof meta.name !== "string" || !DNS_SUBDOMAIN.test(meta.name) || meta.name.length > 253)
    out.push({ path: "/metadata/name", message: "must be a DNS-1123 subdomain" });
  for (const k of Object.keys(meta))
    if (!METADATA_FIELDS.has(k)) out.push({ path: `/metadata/${k}`, message: `unknown field "${k}"` });
  for (const k of ["labels", "annotations"]) {
    const m = meta[k];
    if (m === undefined) continue;
    if (typeof m !== "object" || m === null || Object.values(m).some((v) => typeof v !== "string"))
      out.push({ path: `/metadata/${k}`, message: "must map strings to strings" });
  }
  if (typeof schema === "object" && schema.properties) {
    const allowed = new Set(["apiVersion", "kind", "metadata", ...Object.keys(schema.properties)]);
    for (const k of Object.keys(obj))
      if (!allowed.has(k)) out.push({ path: `/${k}`, message: `unknown field "${k}"` });
  }
  return out;
}

/** Every schema violation of a Kubernetes object; a kind cairn has no schema for is itself an error. */
export function validateObject(obj: {
  apiVersion?: unknown;
  kind?: unknown;
  [field: string]: unknown;
}): SchemaError[] {
  const apiVersion = String(obj.apiVersion ?? "");
  const kind = String(obj.kind ?? "");
  const o = obj as Record<string, unknown>;
  if (apiVersion === "batch/v1" && kind === "CronJob") {
    const errors = validateJson(CRONJOB, o);
    const spec = o.spec as { jobTemplate?: { metadata?: object; spec?: unknown } } | undefined;
    const meta = o.metadata as { name?: string; namespace?: string } | undefined;
    if (spec?.jobTemplate && meta) {
      const job = {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { ...(spec.jobTemplate.metadata ?? {}), name: meta.name, namespace: meta.namespace },
        spec: spec.jobTemplate.spec,
      };
      for (const e of validateObject(job))
        errors.push({
          path: `/spec/jobTemplate${e.path.replace(/^\/metadata/, "/metadata")}`,
          message: e.message,
        });
    }
    return [...envelopeErrors(o, true), ...errors];
  }
  const file = schemaFileFor(apiVersion, kind);
  if (!file) return [{ path: "", message: `cairn has no schema for ${apiVersion} ${kind}` }];
  const schema = load(file);
  return [...envelopeErrors(o, schema), ...validateJson(schema, o)];
}
