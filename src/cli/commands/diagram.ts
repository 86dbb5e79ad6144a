// `cairn diagram`: the cluster's topology (networks and VLANs as lanes, nodes by placement, VIP, pools) as SVG.
import type { Command } from "commander";
import type { Io } from "../output.js";

export function registerDiagram(program: Command, io: Io): void {
  program
    .command("diagram")
    .description("Draw the spec's topology as a standalone SVG: networks and VLANs, nodes, the VIP and pools")
    .option("-f, --file <file>", "the cluster spec", "cairn.yaml")
    .option("-o, --output <file>", "write the SVG to this file instead of stdout")
    .addHelpText(
      "after",
      "\nThe picture reads only the spec: each network is a lane (CIDR, VLAN, MTU, gateway, what it carries),\n" +
        "each node a box grouped by its placement (Proxmox host, Hetzner location, static machines) with one\n" +
        "port per interface and its address; the control-plane VIP and the load-balancer pools sit on the lane\n" +
        "that holds them. The output is deterministic, so it can be committed and reviewed beside cairn.yaml.\n" +
        "`cairn ui` shows the same picture with live health.\n\n" +
        "Examples:\n  cairn diagram -f cairn.yaml -o docs/cluster.svg\n" +
        "  cairn diagram -f examples/homelab-proxmox-vlans.yaml > homelab.svg",
    )
    .action(async (opts: { file: string; output?: string }) => {
      const { runDiagramCommand } = await import("../diagram-run.js");
      process.exitCode = runDiagramCommand(opts, io);
    });
}
