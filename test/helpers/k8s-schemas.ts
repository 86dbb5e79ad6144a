// The independent oracle for rendered Kubernetes objects: ajv over the reference schemas in ../shared/reference
// (k8s-schemas/v1.32 in yannh's naming, crd-schemas in kubeconform/datreeio's), looked up by apiVersion and kind
// with kubeconform's templates, not with cairn's own table. A missing reference file fails the test.
import { existsSync, readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { REPO_ROOT, SHARED } from "./shared.js";

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => void;

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
for (const f of ["int32", "int64", "byte", "double", "float", "cidr", "idn-hostname", "int-or-string"])
  ajv.addFormat(f, true);
const compiled = new Map<string, ValidateFunction>();

/** kubeconform: core `{kind}{-group}-{version}.json`, CRDs `{group}/{kind}_{version}.json`, all lower-case. */
/**
 * CRD groups the reference set lacks, bundled in schema/kubernetes as verbatim copies of datreeio/CRDs-catalog
 * files (schema/kubernetes/SOURCES.md names commit and sha256; test/gitops/bundled-schemas.test.ts pins them).
 */
const UPSTREAM_ONLY = new Set(["operator.knative.dev", "external-secrets.io", "pkg.crossplane.io"]);

function referenceFile(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (UPSTREAM_ONLY.has(group!))
    return `${REPO_ROOT}schema/kubernetes/crds/${group}/${kind.toLowerCase()}_${version}.json`;
  const k = kind.toLowerCase();
  const core = ["", "apps", "batch", "rbac.authorization.k8s.io", "networking.k8s.io", "storage.k8s.io"];
  if (core.includes(group!)) {
    const suffix = group ? `-${group!.split(".")[0]}` : "";
    return `${SHARED}reference/k8s-schemas/v1.32/${k}${suffix}-${version}.json`;
  }
  return `${SHARED}reference/crd-schemas/${group}/${k}_${version}.json`;
}

function validator(file: string): ValidateFunction {
  let v = compiled.get(file);
  if (!v) {
    if (!existsSync(file)) throw new Error(`reference schema ${file} is missing`);
    // Cilium's CRDs carry the RE2 class \PC, which JavaScript spells \P{C}.
    const schema = JSON.parse(readFileSync(file, "utf8").replace(/\\\\PC/g, "\\\\P{C}")) as Record<
      string,
      unknown
    >;
    delete schema.$schema;
    v = ajv.compile(schema);
    compiled.set(file, v);
  }
  return v;
}

/**
 * ajv's verdict on one object against its reference schema. A batch/v1 CronJob has no reference schema: its job
 * template is checked as the Job it creates. Returns the schema file used and ajv's errors.
 */
export function oracle(
  obj: Record<string, unknown>,
  peers: readonly Record<string, unknown>[] = [],
): { file: string; errors: string[] } {
  const apiVersion = String(obj.apiVersion);
  const kind = String(obj.kind);
  if (apiVersion === "constraints.gatekeeper.sh/v1beta1") return constraintOracle(obj, peers);
  if (apiVersion === "batch/v1" && kind === "CronJob") {
    const spec = obj.spec as { jobTemplate: { metadata?: object; spec: unknown } };
    const meta = obj.metadata as Record<string, unknown>;
    return oracle({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { ...(spec.jobTemplate.metadata ?? {}), name: meta.name, namespace: meta.namespace },
      spec: spec.jobTemplate.spec,
    });
  }
  const file = referenceFile(apiVersion, kind);
  const v = validator(file);
  const ok = v(obj);
  return { file, errors: ok ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`) };
}

export function hasReference(apiVersion: string, kind: string): boolean {
  if (apiVersion === "constraints.gatekeeper.sh/v1beta1") return true;
  return kind === "CronJob" || existsSync(referenceFile(apiVersion, kind));
}

type Template = {
  spec: { crd: { spec: { names: { kind: string }; validation?: { openAPIV3Schema?: object } } } };
};

/**
 * A Gatekeeper constraint's CRD is generated from its ConstraintTemplate: the template (among the objects emitted
 * with it) must exist and be valid against the reference ConstraintTemplate schema, and the constraint's
 * parameters must satisfy the template's openAPIV3Schema. match and enforcementAction are checked by hand against
 * Gatekeeper's documented constraint fields.
 */
function constraintOracle(
  obj: Record<string, unknown>,
  peers: readonly Record<string, unknown>[],
): { file: string; errors: string[] } {
  const kind = String(obj.kind);
  const template = peers.find(
    (p) =>
      p.kind === "ConstraintTemplate" && (p as unknown as Template).spec?.crd?.spec?.names?.kind === kind,
  ) as (Record<string, unknown> & Template) | undefined;
  const file = referenceFile("templates.gatekeeper.sh/v1", "ConstraintTemplate");
  if (!template) return { file, errors: [`no ConstraintTemplate for ${kind} among the emitted objects`] };
  const errors = oracle(template).errors.map((e) => `template ${e}`);
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const paramsSchema = template.spec.crd.spec.validation?.openAPIV3Schema ?? {};
  const v = ajv.compile({ type: "object", ...paramsSchema });
  if (!v(spec.parameters ?? {}))
    errors.push(...(v.errors ?? []).map((e) => `/spec/parameters${e.instancePath} ${e.message ?? ""}`));
  for (const k of Object.keys(spec))
    if (!["match", "parameters", "enforcementAction"].includes(k)) errors.push(`/spec/${k} unknown field`);
  if (
    spec.enforcementAction !== undefined &&
    !["deny", "warn", "dryrun"].includes(String(spec.enforcementAction))
  )
    errors.push(`/spec/enforcementAction ${String(spec.enforcementAction)}`);
  const match = (spec.match ?? {}) as Record<string, unknown>;
  const fields = [
    "kinds",
    "scope",
    "namespaces",
    "excludedNamespaces",
    "labelSelector",
    "namespaceSelector",
    "name",
    "source",
  ];
  for (const k of Object.keys(match)) if (!fields.includes(k)) errors.push(`/spec/match/${k} unknown field`);
  return { file, errors };
}
