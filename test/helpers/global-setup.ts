// vitest global setup: bring dist/ up to date once, before any test file runs, and give the run a temporary
// directory of its own. Test files and the processes they start make temporary directories freely (twin state
// with etcd's preallocated WAL is ~300 MB per fleet); all of them land under one root removed when the run
// ends, so repeated runs cannot fill the disk.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBuilt } from "./build.js";

export default function setup(): () => void {
  ensureBuilt();
  const root = mkdtempSync(join(tmpdir(), "cairn-test-run-"));
  // Forked test workers inherit the environment, and os.tmpdir() reads TMPDIR on every call.
  process.env.TMPDIR = root;
  return () => {
    if (process.env.CAIRN_KEEP_TEST_TMP) {
      process.stderr.write(`test temporary files kept in ${root}\n`);
      return;
    }
    rmSync(root, { recursive: true, force: true });
  };
}
