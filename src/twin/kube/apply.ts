// Server-side apply (PATCH application/apply-patch+yaml) and field ownership: each manager owns a set of fields
// (metadata.managedFields, FieldsV1 format: "f:<field>", "k:{<merge key>}" for keyed list items, "." for the item
// itself). Applying merges the configuration into the live object, fails with a Conflict naming the other manager
// where it would change a field that manager owns (unless forced, which takes the field over), and removes fields
// the applier owned before but no longer sets and nobody else owns.
import { applyStrategicMergePatch, mergeKeyFor, MERGED_PRIMITIVE_LISTS } from "./patch.js";
import { ApiError } from "./status.js";

type Obj = Record<string, unknown>;
type FieldSet = { [k: string]: FieldSet };
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const o = (v: unknown): Obj => (isObj(v) ? v : {});

// Identity and server-managed metadata are never owned.
const UNOWNED_META = new Set([
  "name",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "managedFields",
  "selfLink",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
]);

/** The fields a (partial) object sets, as a FieldsV1 set. `keyed` says whether lists merge by key (built-ins). */
function fieldsOf(value: unknown, path: string[] = [], keyed = true): FieldSet {
  const out: FieldSet = {};
  if (!isObj(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    if (path.length === 0 && (k === "apiVersion" || k === "kind" || k === "status")) continue;
    if (path.length === 1 && path[0] === "metadata" && UNOWNED_META.has(k)) continue;
    if (v === null) continue;
    const key = `f:${k}`;
    if (Array.isArray(v)) {
      const mk = keyed ? mergeKeyFor(k, path) : undefined;
      if (mk && v.every((x) => isObj(x) && x[mk] !== undefined)) {
        const items: FieldSet = {};
        for (const item of v as Obj[])
          items[`k:${JSON.stringify({ [mk]: item[mk] })}`] = {
            ".": {},
            ...fieldsOf(item, [...path, k], keyed),
          };
        out[key] = items;
      } else if (keyed && MERGED_PRIMITIVE_LISTS.has(k)) {
        const items: FieldSet = {};
        for (const x of v) items[`v:${JSON.stringify(x)}`] = {};
        out[key] = items;
      } else out[key] = {};
    } else if (isObj(v) && Object.keys(v).length > 0) out[key] = fieldsOf(v, [...path, k], keyed);
    else out[key] = {};
  }
  return out;
}

/** Leaf paths of a set: fields with no children, and keyed list items themselves ("."). */
function leaves(set: FieldSet, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [k, v] of Object.entries(set)) {
    if (k === ".") out.push(prefix);
    else if (Object.keys(v).length === 0) out.push([...prefix, k]);
    else out.push(...leaves(v, [...prefix, k]));
  }
  return out;
}

function has(set: FieldSet, path: string[]): boolean {
  let cur: FieldSet | undefined = set;
  for (const p of path) {
    cur = cur[p];
    if (!cur) return false;
  }
  return true;
}

/** Removes `paths` (leaves) from a set, dropping emptied branches. */
function subtract(set: FieldSet, paths: string[][]): FieldSet {
  const copy = structuredClone(set);
  for (const p of paths) {
    const chain: FieldSet[] = [copy];
    let cur: FieldSet | undefined = copy;
    for (const x of p) {
      cur = cur?.[x];
      if (!cur) break;
      chain.push(cur);
    }
    if (!cur) continue;
    if (p.length === 0) continue;
    // An item leaf is its "." marker; a field leaf is the key itself.
    if (cur["."] !== undefined && Object.keys(cur).length > 1) {
      delete cur["."];
      continue;
    }
    delete chain[chain.length - 2]![p[p.length - 1]!];
    for (let i = chain.length - 2; i > 0; i--)
      if (Object.keys(chain[i]!).length === 0) delete chain[i - 1]![p[i - 1]!];
  }
  return copy;
}

