// What both API fakes share: the request log tests read (every request, its status, and whether schema validation
// rejected it), injectable faults, small HTTP helpers, the admin endpoints under /_fake/, and the twin host that
// boots a simulated Talos node when a VM or server starts. The fakes are simulations, and say so: every answer
// carries `x-cairn-simulated: true`, and the start-up line has `"simulated": true`.
import { execFileSync } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { networkInterfaces } from "node:os";
import { loadTwin, loadTwinConfig, type Twin } from "./dist.js";

export interface LogEntry {
  seq: number;
  at: string;
  method: string;
  /** API path without the base (/api2/json or /v1) and without the query. */
  path: string;
  query: string;
  status: number;
  /** Set when schema validation refused the request: the per-field messages the client got. */
  rejected?: Record<string, string>;
  /** The Hetzner error code, or the PVE reason phrase, of an error answer. */
  error?: string;
  /** The fault rule that produced this answer, if one did. */
  fault?: string;
  ms: number;
}

export interface FaultRule {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Regular expression matched against the API path (any when absent). */
  path?: string;
  /** "error" answers with status/code/message; "timeout" never answers (the client times out); "reset" drops the connection. */
  kind?: "error" | "timeout" | "reset";
  status?: number;
  /** Hetzner error code, e.g. rate_limit_exceeded, locked, server_error, resource_unavailable. */
  code?: string;
  message?: string;
  /** How many matching requests it hits (default 1; 0 = every one). */
  times?: number;
  /** Matching requests to let through before it starts hitting. */
  after?: number;
  /** Extra latency added before answering (with kind "error" or alone as a slow-down). */
  delayMs?: number;
}

interface ActiveRule extends FaultRule {
  id: number;
  seen: number;
  hits: number;
}

export class FaultBook {
  private rules: ActiveRule[] = [];
  private next = 1;

  add(rules: FaultRule[]): number[] {
    return rules.map((r) => {
      const id = this.next++;
      this.rules.push({ ...r, id, seen: 0, hits: 0 });
      return id;
    });
  }

  clear(): void {
    this.rules = [];
  }

  list(): ActiveRule[] {
    return this.rules;
  }

  /** The rule that hits this request, if any (counting it). */
  match(method: string, path: string): ActiveRule | undefined {
    for (const r of this.rules) {
      if (r.method && r.method.toUpperCase() !== method.toUpperCase()) continue;
      if (r.path && !new RegExp(r.path).test(path)) continue;
      r.seen++;
      if (r.seen <= (r.after ?? 0)) continue;
      const times = r.times ?? 1;
      if (times !== 0 && r.hits >= times) continue;
      r.hits++;
      return r;
    }
    return undefined;
  }
}

export class RequestLog {
  readonly entries: LogEntry[] = [];
  private seq = 0;

  add(e: Omit<LogEntry, "seq" | "at">): LogEntry {
    const entry = { seq: ++this.seq, at: new Date().toISOString(), ...e };
    this.entries.push(entry);
    if (this.entries.length > 20_000) this.entries.splice(0, this.entries.length - 20_000);
    return entry;
  }

  since(seq: number): LogEntry[] {
    return this.entries.filter((e) => e.seq > seq);
  }
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function readBody(req: IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new Error("body too large");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
  reason?: string,
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  // An empty answer (204) has no content type: hcloud-go parses any JSON-typed body for its meta data.
  const h = {
    ...(body === undefined ? {} : { "content-type": "application/json;charset=UTF-8" }),
    "content-length": Buffer.byteLength(text),
    "x-cairn-simulated": "true",
    ...headers,
  };
  // Reason phrases carry PVE's error text; they may not contain CR/LF.
  if (reason !== undefined) res.writeHead(status, reason.replace(/[\r\n]+/g, " ").slice(0, 500), h);
  else res.writeHead(status, h);
  res.end(text);
}

// ---- command line --------------------------------------------------------------------------------------------

/** --key value / --flag pairs into a map (values are strings; a bare flag is "true"). */
export function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf("=");
    if (eq !== -1) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) out[a.slice(2)] = argv[++i]!;
    else out[a.slice(2)] = "true";
  }
  return out;
}

