// Reads the one talosconfig context the API client needs (endpoints, nodes, CA, client cert and key).
// Interim: src/talos/talosconfig.ts (loadTalosconfig) is being written by another engineer; switch to it then.
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { UserError } from "../../errors.js";

export interface TalosconfigContext {
  name: string;
  endpoints: string[];
  nodes: string[];
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** `--talosconfig`, else $TALOSCONFIG, else ~/.talos/config (talosctl's order). */
export function defaultTalosconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.TALOSCONFIG || join(homedir(), ".talos", "config");
}

function decodeB64(value: unknown, field: string, path: string): string {
  if (typeof value !== "string" || value === "")
    throw new UserError(`${path}: context field "${field}" is missing`, {
      hint: "regenerate the talosconfig with `cairn talos gen config` or talosctl",
    });
  return Buffer.from(value, "base64").toString("utf8");
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

export function parseTalosconfigContext(
  text: string,
  path: string,
  contextName?: string,
): TalosconfigContext {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new UserError(`${path} is not valid YAML: ${(e as Error).message}`);
  }
  const root = (doc ?? {}) as { context?: unknown; contexts?: Record<string, Record<string, unknown>> };
  const name = contextName ?? (typeof root.context === "string" ? root.context : "");
  const ctx = root.contexts?.[name];
  if (!name || !ctx) {
    const known = Object.keys(root.contexts ?? {});
    throw new UserError(`${path}: context "${name}" not found`, {
      hint: known.length ? `known contexts: ${known.join(", ")}` : "the file has no contexts",
    });
  }
  return {
    name,
    endpoints: strings(ctx.endpoints),
    nodes: strings(ctx.nodes),
    caPem: decodeB64(ctx.ca, "ca", path),
    certPem: decodeB64(ctx.crt, "crt", path),
    keyPem: decodeB64(ctx.key, "key", path),
  };
}

export async function readTalosconfigContext(
  path: string,
  contextName?: string,
): Promise<TalosconfigContext> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new UserError(
      `cannot read talosconfig ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      {
        hint: "pass --talosconfig, set $TALOSCONFIG, or generate one with `cairn talos gen config`",
      },
    );
  }
  return parseTalosconfigContext(text, path, contextName);
}
