// Maps a field path to a line and column in the YAML source, so every finding points into the file.
import { isMap, isPair, isScalar, isSeq, type LineCounter, type Document, type Node } from "yaml";
import type { FieldPath } from "../findings.js";

export interface Position {
  line: number;
  column: number;
}

export class SourceMap {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /**
   * The position of the value at `path` (or of its key when `atKey`). When the path goes deeper than the file
   * does (a missing field), the nearest existing ancestor is used: that is where the field must be added.
   */
  locate(path: FieldPath, atKey = false): Position {
    let node: unknown = this.doc.contents;
    let keyNode: unknown;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
        );
        if (!pair) break;
        keyNode = pair.key;
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof seg === "number" && seg < node.items.length) {
        keyNode = undefined;
        node = node.items[seg];
      } else {
        break;
      }
    }
    const target = (atKey && keyNode ? keyNode : node) as Node | undefined;
    const offset = target?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  positionOf(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }
}
