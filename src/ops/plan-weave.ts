// Pure surgery on action lists, for operations built from others' plans: a rolling upgrade with each node's config
// step right after that node's upgrade, the apply's config changes taken out for the nodes an upgrade handles, and
// one part of a plan after another. Nothing is changed in place; ids stay unique and every dependency resolves.
import type { Action } from "../engine/types.js";

const copy = (a: Action): Action => ({ ...a, dependsOn: [...a.dependsOn] });

/**
 * Each node's steps right after its `upgrade` action (in the upgrade's concurrency group, so a worker batch never
 * has more nodes in flight than its limit), and what followed the upgrade (the etcd gate) after the last step.
 */
export function weaveAfterUpgrades(
  upgrade: readonly Action[],
  steps: Readonly<Record<string, readonly Action[]>>,
): Action[] {
  const out: Action[] = [];
  const tail = new Map<string, string>();
  const woven = new Set<string>();
  for (const a of upgrade) {
    out.push(copy(a));
    const mine = a.kind === "upgrade" && a.node ? steps[a.node] : undefined;
    if (!mine?.length) continue;
    let prev = a.id;
    for (const s of mine) {
      out.push({ ...s, dependsOn: [prev], ...(a.group ? { group: { ...a.group } } : {}) });
      woven.add(s.id);
      prev = s.id;
    }
    tail.set(a.id, prev);
  }
  for (const a of out)
    if (!woven.has(a.id)) a.dependsOn = a.dependsOn.map((d) => (a.id !== d && tail.get(d)) || d);
  return out;
}

/** Is this one of the apply's changes to a running node (its config apply, or the wait after it)? */
export const isConfigChange = (a: Action): boolean =>
  (a.kind === "apply-config" && a.params.maintenance === false) || a.id.startsWith("wait-ready:");

/**
 * The apply's config changes of `nodes` taken out (returned per node, to be woven elsewhere); whatever depended on
 * them now depends on what they depended on.
 */
export function extractChanges(
  actions: readonly Action[],
  nodes: ReadonlySet<string>,
): { rest: Action[]; steps: Record<string, Action[]> } {
  const taken = (a: Action): boolean => isConfigChange(a) && a.node !== undefined && nodes.has(a.node);
  const byId = new Map(actions.map((a) => [a.id, a]));
  const steps: Record<string, Action[]> = {};
  for (const a of actions) if (taken(a)) (steps[a.node!] ??= []).push(copy(a));
  const resolve = (id: string): string[] => {
    const a = byId.get(id);
    return a && taken(a) ? a.dependsOn.flatMap(resolve) : [id];
  };
  const rest = actions
    .filter((a) => !taken(a))
    .map((a) => ({ ...a, dependsOn: [...new Set(a.dependsOn.flatMap(resolve))] }));
  return { rest, steps };
}

/** `second` after `first`: every action of `second` without a dependency waits for all of `first`. */
export function sequence(first: readonly Action[], second: readonly Action[]): Action[] {
  const ids = first.map((a) => a.id);
  return [
    ...first.map(copy),
    ...second.map((a) => (a.dependsOn.length === 0 ? { ...a, dependsOn: [...ids] } : copy(a))),
  ];
}
