// Kubernetes objects as YAML text, the same bytes every time: keys in the order the add-ons build them, no line
// folding, no anchors for repeated values, and YAML 1.1 quoting (kubectl and Flux read YAML 1.1, where an unquoted
// yes/no/on/off is a boolean).
import { stringify } from "yaml";

const OPTIONS = { version: "1.1", lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false } as const;

export function toYaml(value: unknown): string {
  return stringify(value, OPTIONS);
}

/** A multi-document stream: each object after the first preceded by `---`. */
export function toYamlDocuments(objects: readonly unknown[]): string {
  return objects.map((o) => toYaml(o)).join("---\n");
}
