// Runs a script (TypeScript through the fakes' loader) in network and PID namespaces of its own, as root like CI:
// inside, the only link is lo, so a fake can boot twin nodes at a spec's own addresses without touching the host's
// or another run's; and when the script ends, however it ends (a timeout included), the kernel kills every process
// it left in its PID namespace (the fake, its twin nodes' etcd members), and the temporary directory it ran with
// (TMPDIR: its scratch, the fake's state, the twin's and etcd's data) is removed. The script prints one JSON report as its
// last stdout line; shared by the provider end-to-end tests and the providers benchmark.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REGISTER = fileURLToPath(new URL("../fakes/register.mjs", import.meta.url));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Report = Record<string, any>;

/**
 * The script's report; throws (with its stderr's tail) when it exits non-zero or reports an `error`. `keepTmp`
 * leaves its temporary directory in place to look at.
 */
export function runInOwnNetns(
  script: string,
  args: string[],
  options: { timeoutMs: number; keepTmp?: boolean },
): Report {
  const tmp = mkdtempSync(join(tmpdir(), "cairn-netns-"));
  let r;
  try {
    r = spawnSync(
      "unshare",
      [
        "--net",
        "--pid",
        "--fork",
        "--kill-child",
        "--",
        process.execPath,
        "--import",
        REGISTER,
        script,
        ...args,
      ],
      {
        encoding: "utf8",
        timeout: options.timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, TMPDIR: tmp },
      },
    );
  } finally {
    if (!options.keepTmp) rmSync(tmp, { recursive: true, force: true });
  }
  const line = (r.stdout ?? "").trim().split("\n").at(-1) ?? "";
  let out: Report;
  try {
    out = JSON.parse(line || "{}") as Report;
  } catch {
    out = { error: `no JSON report, last line: ${line.slice(-500)}` };
  }
  if (r.status !== 0 || out.error)
    throw new Error(
      `${script} ${args.join(" ")} failed (${[r.status, r.signal, r.error?.message].filter((x) => x != null).join(", ")}): ${out.error ?? ""}\n` +
        (r.stderr ?? "").slice(-3000),
    );
  return out;
}
