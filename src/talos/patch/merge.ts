// Talos' merge of one config document into another (pkg/machinery/config/merge at v1.13.9), on plain values:
// mappings merge key by key, lists append, a right-hand null, "" or 0 keeps the left value (Go zero values), false
// does not (Talos always merges bools; every v1alpha1 bool is a pointer), and the departures in rules.ts apply.
import { UserError } from "../../errors.js";
import { describeValue, isSecretPath } from "../../redact.js";
import { clone, isObject, type ConfigDocument, type ConfigObject, type ConfigValue } from "./document.js";
import { ruleAt, type KeyMatcher, type MergeRule } from "./rules.js";

/** Merges `right` into a copy of `left`; `kind` is the document kind the path rules are looked up under. */
export function mergeDocument(left: ConfigDocument, right: ConfigDocument, kind: string): ConfigDocument {
  return mergeValue(left, right, kind, "") as ConfigDocument;
}

// The config being patched holds the cluster's keys and tokens: values are described, never shown, at secret
// fields (machine.ca.key, machine.token, …) or when they look like key material.
function describe(v: ConfigValue | undefined, path: string): string {
  return describeValue(typeof v === "bigint" ? String(v) : v, isSecretPath(path));
}

function mismatch(path: string, left: ConfigValue, right: ConfigValue): UserError {
  return new UserError(
    `merge type mismatch at ${path === "" ? "the document root" : `'${path}'`}: the config has ${describe(left, path)}, the patch has ${describe(right, path)}`,
    { hint: "a strategic merge patch must have the same shape as the config it patches" },
  );
}

function mergeValue(
  left: ConfigValue | undefined,
  right: ConfigValue | undefined,
  kind: string,
  path: string,
): ConfigValue | undefined {
  const rule = ruleAt(kind, path);
  if (right === undefined || right === null) return left;
  if (rule?.type === "replace") return clone(right);
  if (rule?.type === "keyed" && Array.isArray(right) && (left === undefined || left === null))
    return mergeKeyed([], right, rule, kind, path); // Talos runs the custom Merge even onto an empty list
  if (left === undefined || left === null) return clone(right);

  if (Array.isArray(right)) {
    if (!Array.isArray(left)) throw mismatch(path, left, right);
    if (rule?.type === "keyed") return mergeKeyed(left, right, rule, kind, path);
    return [...left, ...right.map((x) => clone(x))];
  }
  if (isObject(right)) {
    if (!isObject(left)) throw mismatch(path, left, right);
    if (rule?.type === "args") return { ...left, ...clone(right) };
    const out: ConfigObject = { ...left };
    for (const [key, value] of Object.entries(right)) {
      // Own keys only: a patch key such as "toString" must not find Object.prototype's method in the config.
      const current = Object.hasOwn(left, key) ? left[key] : undefined;
      const merged = mergeValue(current, value, kind, path === "" ? key : `${path}.${key}`);
      if (merged !== undefined) out[key] = merged;
    }
    return out;
  }
  if (Array.isArray(left) || isObject(left)) throw mismatch(path, left, right);
  if (typeof right === "boolean") return right;
  if ((right === "" || right === 0) && rule?.type !== "pointer") return left;
  return right;
}

function str(v: ConfigValue | undefined): string {
  return typeof v === "string" ? v : "";
}

const SELECTOR_FIELDS = ["busPath", "hardwareAddr", "permanentAddr", "pciID", "driver"] as const;

// Talos compares device selectors with Go's ==, and `physical` is a *bool, so two selectors that set it are two
// different pointers and never equal.
function sameDeviceSelector(a: ConfigValue | undefined, b: ConfigValue | undefined): boolean {
  if (!isObject(a) || !isObject(b)) return false;
  if ((a.physical ?? null) !== null || (b.physical ?? null) !== null) return false;
  return SELECTOR_FIELDS.every((f) => str(a[f]) === str(b[f]));
}

function vlanId(v: ConfigValue | undefined): number {
  return typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : 0;
}

function findMatch(list: ConfigValue[], item: ConfigObject, match: KeyMatcher): number {
  switch (match) {
    case "interface": {
      const name = str(item.interface);
      if (name !== "") return list.findIndex((d) => isObject(d) && str(d.interface) === name);
      if (isObject(item.deviceSelector))
        return list.findIndex(
          (d) => isObject(d) && sameDeviceSelector(d.deviceSelector, item.deviceSelector),
        );
      return -1;
    }
    case "vlanId":
      return list.findIndex((v) => isObject(v) && vlanId(v.vlanId) === vlanId(item.vlanId));
    case "name":
    case "mountPath":
    case "image":
      return list.findIndex((x) => isObject(x) && str(x[match]) === str(item[match]));
  }
}

function mergeKeyed(
  left: ConfigValue[],
  right: ConfigValue[],
  rule: Extract<MergeRule, { type: "keyed" }>,
  kind: string,
  path: string,
): ConfigValue[] {
  const out = [...left];
  if (rule.element === "replace") {
    // ImageVerificationRules indexes the left side once (the last rule per pattern wins the index), so rules
    // appended by this patch are never replaced.
    const original = left.slice();
    for (const item of right) {
      const i = isObject(item)
        ? original.findLastIndex((x) => isObject(x) && str(x[rule.match]) === str(item[rule.match]))
        : -1;
      if (i < 0) out.push(clone(item));
      else out[i] = clone(item);
    }
    return out;
  }
  for (const item of right) {
    const i = isObject(item) ? findMatch(out, item, rule.match) : -1;
    if (i < 0) out.push(clone(item));
    else out[i] = mergeValue(out[i], item, kind, `${path}[]`) ?? null;
  }
  return out;
}
