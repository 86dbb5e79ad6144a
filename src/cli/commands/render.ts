// `cairn render`: every artefact for a cluster from cairn.yaml.
import type { Command } from "commander";
import type { Io } from "../output.js";

export function registerRender(program: Command, io: Io): void {
  program
    .command("render")
    .description(
      "Render secrets, per-node Talos machine configs, talosconfig, kubeconfig and the platform's GitOps tree from cairn.yaml",
    )
    .option("-f, --file <file>", "the cluster spec", "cairn.yaml")
    .option(
      "-o, --out <dir>",
      "output directory (default: .cairn/<cluster> next to the spec, shared with apply)",
    )
    .option(
      "--secrets <file>",
      "secrets bundle to use or create (default: <out>/secrets.yaml); may be age-encrypted",
    )
    .option(
      "--age-recipient <recipient...>",
      "encrypt a newly created secrets bundle to these age recipients",
    )
    .option(
      "--age-identity <file>",
      "age identity to decrypt an encrypted secrets bundle (or CAIRN_AGE_IDENTITY_FILE)",
    )
    .option(
      "--new-secrets",
      "create a new cluster identity even though configs from older secrets exist in <out>",
    )
    .option(
      "--output <format>",
      "text or json (lists every file written, and every object in the GitOps tree)",
      "text",
    )
    .addHelpText(
      "after",
      "\nSecrets are created once and then reused; cairn never replaces them in place. Machine configs are\n" +
        "validated against the Talos schema of the spec's version before anything is written, and rendering\n" +
        "twice changes no byte (client credentials are reused while valid for more than 30 days).\n\n" +
        "Output layout (default <out> = .cairn/<cluster> beside the spec; keep it out of git, it holds keys):\n  <out>/secrets.yaml     cluster secrets (0600)\n  <out>/nodes/<node>.yaml  machine config per node (0600)\n" +
        "  <out>/talosconfig      Talos API credentials (0600)\n  <out>/kubeconfig       Kubernetes admin credentials (0600)\n" +
        "  <out>/gitops/          the platform add-ons as a Flux tree: commit it at addons.gitops.flux.path (0644, no secrets)\n\n" +
        "Examples:\n  cairn render -f examples/homelab-proxmox-vlans.yaml -o out/homelab\n" +
        "  cairn render -f cairn.yaml --age-recipient age1... --output json",
    )
    .action(
      async (opts: {
        file: string;
        out: string;
        secrets?: string;
        ageRecipient?: string[];
        ageIdentity?: string;
        newSecrets?: boolean;
        output: string;
      }) => {
        const { runRender } = await import("../../ops/render/run.js");
        const { parseOutputFormat } = await import("../output.js");
        const format = parseOutputFormat(opts.output);
        const report = await runRender(opts);
        if (format === "json") {
          io.out(JSON.stringify(report, null, 2) + "\n");
          return;
        }
        for (const w of report.warnings) io.err(w + "\n");
        io.out(`cluster ${report.cluster}: Talos ${report.talosVersion} (contract ${report.contract})\n`);
        for (const a of report.artefacts) {
          io.out(`  ${a.changed ? "wrote    " : "unchanged"}  ${a.path}${a.note ? `  (${a.note})` : ""}\n`);
        }
        const g = report.gitops;
        const changed = g.files.filter((f) => f.changed).length;
        io.out(
          `  ${changed ? "wrote    " : "unchanged"}  ${g.dir}/  (${g.files.length} files, ${g.objectCount} objects` +
            `${changed ? `, ${changed} changed` : ""}; commit it at ${g.repositoryPath}/ in the GitOps repository)\n`,
        );
        for (const n of g.notes) io.out(`note: ${n}\n`);
      },
    );
}
