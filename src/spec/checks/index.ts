// Semantic checks: rules that relate fields to each other. Each check module returns findings with field paths;
// the loader attaches file positions. All checks run, so every problem is reported in one pass.
import type { ClusterSpec } from "../schema.js";
import type { Finding } from "../diagnostics.js";
import { checkTopology } from "./topology.js";

export type Check = (spec: ClusterSpec) => Finding[];

export const checks: Check[] = [checkTopology];

export function checkSpec(spec: ClusterSpec): Finding[] {
  return checks.flatMap((c) => c(spec));
}
