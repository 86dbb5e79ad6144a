// `cairn destroy`: delete every machine and resource cairn made for the cluster at its provider.
import type { Command } from "commander";
import type { Io } from "../output.js";
import { clusterOptions, type ClusterFlags } from "../cluster.js";

export function registerDestroy(program: Command, io: Io): void {
  clusterOptions(
    program
      .command("destroy")
      .description(
        "Delete everything cairn made for the cluster at its provider (asks for the cluster's name)",
      ),
  )
    .option("--yes-destroy <name>", "do not ask: destroy the cluster of this name (it must match the spec's)")
    .addHelpText(
      "after",
      "\nWhat goes: only what carries cairn's marker for this cluster — Proxmox VMs tagged cairn-<cluster> (stopped,\n" +
        "destroyed with purge: disks, HA resource, backup jobs) and the volumes named cairn-<cluster>-… (Talos\n" +
        "images, cidata seeds); Hetzner servers, load balancer, floating IP, firewall, placement groups and network\n" +
        "labelled cairn.dev/cluster=<cluster>; on the twin, the simulated fleet. Everything else is left alone, and\n" +
        "listed. The cluster's secrets, talosconfig and kubeconfig stay in .cairn/<cluster>/ (delete the directory\n" +
        "yourself to forget the cluster). On a terminal cairn asks you to type the cluster's name.\n\n" +
        "Examples:\n  cairn destroy -f cairn.yaml\n  cairn destroy -f cairn.yaml --yes-destroy homelab-k8s\n" +
        "  cairn destroy -f cairn.yaml --twin --yes-destroy homelab-k8s",
    )
    .action(async (opts: ClusterFlags & { yesDestroy?: string }) => {
      const { runDestroyCommand } = await import("./destroy-run.js");
      process.exitCode = await runDestroyCommand(opts, io);
    });
}
