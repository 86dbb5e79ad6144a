// The built CLI (dist/, kept current by global-setup.ts) run as a child process against a twin on a test file's
// own loopback subnet, with a short simulated reboot: how the ops tests drive cairn as a user would.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./shared.js";

export const BIN = join(REPO_ROOT, "bin/cairn.js");

/** Environment for a cairn process whose newly started twins use `subnet` and a 200 ms reboot. */
export function twinEnv(subnet: string): NodeJS.ProcessEnv {
  return { ...process.env, CAIRN_TWIN_SUBNET: subnet, CAIRN_TWIN_REBOOT_MS: "200" };
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** A runner for `cairn ARGS…` in `cwd`, twins on `subnet`; each call is bounded by its timeout. */
export function twinCli(cwd: string, subnet: string, defaultTimeoutMs = 120_000) {
  return (args: string[], timeoutMs = defaultTimeoutMs): CliResult => {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      cwd,
      encoding: "utf8",
      timeout: timeoutMs,
      env: twinEnv(subnet),
    });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  };
}

/** Stops the twin daemon of a state directory (no-op when none runs); for afterAll. */
export function twinDown(stateDir: string): void {
  if (stateDir)
    spawnSync(process.execPath, [BIN, "twin", "down", "--state-dir", stateDir], { timeout: 30_000 });
}

/**
 * `cairn plan` and `cairn diff` on the same cluster must agree (issue 10 item 11): plan has nothing to do exactly
 * when diff finds no drift. `args` are the cluster flags both take (-f, --twin, --dir …).
 */
export function planAndDiff(
  cairn: (args: string[], timeoutMs?: number) => CliResult,
  args: string[],
): { plan: CliResult; diff: CliResult; agree: boolean } {
  const plan = cairn(["plan", ...args]);
  const diff = cairn(["diff", ...args]);
  return { plan, diff, agree: (plan.code === 0) === (diff.code === 0) };
}