function step(cur: unknown, token: string): unknown {
  if (token.startsWith("f:")) return o(cur)[token.slice(2)];
  if (token.startsWith("k:")) {
    const key = JSON.parse(token.slice(2)) as Obj;
    return Array.isArray(cur)
      ? cur.find((x) => Object.entries(key).every(([k, v]) => JSON.stringify(o(x)[k]) === JSON.stringify(v)))
      : undefined;
  }
  if (token.startsWith("v:"))
    return Array.isArray(cur) ? cur.find((x) => JSON.stringify(x) === token.slice(2)) : undefined;
  return undefined;
}

function valueAtPath(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const t of path) cur = step(cur, t);
  return cur;
}

function deleteAt(obj: Obj, path: string[]): void {
  if (path.length === 0) return;
  const parent = valueAtPath(obj, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (last.startsWith("f:") && isObj(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const item = step(parent, last);
    const i = parent.indexOf(item);
    if (i >= 0) parent.splice(i, 1);
  }
}

/** ".spec.template.spec.containers[name=\"web\"].image", as kube-apiserver prints a conflicting field. */
function printPath(path: string[]): string {
  return path
    .map((t) => {
      if (t.startsWith("f:")) return `.${t.slice(2)}`;
      if (t.startsWith("k:"))
        return `[${Object.entries(JSON.parse(t.slice(2)) as Obj)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(",")}]`;
      return `[${t.slice(2)}]`;
    })
    .join("");
}

interface ManagedEntry {
  manager: string;
  operation: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: FieldSet;
  subresource?: string;
}

function entriesOf(obj: Obj | undefined): ManagedEntry[] {
  const mf = o(obj?.metadata).managedFields;
  return Array.isArray(mf) ? (mf as ManagedEntry[]) : [];
}

const rfc3339 = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * Applies `config` as `manager`. Returns the object to store (with managedFields updated) or throws the 409
 * Conflict kube-apiserver returns.
 */
export function serverSideApply(
  live: Obj | undefined,
  config: Obj,
  manager: string,
  force: boolean,
  apiVersion: string,
  subresource: string | undefined,
  keyed = true,
): Obj {
  const applied = fieldsOf(config, [], keyed);
  const entries = entriesOf(live).filter(
    (e) => (e.subresource ?? undefined) === subresource || e.subresource === undefined,
  );
  const others = entriesOf(live).filter((e) => !(e.manager === manager && e.operation === "Apply"));
  const conflicts: { manager: string; apiVersion: string; path: string[] }[] = [];
  for (const e of others) {
    for (const leaf of leaves(e.fieldsV1 ?? {})) {
      if (!has(applied, leaf)) continue;
      const a = valueAtPath(config, leaf);
      const l = valueAtPath(live, leaf);
      if (JSON.stringify(a) !== JSON.stringify(l) && !(isObj(a) && isObj(l)))
        conflicts.push({ manager: e.manager, apiVersion: e.apiVersion ?? apiVersion, path: leaf });
    }
  }
  void entries;
  // kube-apiserver's last-applied manager: a conflict on a field whose live value is still what client-side
  // `kubectl apply` last applied is no conflict — that is how objects move from client-side to server-side apply.
  const lastText = o(o(live?.metadata).annotations)["kubectl.kubernetes.io/last-applied-configuration"];
  let lastApplied: Obj | undefined;
  try {
    lastApplied = typeof lastText === "string" ? (JSON.parse(lastText) as Obj) : undefined;
  } catch {
    lastApplied = undefined;
  }
  const forgiven = conflicts.filter(
    (c) =>
      lastApplied !== undefined &&
      JSON.stringify(valueAtPath(lastApplied, c.path)) === JSON.stringify(valueAtPath(live, c.path)),
  );
  const remaining = conflicts.filter((c) => !forgiven.includes(c));
  conflicts.length = 0;
  conflicts.push(...remaining);
  if (conflicts.length > 0 && !force) {
    const message = conflicts.map(
      (c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${printPath(c.path)}`,
    );
    throw new ApiError(
      409,
      "Conflict",
      `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? "s" : ""}: ${message.join("\n")}`,
      {
        causes: conflicts.map((c) => ({
          reason: "FieldManagerConflict",
          message: `conflict with "${c.manager}" using ${c.apiVersion}`,
          field: printPath(c.path),
        })),
      },
    );
  }
  const previous = entriesOf(live).find((e) => e.manager === manager && e.operation === "Apply");
  const base = live ? structuredClone(live) : {};
  const merged = applyStrategicMergePatch(base, stripNulls(config)) as Obj;
  // Fields this manager applied before and dropped now go, unless another manager still owns them.
  const taken = force ? leaves(applied) : forgiven.map((c) => c.path);
  const otherSets = others.map((e) => subtract(e.fieldsV1 ?? {}, taken));
  for (const leaf of leaves(previous?.fieldsV1 ?? {})) {
    if (has(applied, leaf)) continue;
    if (otherSets.some((s) => has(s, leaf))) continue;
    deleteAt(merged, leaf);
  }
  const nextEntries: ManagedEntry[] = [];
  others.forEach((e, i) => {
    const set = subtract(otherSets[i]!, []);
    // Ownership of what this apply sets moves away from updaters (not from other appliers, who keep shared values).
    const reduced =
      e.operation === "Update"
        ? subtract(
            set,
            leaves(applied).filter(
              (l) => JSON.stringify(valueAtPath(live, l)) !== JSON.stringify(valueAtPath(config, l)),
            ),
          )
        : set;
    if (Object.keys(reduced).length > 0 || e.operation === "Update")
      nextEntries.push({ ...e, fieldsV1: reduced });
  });
  nextEntries.push({
    manager,
    operation: "Apply",
    apiVersion,
    time: rfc3339(),
    fieldsType: "FieldsV1",
    fieldsV1: applied,
    ...(subresource ? { subresource } : {}),
  });
  const m = o(merged.metadata);
  merged.metadata = m;
  m.managedFields = nextEntries.filter(
    (e) => Object.keys(e.fieldsV1 ?? {}).length > 0 || e.manager === manager,
  );
  if (config.apiVersion) merged.apiVersion = config.apiVersion;
  if (config.kind) merged.kind = config.kind;
  return merged;
}

function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = stripNulls(x);
  return out;
}

/** The fields an Update (create, PUT, non-apply PATCH) changed: the manager takes them over. */
function updatedFields(before: Obj | undefined, after: Obj, keyed = true): FieldSet {
  const all = fieldsOf(after, [], keyed);
  if (!before) return all;
  const changed = leaves(all).filter(
    (l) => JSON.stringify(valueAtPath(before, l)) !== JSON.stringify(valueAtPath(after, l)),
  );
  return subtract(
    all,
    leaves(all).filter((l) => !changed.some((c) => JSON.stringify(c) === JSON.stringify(l))),
  );
}

/** a ∪ b. */
function union(a: FieldSet, b: FieldSet): FieldSet {
  const out = structuredClone(a);
  for (const [k, v] of Object.entries(b)) out[k] = out[k] ? union(out[k]!, v) : structuredClone(v);
  return out;
}

/** managedFields after `manager` wrote `after` over `before` with an Update (kube-apiserver's update manager). */
export function recordUpdate(
  before: Obj | undefined,
  after: Obj,
  manager: string,
  apiVersion: string,
  subresource: string | undefined,
  keyed = true,
): ManagedEntry[] {
  const changed = updatedFields(before, after, keyed);
  const changedLeaves = leaves(changed);
  const entries = entriesOf(before ?? after);
  const same = (e: ManagedEntry): boolean =>
    e.manager === manager && e.operation === "Update" && (e.subresource ?? undefined) === subresource;
  const mine = entries.find(same);
  const next = entries
    .filter((e) => !same(e))
    .map((e) => ({ ...e, fieldsV1: subtract(e.fieldsV1 ?? {}, changedLeaves) }))
    .filter((e) => Object.keys(e.fieldsV1).length > 0);
  const owned = union(mine?.fieldsV1 ?? {}, changed);
  if (Object.keys(owned).length > 0)
    next.push({
      manager,
      operation: "Update",
      apiVersion,
      time: rfc3339(),
      fieldsType: "FieldsV1",
      fieldsV1: owned,
      ...(subresource ? { subresource } : {}),
    });
  return next;
}
