// Turns the shared API flags into a connected client and the target nodes, and renders per-node outcomes the way
// talosctl does (NODE column; errors per node on stderr without aborting the others).
import { UserError } from "../../../errors.js";
import { TalosClient, type NodeResult } from "../../../talos/api/client.js";
import { defaultTalosconfigPath, loadTalosconfig } from "../../../talos/talosconfig-file.js";
import type { Io } from "../../output.js";
import type { ApiFlags } from "./api-flags.js";

export interface Session {
  client: TalosClient;
  /** Targets for the `nodes` header; empty means "the endpoint itself". */
  nodes: string[];
  format: string;
  io: Io;
}

export function parseOutputFormat(flags: ApiFlags, allowed: readonly string[] = ["text", "json"]): string {
  const f = flags.output ?? "text";
  if (!allowed.includes(f)) throw new UserError(`--output must be one of ${allowed.join(", ")}, not "${f}"`);
  return f;
}

/**
 * mTLS from the talosconfig, or maintenance mode with `--insecure` (talosctl then dials the -n nodes directly and
 * sends no `nodes` header).
 */
export function openSession(flags: ApiFlags, io: Io, allowedFormats?: readonly string[]): Session {
  const format = parseOutputFormat(flags, allowedFormats);
  if (flags.insecure) {
    const targets = flags.nodes.length ? flags.nodes : flags.endpoints;
    if (targets.length === 0)
      throw new UserError("--insecure needs the node to talk to", { hint: "pass -n <node IP>" });
    const client = TalosClient.insecure({
      endpoints: targets,
      ...(flags.certFingerprint ? { fingerprint: flags.certFingerprint } : {}),
      onFingerprint: (endpoint, fp) => io.err(`${endpoint}: certificate fingerprint ${fp}\n`),
    });
    return { client, nodes: [], format, io };
  }
  if (flags.certFingerprint) throw new UserError("--cert-fingerprint only applies with --insecure");
  const ctx = loadTalosconfig(flags.talosconfig ?? defaultTalosconfigPath(), flags.context);
  const endpoints = flags.endpoints.length ? flags.endpoints : ctx.endpoints;
  if (endpoints.length === 0)
    throw new UserError(`no endpoints: the talosconfig context "${ctx.name}" has none and -e was not given`, {
      hint: "pass -e <control-plane IP> (or add endpoints to the talosconfig)",
    });
  const nodes = flags.nodes.length ? flags.nodes : ctx.nodes;
  const client = TalosClient.mtls(ctx, { endpoints });
  return { client, nodes, format, io };
}

/** Runs `fn` and always closes the client (grpc-js channels keep the process alive otherwise). */
export async function withSession<R>(
  flags: ApiFlags,
  io: Io,
  fn: (s: Session) => Promise<R>,
  allowedFormats?: readonly string[],
): Promise<R> {
  const session = openSession(flags, io, allowedFormats);
  try {
    return await fn(session);
  } finally {
    session.client.close();
  }
}

/** Prints per-node errors to stderr and sets a failing exit code when any node failed. */
export function reportNodeErrors<T>(results: readonly NodeResult<T>[], io: Io): void {
  let failed = false;
  for (const r of results) {
    if (r.ok) continue;
    failed = true;
    io.err(`error: ${r.error.message}\n`);
  }
  if (failed) process.exitCode = 1;
}

/** A left-aligned table like talosctl's tabwriter output. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 3)))
      .join("")
      .trimEnd() + "\n";
  return line(header) + rows.map(line).join("");
}

export function json(value: unknown): string {
  return (
    JSON.stringify(
      value,
      (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v),
      2,
    ) + "\n"
  );
}

/** JSON of per-node results: `{ node, ...value }` or `{ node, error }`. */
export function resultsJson<T>(
  results: readonly NodeResult<T>[],
  pick: (v: T) => unknown = (v) => v,
): string {
  return json(
    results.map((r) =>
      r.ok ? { node: r.node, ...(pick(r.value) as object) } : { node: r.node, error: r.error.message },
    ),
  );
}
