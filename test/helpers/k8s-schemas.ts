// The independent oracle for rendered Kubernetes objects: ajv over the reference schemas in ../shared/reference
// (k8s-schemas/v1.32 in yannh's naming, crd-schemas in kubeconform/datreeio's), looked up by apiVersion and kind
// with kubeconform's templates, not with cairn's own table. A missing reference file fails the test.
import { existsSync, readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { SHARED } from "./shared.js";

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => void;

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
for (const f of ["int32", "int64", "byte", "double", "float", "cidr", "idn-hostname", "int-or-string"])
  ajv.addFormat(f, true);
const compiled = new Map<string, ValidateFunction>();

/** kubeconform: core `{kind}{-group}-{version}.json`, CRDs `{group}/{kind}_{version}.json`, all lower-case. */
export function referenceFile(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
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
export function oracle(obj: Record<string, unknown>): { file: string; errors: string[] } {
  const apiVersion = String(obj.apiVersion);
  const kind = String(obj.kind);
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
  return kind === "CronJob" || existsSync(referenceFile(apiVersion, kind));
}
