// Benchmark (issue 2 §9b): cold start of `cairn --version` against a bare `node -e 0`, measured in the same run
// and interleaved so machine load affects both alike. The target is a ratio of at most 2×.
import { CLI, runNode, summary } from "./lib.js";

export const name = "startup";
export const description = "`cairn --version` cold start vs `node -e 0` (median of 15 each, interleaved)";

export async function run({ quick, smoke }) {
  const n = smoke ? 1 : quick ? 5 : 15;
  const bare = [];
  const cairn = [];
  runNode(["-e", "0"]); // page the node binary in before measuring either side
  for (let i = 0; i < n; i++) {
    bare.push(runNode(["-e", "0"]).ms);
    const r = runNode([CLI, "--version"]);
    if (r.status !== 0) throw new Error(`cairn --version exited ${r.status}: ${r.stderr}`);
    cairn.push(r.ms);
  }
  const b = summary(bare);
  const c = summary(cairn);
  return {
    figures: [
      { label: `node -e 0, median of ${n}`, value: b.median, unit: "ms" },
      { label: `cairn --version, median of ${n}`, value: c.median, unit: "ms" },
      { label: "ratio cairn / node", value: c.median / b.median, unit: "×", target: 2 },
    ],
  };
}
