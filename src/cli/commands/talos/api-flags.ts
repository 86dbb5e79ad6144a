// Flags shared by every `cairn talos` command that talks to nodes, declared once. Kept free of heavy imports: the
// client is loaded only when an action runs.
import type { Command } from "commander";
import { commaList as list } from "../../flags.js";

export interface ApiFlags {
  talosconfig?: string;
  context?: string;
  endpoints: string[];
  nodes: string[];
  output?: string;
  insecure?: boolean;
  certFingerprint?: string;
}

export interface ApiFlagOptions {
  /** The command prints data: offer `--output json`. */
  output?: boolean | readonly string[];
  /** Maintenance mode: `--insecure` and `--cert-fingerprint`. */
  insecure?: boolean;
}

export function addApiFlags(cmd: Command, options: ApiFlagOptions = {}): Command {
  cmd
    .option("--talosconfig <file>", "talosconfig to use (default: $TALOSCONFIG or ~/.talos/config)")
    .option("--context <name>", "talosconfig context to use (default: the file's current context)")
    .option(
      "-e, --endpoints <ips>",
      "endpoints to connect to (comma-separated or repeated)",
      list,
      [] as string[],
    )
    .option("-n, --nodes <ips>", "target nodes (comma-separated or repeated)", list, [] as string[]);
  if (options.output) {
    const formats = Array.isArray(options.output) ? options.output : ["text", "json"];
    cmd.option("-o, --output <format>", `output format: ${formats.join(", ")}`, "text");
  }
  if (options.insecure)
    cmd
      .option(
        "-i, --insecure",
        "maintenance mode: connect without a client certificate and without verifying the node",
      )
      .option(
        "--cert-fingerprint <fp>",
        "maintenance mode: only accept a node certificate with this fingerprint",
      );
  return cmd;
}
