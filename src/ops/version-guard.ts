// A plan never moves Talos or Kubernetes backwards unless the user asks for it by a flag that names the
// downgrade. When the spec is what is behind (an `upgrade --to` moved the cluster on and cairn.yaml still names
// the old release), the refusal says the exact spec change to make. Pure: versions in, sentences out.
import { compareMinor, compareVersions, minorOf, parseVersion } from "../talos/versions.js";

/** The newest of some versions ("v1.12.11", "1.29.4"); undefined for none. */
export function newest(versions: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const v of versions) {
    const p = parseVersion(v);
    if (!p) continue;
    if (!best || compareVersions(p, parseVersion(best)!) > 0) best = v;
  }
  return best;
}

/** Is `a` newer than `b`? (false when either is not a version) */
export function newer(a: string, b: string): boolean {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  return pa !== undefined && pb !== undefined && compareVersions(pa, pb) > 0;
}

/** Does going from `from` down to `to` cross a minor (which neither Talos nor Kubernetes supports)? */
export function acrossMinors(from: string, to: string): boolean {
  const a = parseVersion(from);
  const b = parseVersion(to);
  return a !== undefined && b !== undefined && compareMinor(minorOf(a), minorOf(b)) > 0;
}

/** "every node", "cp-1", "cp-1 and cp-2", "cp-1, cp-2 and 3 more" */
export function whichNodes(names: readonly string[], total: number): string {
  if (names.length === total && total > 1) return "every node";
  if (names.length <= 3)
    return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names.at(-1)!}`;
  return `${names.slice(0, 2).join(", ")} and ${names.length - 2} more`;
}

export interface Downgrade {
  /** "Talos" or "Kubernetes" */
  what: string;
  /** The field of cairn.yaml that names it ("talos.version"). */
  field: string;
  /** The version the plan would move to. */
  to: string;
  /** The newest version running, and where. */
  running: string;
  nodes: readonly string[];
  total: number;
  /** The flag that allows it (absent: not allowed at all, e.g. across minors). */
  flag: string;
  /** The target comes from the spec (apply, plan), not from `--to`. */
  fromSpec: boolean;
  /** The spec does not name the version itself (cairn's record stands for it). */
  unpinned?: boolean;
}

/** The refusal of a plan that would move some nodes backwards. */
export function downgradeRefusal(d: Downgrade): string {
  const who = whichNodes(d.nodes, d.total);
  const runs = d.nodes.length === 1 || who === "every node" ? "runs" : "run";
  const across = acrossMinors(d.running, d.to);
  const allow = across
    ? `downgrading ${d.what} across minor versions (${d.running} → ${d.to}) is not supported`
    : `to move it back on purpose, pass ${d.flag}`;
  if (d.fromSpec) {
    const says = d.unpinned
      ? `${d.field} is not set and cairn's record says ${d.to}`
      : `${d.field} says ${d.to}`;
    return (
      `cairn.yaml is behind the cluster: ${says}, but ${who} ${runs} ${d.what} ${d.running}. ` +
      `A plan never moves ${d.what} backwards unless asked: set \`${d.field}: ${d.running}\` in cairn.yaml; ${allow}`
    );
  }
  return `${d.what} ${d.to} is older than the ${d.running} ${who} ${runs}: an upgrade never moves ${d.what} backwards unless asked; ${allow}`;
}
