// `cairn ui`: a local web page with the cluster's topology, live health, the pending plan and a running
// operation's progress.
import type { Command } from "commander";
import type { Io } from "../output.js";

export function registerUi(program: Command, io: Io): void {
  program
    .command("ui")
    .description("Serve a local page: topology, live health, the pending plan and a running apply or upgrade")
    .option("-f, --file <file>", "the cluster spec", "cairn.yaml")
    .option("--twin", "show the local SIMULATED twin of the spec's machines (started when none runs)")
    .option("--dir <dir>", "the cluster's directory (default .cairn/<cluster> beside the spec)")
    .option(
      "--listen <host:port>",
      "where to serve; another host than loopback only when you say so",
      "127.0.0.1:0",
    )
    .option("--refresh <duration>", "time between health sweeps", "2s")
    .option("--twin-subnet <cidr>", "loopback /24 for a newly started twin (default: a free 127.0.x.0/24)")
    .option("--twin-reboot <duration>", "simulated reboot time of a newly started twin (default 1s)")
    .addHelpText(
      "after",
      "\nThe page shows the spec's networks and VLANs as lanes with every node, its addresses, the VIP and the\n" +
        "load-balancer pools; per node the stage, Talos and Kubernetes versions, etcd role, readiness and twin\n" +
        "faults, refreshed from the same checks as `cairn health`; certificate expiry; what `cairn plan` would do;\n" +
        "and the steps of an apply or upgrade running in another terminal, read from the engine's journal.\n\n" +
        "It listens on loopback (a free port unless --listen names one) and prints a URL with a random token:\n" +
        "requests without it are refused. Every asset is served by cairn itself; no secret reaches the page.\n\n" +
        "Examples:\n  cairn ui -f cairn.yaml\n  cairn ui -f examples/homelab-proxmox-vlans.yaml --twin\n" +
        "  cairn ui -f cairn.yaml --listen 127.0.0.1:8080 --refresh 5s\n" +
        "  cairn ui -f cairn.yaml --listen 0.0.0.0:8080      # reachable from other hosts (with a warning)",
    )
    .action(async (opts) => {
      const { runUiCommand } = await import("../ui-run.js");
      process.exitCode = await runUiCommand(opts, io);
    });
}
