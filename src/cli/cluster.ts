// The flags every command that works on a cluster takes, and how they open it. Opening reads only: `plan`, `diff`,
// `status` and `health` leave the cluster's files as they found them and start nothing.
import type { Command } from "commander";
import { deprecatedAlias } from "./flags.js";
import type { ClusterAccess } from "../ops/access.js";
import type { LoadedCluster } from "../ops/open.js";

export interface ClusterFlags {
  file: string;
  twin?: boolean;
  dir?: string;
  output: string;
  twinSubnet?: string;
  twinReboot?: string;
}

/** `-f`, `--twin`, `--dir`, `--output` and the twin's start-up flags. */
export function clusterOptions(c: Command): Command {
  // `-o` was released as the format flag here; it now always names a path elsewhere, so it stays a hidden alias.
  deprecatedAlias(c, "-o <format>", { attribute: "output", spelling: "--output" });
  return c
    .option("-f, --file <file>", "the cluster spec", "cairn.yaml")
    .option(
      "--twin",
      "work on the local SIMULATED twin of the spec's machines (apply starts one when none runs)",
    )
    .option("--dir <dir>", "the cluster's directory (default .cairn/<cluster> beside the spec)")
    .option("--output <format>", "text or json", "text")
    .option("--twin-subnet <cidr>", "loopback /24 for a newly started twin (default: a free 127.0.x.0/24)")
    .option("--twin-reboot <duration>", "simulated reboot time of a newly started twin (default 1s)");
}

export async function loadFromFlags(opts: ClusterFlags): Promise<LoadedCluster> {
  const { loadCluster } = await import("../ops/open.js");
  return loadCluster({
    file: opts.file,
    simulated: opts.twin === true,
    ...(opts.dir ? { dir: opts.dir } : {}),
  });
}

export async function openFromFlags(
  opts: ClusterFlags,
  loaded?: LoadedCluster,
  options: { synthesize?: boolean } = {},
): Promise<ClusterAccess> {
  const { openCluster } = await import("../ops/open.js");
  const { parseDurationMs } = await import("./duration.js");
  const twin = {
    ...(opts.twinSubnet ? { subnet: opts.twinSubnet } : {}),
    ...(opts.twinReboot ? { rebootMs: parseDurationMs(opts.twinReboot, "--twin-reboot") } : {}),
  };
  return openCluster(loaded ?? (await loadFromFlags(opts)), { twin, ...options });
}
