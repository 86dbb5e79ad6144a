// Hetzner's label selector language: k, !k, k=v, k==v, k!=v, k in (a,b), k notin (a,b); terms joined by ','
// (AND). Commas inside parentheses belong to the set.

type Term = (labels: Record<string, string>) => boolean;

function splitTerms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== "");
}

/** Compiles a selector; throws with a message for a malformed one (the API answers invalid_input). */
export function compileSelector(selector: string): Term {
  const terms: Term[] = splitTerms(selector).map((t) => {
    let m = /^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t);
    if (m) {
      const key = m[1]!;
      const set = m[3]!.split(",").map((x) => x.trim());
      return m[2] === "in"
        ? (l) => l[key] !== undefined && set.includes(l[key]!)
        : (l) => l[key] === undefined || !set.includes(l[key]!);
    }
    m = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(t);
    if (m) {
      const [, key, op, value] = m;
      return op === "!=" ? (l) => l[key!] !== value : (l) => l[key!] === value;
    }
    m = /^!\s*([^\s!=(),]+)$/.exec(t);
    if (m) return (l) => l[m![1]!] === undefined;
    m = /^([^\s!=(),]+)$/.exec(t);
    if (m) return (l) => l[m![1]!] !== undefined;
    throw new Error(`invalid label selector term '${t}'`);
  });
  return (labels) => terms.every((t) => t(labels));
}