export function intArg(args: Record<string, string>, key: string, fallback: number): number {
  const v = args[key];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${key} must be a number ≥ 0, not ${v}`);
  return n;
}

// ---- the twin host -------------------------------------------------------------------------------------------

export interface TwinHostOptions {
  enabled: boolean;
  stateDir: string;
  talosVersion?: string;
  rebootMs?: number;
  /** Add missing addresses to `lo` with `ip addr add` (refused outside a network namespace of its own). */
  assignAddresses: boolean;
  /** Apply user-data as Talos would at first boot, instead of booting to maintenance mode. */
  applyUserData: boolean;
}

export interface BootRecord {
  name: string;
  address: string;
  at: string;
  ok: boolean;
  error?: string;
  mode?: "maintenance" | "configured";
}

/**
 * Whether this process runs in a private test network namespace (`unshare --net`, `ip netns add`): one whose only
 * link is lo. Adding addresses there touches nothing else; in a namespace with real interfaces it would.
 */
function inPrivateNetns(): boolean {
  try {
    const links = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" })
      .trim()
      .split("\n")
      .map((l) => l.split(":")[1]?.trim().split("@")[0]);
    return links.length > 0 && links.every((l) => l === "lo");
  } catch {
    return false;
  }
}

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

/** Boots and removes twin nodes for the fake's VMs/servers; a fake without it just tracks power state. */
export class TwinHost {
  readonly boots: BootRecord[] = [];
  private twin: Twin | undefined;
  private readonly options: TwinHostOptions;

  constructor(options: TwinHostOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    if (!this.options.enabled) return;
    const { Twin } = await loadTwin();
    this.twin = new Twin({
      dynamic: true,
      stateDir: this.options.stateDir,
      ...(this.options.talosVersion ? { talosVersion: this.options.talosVersion } : {}),
      rebootMs: this.options.rebootMs ?? 500,
      onError: (node, e) =>
        process.stderr.write(`twin (simulated) ${node}: ${e instanceof Error ? e.message : String(e)}\n`),
    });
    await this.twin.start();
  }

  get enabled(): boolean {
    return this.twin !== undefined;
  }

  status(): unknown {
    return this.twin?.status();
  }

  /** Talos API calls per running node and method (e.g. how often Bootstrap was called), from the nodes' logs. */
  calls(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const n of this.twin?.nodes ?? []) {
      const m: Record<string, number> = {};
      for (const c of n.log) {
        const method = c.method.split("/").pop() ?? c.method;
        m[method] = (m[method] ?? 0) + 1;
      }
      out[n.name] = m;
    }
    return out;
  }

  /** Makes `address` local (see assignAddresses); a reason when it cannot. */
  ensureAddress(address: string): string | undefined {
    if (localAddresses().has(address)) return undefined;
    if (!this.options.assignAddresses)
      return `${address} is not an address of this host (inside a network namespace: ip addr add ${address}/32 dev lo, or start the fake with --assign-addresses)`;
    if (!inPrivateNetns())
      return `refusing to add ${address} to lo: this network namespace has links other than lo`;
    try {
      execFileSync("ip", ["addr", "add", `${address}/32`, "dev", "lo"], { stdio: "pipe" });
    } catch (e) {
      if (!/File exists/.test(String((e as { stderr?: Buffer }).stderr ?? "")))
        return `ip addr add ${address}: ${String(e)}`;
    }
    return undefined;
  }

  /** Powers on a node for a started VM/server; failures are recorded (the VM still runs), not thrown. */
  async boot(
    name: string,
    address: string | undefined,
    userData?: string,
    talosVersion?: string,
  ): Promise<BootRecord | undefined> {
    if (!this.twin) return undefined;
    const rec: BootRecord = { name, address: address ?? "", at: new Date().toISOString(), ok: false };
    this.boots.push(rec);
    if (!address) {
      rec.error = "no planned address found (no cidata network-config / ipconfig, no network attachment)";
      return rec;
    }
    const problem = this.ensureAddress(address);
    if (problem) {
      rec.error = problem;
      return rec;
    }
    try {
      if (this.twin.find(name)) await this.twin.removeNode(name);
      const node = await this.twin.addNode({ name, address, ...(talosVersion ? { talosVersion } : {}) });
      rec.ok = true;
      rec.mode = "maintenance";
      if (userData && this.options.applyUserData) {
        const { readAppliedConfig } = await loadTwinConfig();
        node.applyFromMaintenance(readAppliedConfig(userData, node.version));
        rec.mode = "configured";
      }
    } catch (e) {
      rec.error = e instanceof Error ? e.message : String(e);
    }
    return rec;
  }

  async remove(name: string): Promise<void> {
    if (this.twin?.find(name)) await this.twin.removeNode(name);
  }

  async stop(): Promise<void> {
    await this.twin?.stop();
  }

  killSync(): void {
    this.twin?.killSync();
  }
}
