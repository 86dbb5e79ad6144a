// `cairn talosconfig` and `cairn kubeconfig`: client credentials made offline from the secrets bundle's CAs.
// Cluster facts come from cairn.yaml unless given as flags; the work lives in ../credentials-run.ts.
import type { Command } from "commander";
import type { KubeconfigFlags, TalosconfigFlags } from "../credentials-run.js";
import type { Io } from "../output.js";
import { collect, deprecatedAlias } from "../flags.js";

const IDENTITY_HELP =
  "age identity file for an encrypted bundle (default: $CAIRN_AGE_IDENTITY_FILE / $CAIRN_AGE_IDENTITY)";

const SECRETS_HELP =
  "secrets bundle, plain or age-encrypted (default: .cairn/<cluster>/secrets.yaml beside the spec, where render and apply keep it)";

export function registerTalosconfig(program: Command, io: Io): void {
  const command = program
    .command("talosconfig")
    .description("Write a talosconfig with a client certificate signed by the Talos (OS) CA")
    .option(
      "-f, --file <file>",
      "cluster spec giving the name and endpoints (used unless --cluster is given)",
      "cairn.yaml",
    )
    .option("--secrets <file>", SECRETS_HELP)
    .option("--cluster <name>", "cluster name, used as the context name (default: from the spec)")
    .option(
      "--endpoint <address>",
      "Talos API endpoint (repeatable; default: the spec's control planes)",
      collect,
      [],
    )
    .option("--node <address>", "default target node (repeatable)", collect, [])
    .option(
      "--role <role>",
      "role for the certificate: os:admin, os:operator, os:reader, os:etcd:backup (repeatable)",
      collect,
      [],
    )
    .option("--ttl <duration>", "certificate lifetime, e.g. 24h or 365d", "365d")
    .option("-o, --out <file>", 'where to write it ("-" for stdout)', "talosconfig")
    .option("--force", "replace an existing file")
    .option("--age-identity <file>", IDENTITY_HELP)
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  cairn talosconfig -f cairn.yaml --role os:reader --ttl 24h -o reader.talosconfig\n" +
        "  cairn talosconfig --secrets secrets.yaml --cluster demo --endpoint 10.0.0.10 --node 10.0.0.10\n" +
        "  cairn talosconfig --secrets secrets.yaml --cluster demo --role os:reader --ttl 24h -o reader.talosconfig",
    )
    .action(async (opts: TalosconfigFlags) => {
      const { runTalosconfig } = await import("../credentials-run.js");
      await runTalosconfig(opts, io);
    });
  deprecatedAlias(command, "--output <file>", { attribute: "out", spelling: "-o/--out" });
}

export function registerKubeconfig(program: Command, io: Io): void {
  const command = program
    .command("kubeconfig")
    .description("Write an admin kubeconfig with a client certificate signed by the Kubernetes CA")
    .option(
      "-f, --file <file>",
      "cluster spec giving the name and endpoint (used unless --cluster is given)",
      "cairn.yaml",
    )
    .option("--secrets <file>", SECRETS_HELP)
    .option("--cluster <name>", "cluster name (default: from the spec)")
    .option("--endpoint <url>", "Kubernetes API endpoint, https://host:6443 (default: the spec's endpoint)")
    .option(
      "--twin",
      "point at the SIMULATED Kubernetes API of the spec's twin rehearsal (context <cluster>-twin; run `cairn apply --twin` first)",
    )
    .option("--ttl <duration>", "certificate lifetime, e.g. 24h or 365d", "365d")
    .option("--merge", "merge into $KUBECONFIG or ~/.kube/config (or -o), replacing same-named entries only")
    .option("-o, --out <file>", 'where to write it ("-" for stdout; default ./kubeconfig)')
    .option("--force", "replace an existing file (without --merge)")
    .option("--age-identity <file>", IDENTITY_HELP)
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  cairn kubeconfig -f cairn.yaml --merge\n" +
        "  cairn kubeconfig -f cairn.yaml --twin -o twin.kubeconfig   # kubectl --kubeconfig twin.kubeconfig get nodes\n" +
        "  cairn kubeconfig --secrets secrets.yaml --cluster demo --endpoint https://10.0.0.10:6443\n" +
        "  cairn kubeconfig --secrets secrets.yaml --cluster demo --endpoint https://10.0.0.10:6443 --merge --ttl 24h",
    )
    .action(async (opts: KubeconfigFlags) => {
      const { runKubeconfig } = await import("../credentials-run.js");
      await runKubeconfig(opts, io);
    });
  deprecatedAlias(command, "--output <file>", { attribute: "out", spelling: "-o/--out" });
}
