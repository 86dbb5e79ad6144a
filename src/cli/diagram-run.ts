// `cairn diagram` behind the command: the spec's topology as a standalone SVG, on stdout or in a file. Reads only
// the spec (no cluster, no credentials), so it works before anything exists and in CI.
import { requireModel } from "../clusterspec/load.js";
import { writeFileAtomic } from "../io/files.js";
import type { Io } from "./output.js";
import { renderSvg } from "../ui/svg.js";
import { layoutTopology } from "../ui/topology.js";

export interface DiagramFlags {
  file: string;
  output?: string;
}

/** The SVG for a spec file (throws the loader's UserError listing every problem when the spec is invalid). */
function diagramSvg(file: string): string {
  const { model } = requireModel(file);
  return renderSvg(layoutTopology(model));
}

export function runDiagramCommand(opts: DiagramFlags, io: Io): number {
  const svg = diagramSvg(opts.file);
  if (!opts.output || opts.output === "-") io.out(svg);
  else {
    writeFileAtomic(opts.output, svg);
    io.err(`wrote ${opts.output}\n`);
  }
  return 0;
}
