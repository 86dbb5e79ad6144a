// Tests that run bin/cairn.js or start a twin daemon load dist/: rebuild it when any source file is newer than the
// newest compiled file (or dist/ is missing), as `npm run build` would. Called once per test run from
// global-setup.ts, never from test files: a rebuild while another file's CLI is loading dist/ makes flaky failures.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./shared.js";

function newest(dir: string, suffix: string): number {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith(suffix)) continue;
    max = Math.max(max, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return max;
}

function distIsStale(): boolean {
  const dist = join(REPO_ROOT, "dist");
  if (!existsSync(join(dist, "twin/daemon.js")) || !existsSync(join(dist, "talos/api/proto"))) return true;
  if (!existsSync(join(dist, "ui/assets"))) return true;
  const src = join(REPO_ROOT, "src");
  return Math.max(newest(src, ".ts"), newest(join(src, "ui/assets"), "")) > newest(dist, ".js");
}

export function ensureBuilt(): void {
  if (!distIsStale() && process.env.CAIRN_TEST_BUILD !== "1") return;
  try {
    execFileSync(
      process.execPath,
      [join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
      { cwd: REPO_ROOT, stdio: "ignore" },
    );
  } catch {
    // Type errors elsewhere in the tree do not stop tsc from emitting.
  }
  // The same runtime files `npm run build` copies (scripts/copy-assets.js).
  cpSync(join(REPO_ROOT, "src/talos/api/proto"), join(REPO_ROOT, "dist/talos/api/proto"), {
    recursive: true,
  });
  cpSync(join(REPO_ROOT, "src/ui/assets"), join(REPO_ROOT, "dist/ui/assets"), { recursive: true });
}
