// The patch formats kube-apiserver accepts: JSON Patch (RFC 6902), JSON Merge Patch (RFC 7386) and strategic merge
// patch for built-in types (lists merged by their patchMergeKey, `$patch`, `$retainKeys`, `$setElementOrder` and
// `$deleteFromPrimitiveList` directives). The merge keys are the ones the Kubernetes API types declare
// (`patchMergeKey` struct tags); lists not named here are replaced whole, as for atomic lists.
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

export class PatchError extends Error {}

// ---- RFC 6902 -----------------------------------------------------------------------------------------------------

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new PatchError(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function parentOf(doc: unknown, parts: string[], path: string): unknown {
  let cur = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObj(cur) && p in cur) cur = cur[p];
    else throw new PatchError(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function getAt(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const p of pointer(path)) {
    if (Array.isArray(cur) && /^\d+$/.test(p) && Number(p) < cur.length) cur = cur[Number(p)];
    else if (isObj(cur) && p in cur) cur = cur[p];
    else throw new PatchError(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

export function applyJsonPatch(doc: Obj, ops: unknown): Obj {
  if (!Array.isArray(ops)) throw new PatchError("json patch must be a list of operations");
  let out: unknown = clone(doc);
  for (const raw of ops as Obj[]) {
    const op = String(raw.op);
    const path = String(raw.path ?? "");
    const parts = pointer(path);
    const last = parts[parts.length - 1];
    const set = (value: unknown, insert: boolean): void => {
      if (parts.length === 0) {
        out = value;
        return;
      }
      const parent = parentOf(out, parts, path);
      if (Array.isArray(parent)) {
        const i = last === "-" ? parent.length : Number(last);
        if (!Number.isInteger(i) || i < 0 || i > parent.length)
          throw new PatchError(`index out of range: "${path}"`);
        if (insert) parent.splice(i, 0, value);
        else parent[i] = value;
      } else if (isObj(parent)) parent[last!] = value;
      else throw new PatchError(`doc is missing path: "${path}"`);
    };
    const remove = (p: string): unknown => {
      const ps = pointer(p);
      const parent = parentOf(out, ps, p);
      const l = ps[ps.length - 1]!;
      if (Array.isArray(parent)) {
        const i = Number(l);
        if (!(i >= 0 && i < parent.length))
          throw new PatchError(`Unable to remove nonexistent key: ${l}: missing value`);
        return parent.splice(i, 1)[0];
      }
      if (!isObj(parent) || !(l in parent))
        throw new PatchError(`Unable to remove nonexistent key: ${l}: missing value`);
      const v = parent[l];
      delete parent[l];
      return v;
    };
    switch (op) {
      case "add":
        set(clone(raw.value), true);
        break;
      case "replace":
        getAt(out, path);
        set(clone(raw.value), false);
        break;
      case "remove":
        remove(path);
        break;
      case "move": {
        const v = remove(String(raw.from));
        set(v, true);
        break;
      }
      case "copy":
        set(clone(getAt(out, String(raw.from))), true);
        break;
      case "test":
        if (JSON.stringify(getAt(out, path)) !== JSON.stringify(raw.value))
          throw new PatchError(`testing value ${path} failed: test failed`);
        break;
      default:
        throw new PatchError(`Unexpected kind: ${op}`);
    }
  }
  if (!isObj(out)) throw new PatchError("the patch result is not an object");
  return out;
}

// ---- RFC 7386 -----------------------------------------------------------------------------------------------------

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: Obj = isObj(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

// ---- strategic merge ----------------------------------------------------------------------------------------------

/** patchMergeKey of the built-in lists, by field name (the same name has the same key wherever it occurs). */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  imagePullSecrets: "name",
  hostAliases: "ip",
  ownerReferences: "uid",
  conditions: "type",
  taints: "key",
  topologySpreadConstraints: "topologyKey",
  resourceClaims: "name",
  addresses: "type",
  subsets: "",
};
/** Lists of primitives that merge (set semantics) rather than replace. */
export const MERGED_PRIMITIVE_LISTS = new Set(["finalizers"]);
/** Port lists: containers merge theirs by containerPort, services by port. */
export function mergeKeyFor(field: string, path: string[]): string | undefined {
  if (field === "ports")
    return path.includes("containers") || path.includes("initContainers") ? "containerPort" : "port";
  const k = MERGE_KEYS[field];
  return k ? k : undefined;
}

/**
 * Applies a strategic merge patch to `original`. `path` is the chain of field names leading here (to pick the
 * merge key of lists by where they are).
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown, path: string[] = []): unknown {
  if (!isObj(patch)) return clone(patch);
  const base: Obj = isObj(original) ? clone(original) : {};
  if (patch.$patch === "replace") {
    const rest = { ...patch };
    delete rest.$patch;
    return stripDirectives(rest);
  }
  if (patch.$patch === "delete") return undefined;
  const retain = Array.isArray(patch.$retainKeys) ? new Set(patch.$retainKeys.map(String)) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$patch" || k === "$retainKeys") continue;
    if (k.startsWith("$setElementOrder/")) continue;
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const field = k.slice("$deleteFromPrimitiveList/".length);
      const drop = new Set((Array.isArray(v) ? v : []).map((x) => JSON.stringify(x)));
      if (Array.isArray(base[field]))
        base[field] = (base[field] as unknown[]).filter((x) => !drop.has(JSON.stringify(x)));
      continue;
    }
    if (v === null) {
      delete base[k];
      continue;
    }
    if (Array.isArray(v)) {
      base[k] = mergeList(base[k], v, k, [...path, k], patch[`$setElementOrder/${k}`]);
      continue;
    }
    if (isObj(v)) {
      const merged = applyStrategicMergePatch(base[k], v, [...path, k]);
      if (merged === undefined) delete base[k];
      else base[k] = merged;
      continue;
    }
    base[k] = v;
  }
  if (retain) for (const k of Object.keys(base)) if (!retain.has(k)) delete base[k];
  return base;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith("$")) out[k] = stripDirectives(x);
  return out;
}

function mergeList(
  original: unknown,
  patch: unknown[],
  field: string,
  path: string[],
  order: unknown,
): unknown[] {
  const base = Array.isArray(original) ? clone(original) : [];
  const key = mergeKeyFor(field, path.slice(0, -1));
  if (MERGED_PRIMITIVE_LISTS.has(field)) {
    const out = [...base];
    for (const x of patch) if (!out.some((y) => JSON.stringify(y) === JSON.stringify(x))) out.push(x);
    return out;
  }
  if (!key || !patch.every(isObj)) {
    // `$patch: replace` inside an atomic list, or a plain replacement.
    return patch.filter((x) => !(isObj(x) && x.$patch === "replace")).map(stripDirectives);
  }
  if (patch.some((x) => isObj(x) && x.$patch === "replace"))
    return patch.filter((x) => !(isObj(x) && x.$patch === "replace")).map(stripDirectives);
  const out = base as Obj[];
  for (const item of patch as Obj[]) {
    const id = item[key];
    const i = out.findIndex((x) => isObj(x) && JSON.stringify(x[key]) === JSON.stringify(id));
    if (item.$patch === "delete") {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) out[i] = applyStrategicMergePatch(out[i], item, path) as Obj;
    else out.push(stripDirectives(item) as Obj);
  }
  if (Array.isArray(order)) {
    const rank = new Map(order.map((x, n) => [JSON.stringify(isObj(x) ? x[key] : x), n]));
    out.sort((a, b) => (rank.get(JSON.stringify(a[key])) ?? 1e9) - (rank.get(JSON.stringify(b[key])) ?? 1e9));
  }
  return out;
}
