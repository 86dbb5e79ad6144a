// `cairn talos gen-config`: talosctl's `gen config` (without docs/examples comments), byte-identical output.
import type { Command } from "commander";
import type { Io } from "../../output.js";
import type { GenConfigFlags } from "./gen-config-run.js";
import { InvalidArgumentError } from "commander";
import { collect, commaList as list, parseBool } from "../../flags.js";

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535)
    throw new InvalidArgumentError(`expected a TCP port (1–65535), not "${value}"`);
  return n;
}

export function registerGenConfig(parent: Command, io: Io): void {
  parent
    .command("gen-config")
    .argument("<cluster-name>", "the cluster name (also the talosconfig context)")
    .argument(
      "<cluster-endpoint>",
      "the Kubernetes API URL, https://host:port (port 6443 on a control plane node)",
    )
    .description(
      "Generate Talos machine configs (controlplane.yaml, worker.yaml) and a talosconfig, like talosctl gen config",
    )
    .option(
      "--with-secrets <file>",
      "use the secrets bundle in this file (plain or age-encrypted) instead of new secrets",
    )
    .option("--age-identity <file>", "age identity file to decrypt an encrypted --with-secrets bundle")
    .option(
      "--talos-version <version>",
      "Talos version whose config contract to generate for, e.g. v1.11 (default: newest supported)",
    )
    .option(
      "--kubernetes-version <version>",
      "Kubernetes version to run (default: the Talos version's default)",
    )
    .option(
      "--additional-sans <names>",
      "additional subject alternative names for the API server certificate",
      list,
      [] as string[],
    )
    .option("--install-disk <path>", 'the disk to install to ("" leaves it out)', "/dev/sda")
    .option(
      "--install-image <image>",
      'the installer image (default ghcr.io/siderolabs/installer:<Talos tag>; "" leaves it out)',
    )
    .option("--dns-domain <domain>", "the DNS domain of the cluster", "cluster.local")
    .option(
      "--registry-mirror <host=url>",
      "registry mirror, <registry host>=<mirror URL>; repeatable",
      collect,
      [] as string[],
    )
    .option(
      "--config-patch <patch>",
      "patch all generated configs: @file, inline YAML, or a JSON patch; repeatable",
      collect,
      [] as string[],
    )
    .option(
      "--config-patch-control-plane <patch>",
      "patch the control plane config; repeatable",
      collect,
      [] as string[],
    )
    .option("--config-patch-worker <patch>", "patch the worker config; repeatable", collect, [] as string[])
    // talosctl's booleans also take an explicit value: --with-cluster-discovery=false.
    .option("--with-kubespan [bool]", "enable KubeSpan (true|false)", parseBool, false)
    .option(
      "--with-cluster-discovery [bool]",
      "enable cluster discovery (true|false, default true)",
      parseBool,
      true,
    )
    .option("--no-with-cluster-discovery", "disable cluster discovery")
    // The generator options Talos' own stability test uses: on 1.14 each lands in its own document at a fixed
    // position, which no patch can reproduce.
    .option(
      "--allow-scheduling-on-control-planes [bool]",
      "let workloads run on control plane nodes (true|false)",
      parseBool,
      false,
    )
    .option(
      "--local-api-server-port <port>",
      "the port kube-apiserver listens on, on control plane nodes (default 6443)",
      parsePort,
    )
    .option("--sysctl <key=value>", "a kernel parameter for every node; repeatable", collect, [] as string[])
    .option(
      "--install-extra-kernel-args <args>",
      "extra kernel arguments for the installed system, comma-separated (Talos ≤ 1.13; 1.14 takes them from the Image Factory schematic)",
      list,
      [] as string[],
    )
    .option("--custom-cni-url <url>", "install the CNI from this manifest URL instead of Flannel")
    .option(
      "--with-docs [bool]",
      "commented output; cairn writes configs without comments and refuses true (talosctl's --with-docs=false)",
      parseBool,
      false,
    )
    .option(
      "--with-examples [bool]",
      "commented examples; cairn refuses true (talosctl's --with-examples=false)",
      parseBool,
      false,
    )
    .option(
      "--output-types <types>",
      "which files to write: controlplane, worker, talosconfig",
      list,
      [] as string[],
    )
    .option(
      "-o, --output <path>",
      'output directory, a file when one output type is chosen, or "-" for stdout',
    )
    .option("-f, --force", "overwrite existing files", false)
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  cairn talos gen-config mycluster https://10.0.0.10:6443\n" +
        "  cairn talos gen-config mycluster https://cp.example.com:6443 --with-secrets secrets.yaml --talos-version v1.11 -o _out\n" +
        "  cairn talos gen-config mycluster https://cp:6443 --output-types controlplane -o - --config-patch @patch.yaml\n" +
        "  cairn talos gen-config mycluster https://cp:6443 --talos-version v1.14 --sysctl vm.max_map_count=262144 \\\n" +
        "      --allow-scheduling-on-control-planes --custom-cni-url https://example.com/cni.yaml\n" +
        "\nOutput is talosctl's `gen config --with-docs=false --with-examples=false`, byte for byte.",
    )
    .action(async (clusterName: string, endpoint: string, opts: GenConfigFlags) => {
      const { runGenConfig } = await import("./gen-config-run.js");
      await runGenConfig(clusterName, endpoint, opts, io);
    });
}
