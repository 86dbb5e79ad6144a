// `cairn health`: reachability, versions, etcd, services, readiness and credential/CA expiry of the cluster.
import type { Command } from "commander";
import type { Io } from "../output.js";
import { clusterOptions, type ClusterFlags } from "../cluster.js";

export function registerHealth(program: Command, io: Io): void {
  clusterOptions(
    program
      .command("health")
      .description(
        "Check the cluster: reachability, versions, etcd, services, readiness, certificate expiry",
      ),
  )
    .addHelpText(
      "after",
      "\nCertificates (talosconfig, kubeconfig, the cluster CAs) expiring within 30 days are warnings; expired\n" +
        "ones are failures.\n\nExit codes: 0 healthy (warnings allowed), 1 a check failed.\n\n" +
        "Examples:\n  cairn health -f cairn.yaml\n  cairn health -f cairn.yaml --twin --output json",
    )
    .action(async (opts: ClusterFlags) => {
      const { runHealthCommand } = await import("./health-run.js");
      process.exitCode = await runHealthCommand(opts, io);
    });
}
