// Where a YAML syntax error really is. The yaml parser notices an unclosed flow collection ([ or {) only where it
// should have ended, often several lines later; the user has to fix the bracket, so that is where to point.
import { Parser } from "yaml";

interface Token {
  type: string;
  offset: number;
  start?: Token | Token[];
  end?: Token[];
  items?: { start?: Token[]; key?: Token | null; sep?: Token[]; value?: Token | null }[];
  value?: Token;
  key?: Token;
}

/** The last unclosed [ or { that opens before `offset`, if any. */
export function unclosedFlowCollectionBefore(
  text: string,
  offset: number,
): { offset: number; bracket: "[" | "{" } | undefined {
  let found: { offset: number; bracket: "[" | "{" } | undefined;
  const visit = (t: Token | null | undefined): void => {
    if (!t || typeof t !== "object") return;
    if (t.type === "flow-collection" && t.offset <= offset) {
      const closed = (t.end ?? []).some((e) => e.type === "flow-seq-end" || e.type === "flow-map-end");
      const open = t.start as Token | undefined;
      if (!closed && open && (!found || open.offset > found.offset))
        found = { offset: open.offset, bracket: open.type === "flow-map-start" ? "{" : "[" };
    }
    if (t.value && typeof t.value === "object") visit(t.value);
    for (const item of t.items ?? []) {
      visit(item.key);
      visit(item.value);
    }
  };
  for (const token of new Parser().parse(text)) visit(token as unknown as Token);
  return found;
}
