// Label and field selectors as list and watch requests carry them (`labelSelector=app=web,tier!=db`,
// `fieldSelector=spec.nodeName=w1`), and the matchLabels/matchExpressions form objects carry.
import { badRequest } from "./status.js";

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});

export type Requirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" };

function splitTop(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s);
}

export function parseLabelSelector(text: string | null | undefined): Requirement[] {
  if (!text) return [];
  return splitTop(text).map((term) => {
    let m = /^([^\s!=]+)\s+(in|notin)\s+\((.*)\)$/.exec(term);
    if (m)
      return {
        key: m[1]!,
        op: m[2] as "in" | "notin",
        values: m[3]!
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s),
      };
    m = /^([^\s!=]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (m) return { key: m[1]!, op: m[2] === "!=" ? "!=" : "=", value: m[3]!.trim() };
    m = /^!\s*([^\s!=]+)$/.exec(term);
    if (m) return { key: m[1]!, op: "!exists" };
    if (/^[^\s!=(),]+$/.test(term)) return { key: term, op: "exists" };
    throw badRequest(`unable to parse requirement: found '${term}', expected: identifier`);
  });
}

export function matches(reqs: readonly Requirement[], labels: Record<string, string>): boolean {
  return reqs.every((r) => {
    const v = labels[r.key];
    switch (r.op) {
      case "=":
        return v === r.value;
      case "!=":
        return v !== r.value;
      case "in":
        return v !== undefined && r.values.includes(v);
      case "notin":
        return v === undefined || !r.values.includes(v);
      case "exists":
        return v !== undefined;
      case "!exists":
        return v === undefined;
    }
  });
}

/** A metav1.LabelSelector (matchLabels + matchExpressions); an empty selector matches everything. */
export function labelSelectorOf(sel: unknown): Requirement[] {
  const s = o(sel);
  const reqs: Requirement[] = Object.entries(o(s.matchLabels)).map(([key, value]) => ({
    key,
    op: "=",
    value: String(value),
  }));
  for (const e of Array.isArray(s.matchExpressions) ? (s.matchExpressions as Obj[]) : []) {
    const key = String(e.key);
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    if (e.operator === "In") reqs.push({ key, op: "in", values });
    else if (e.operator === "NotIn") reqs.push({ key, op: "notin", values });
    else if (e.operator === "Exists") reqs.push({ key, op: "exists" });
    else if (e.operator === "DoesNotExist") reqs.push({ key, op: "!exists" });
  }
  return reqs;
}

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

/** Field selectors kube-apiserver supports for every type, plus the Pod and Node ones kubectl uses. */
const FIELDS: Record<string, (obj: Obj) => string> = {
  "metadata.name": (x) => String(o(x.metadata).name ?? ""),
  "metadata.namespace": (x) => String(o(x.metadata).namespace ?? ""),
  "spec.nodeName": (x) => String(o(x.spec).nodeName ?? ""),
  "status.phase": (x) => String(o(x.status).phase ?? ""),
  "spec.unschedulable": (x) => String(o(x.spec).unschedulable === true),
  "involvedObject.name": (x) => String(o(x.involvedObject).name ?? ""),
  type: (x) => String(x.type ?? ""),
};

export function parseFieldSelector(text: string | null | undefined, kind: string): FieldRequirement[] {
  if (!text) return [];
  return splitTop(text).map((term) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const field = m[1]!.trim();
    if (!FIELDS[field])
      throw badRequest(
        `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    void kind;
    return { field, op: m[2] === "!=" ? "!=" : "=", value: m[3]!.trim() };
  });
}

export function fieldsMatch(reqs: readonly FieldRequirement[], obj: Obj): boolean {
  return reqs.every((r) => {
    const v = FIELDS[r.field]!(obj);
    return r.op === "=" ? v === r.value : v !== r.value;
  });
}
