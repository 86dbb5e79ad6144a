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

/**
 * talosctl's persistent connection flags: --talosconfig, --context, -e/--endpoints, -n/--nodes. Declared on
 * `cairn talos` and its command groups too, so they may come before the verb (`cairn talos -n 10.8.16.20 version`)
 * or after it, as talosctl accepts them.
 */
export function addConnectionFlags(cmd: Command): Command {
  return cmd
    .option("--talosconfig <file>", "talosconfig to use (default: $TALOSCONFIG or ~/.talos/config)")
    .option("--context <name>", "talosconfig context to use (default: the file's current context)")
    .option(
      "-e, --endpoints <ips>",
      "endpoints to connect to (comma-separated or repeated)",
      list,
      [] as string[],
    )
    .option("-n, --nodes <ips>", "target nodes (comma-separated or repeated)", list, [] as string[]);
}

/**
 * Before the action runs, folds the connection flags given to the enclosing commands into the verb's own: lists
 * accumulate (outermost first, as repeated talosctl flags do), a file or context given closer to the verb wins.
 */
function inheritConnectionFlags(cmd: Command): void {
  const chain: Command[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) chain.unshift(c);
  let talosconfig: string | undefined;
  let context: string | undefined;
  const endpoints: string[] = [];
  const nodes: string[] = [];
  for (const c of chain) {
    const o = c.opts<Partial<ApiFlags>>();
    if (o.talosconfig !== undefined) talosconfig = o.talosconfig;
    if (o.context !== undefined) context = o.context;
    endpoints.push(...(o.endpoints ?? []));
    nodes.push(...(o.nodes ?? []));
  }
  if (talosconfig !== undefined) cmd.setOptionValue("talosconfig", talosconfig);
  if (context !== undefined) cmd.setOptionValue("context", context);
  cmd.setOptionValue("endpoints", endpoints);
  cmd.setOptionValue("nodes", nodes);
}

export function addApiFlags(cmd: Command, options: ApiFlagOptions = {}): Command {
  addConnectionFlags(cmd).hook("preAction", (_hooked, action) => inheritConnectionFlags(action));
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
