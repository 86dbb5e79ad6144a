// The twin as a background process: `cairn twin up` spawns `cairn twin serve` detached (its own process group, so
// its etcd members share the group and `twin down` can reap everything at once). The daemon writes daemon.json
// (pid, control port, token) into the state dir and answers a tiny JSON API on 127.0.0.1 for status and faults.
import { spawn } from "node:child_process";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CairnError, UserError } from "../errors.js";
import { writeFileAtomic } from "../io/files.js";
import { parseFault } from "./faults.js";
import { Twin, type TwinOptions, type TwinStatus } from "./twin.js";

export const DEFAULT_STATE_DIR = ".cairn/twin";
const DAEMON_FILE = "daemon.json";

export interface DaemonInfo {
  pid: number;
  port: number;
  token: string;
  startedAt: string;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function stateDirOf(dir: string | undefined): string {
  return resolve(dir ?? DEFAULT_STATE_DIR);
}

function readDaemonInfo(stateDir: string): DaemonInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(stateDir, DAEMON_FILE), "utf8")) as DaemonInfo;
  } catch {
    return undefined;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** PIDs whose process group is `pgid` (Linux /proc), i.e. the daemon and the etcd members it started. */
export function processGroupMembers(pgid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return processAlive(pgid) ? [pgid] : [];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      // Fields after the parenthesised command: state ppid pgrp …
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(rest[2]) === pgid && rest[0] !== "Z") out.push(Number(e));
    } catch {
      // process vanished while scanning
    }
  }
  return out;
}

// ---- inside the daemon -------------------------------------------------------------------------------------------

/** Runs the twin in this process until SIGTERM/SIGINT or a stop request. */
export async function serveDaemon(options: TwinOptions & { stateDir: string }): Promise<void> {
  const stateDir = stateDirOf(options.stateDir);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const twin = new Twin({ ...options, stateDir });
  process.on("exit", () => twin.killSync());
  let stopping: Promise<void> | undefined;
  const token = randomBytes(24).toString("hex");
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      control.close();
      await twin.stop();
      rmSync(join(stateDir, DAEMON_FILE), { force: true });
      process.exit(0);
    })();
    return stopping;
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());

  const control = createServer((req, res) => void handle(twin, token, req, res, stop));
  await twin.start();
  await new Promise<void>((r) => control.listen(0, "127.0.0.1", r));
  const address = control.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const info: DaemonInfo = { pid: process.pid, port, token, startedAt: new Date().toISOString() };
  writeFileAtomic(join(stateDir, DAEMON_FILE), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function handle(
  twin: Twin,
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
  stop: () => Promise<void>,
): Promise<void> {
  const given = Buffer.from(String(req.headers.authorization ?? "").replace(/^Bearer /, ""));
  const want = Buffer.from(token);
  if (given.length !== want.length || !timingSafeEqual(given, want))
    return send(res, 401, { error: "bad token" });
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  let body: Record<string, unknown> = {};
  try {
    body = chunks.length
      ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>)
      : {};
  } catch {
    return send(res, 400, { error: "body is not JSON" });
  }
  try {
    if (req.method === "GET" && req.url === "/status") return send(res, 200, twin.status());
    if (req.method === "GET" && req.url?.startsWith("/log/")) {
      const node = twin.node(decodeURIComponent(req.url.slice(5)));
      return send(res, 200, node.log);
    }
    if (req.method === "POST" && req.url === "/fault") {
      await twin.fault(String(body.node), parseFault(String(body.fault)));
      return send(res, 200, twin.status());
    }
    if (req.method === "POST" && req.url === "/stop") {
      send(res, 200, { stopping: true });
      setTimeout(() => void stop(), 10);
      return;
    }
    send(res, 404, { error: `no such endpoint ${req.method} ${req.url}` });
  } catch (e) {
    const user = e instanceof CairnError;
    send(res, user ? 400 : 500, {
      error: e instanceof Error ? e.message : String(e),
      hint: user ? e.hint : undefined,
    });
  }
}

// ---- the CLI side ------------------------------------------------------------------------------------------------

/** bin/cairn.js next to this module, from both dist/twin/ and src/twin/. */
export function cairnBin(): string {
  return fileURLToPath(new URL("../../bin/cairn.js", import.meta.url));
}

export interface UpOptions extends TwinOptions {
  stateDir?: string;
  /** How long to wait for every node to listen. */
  timeoutMs?: number;
}

/** Spawns the daemon and waits until all nodes listen; returns their status. */
export async function up(options: UpOptions): Promise<TwinStatus> {
  const stateDir = stateDirOf(options.stateDir);
  const existing = readDaemonInfo(stateDir);
  if (existing && processAlive(existing.pid))
    throw new UserError(`a twin is already running from ${stateDir} (pid ${existing.pid})`, {
      hint: "`cairn twin status` shows it; `cairn twin down` stops it",
    });
  // Validate options here so the user sees mistakes without reading the daemon log.
  new Twin({ ...options, stateDir: join(stateDir, ".check") });
  rmSync(join(stateDir, ".check"), { recursive: true, force: true });
  rmSync(join(stateDir, DAEMON_FILE), { force: true });
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const args = [cairnBin(), "twin", "serve", "--state-dir", stateDir];
  if (options.controlplanes !== undefined) args.push("--controlplanes", String(options.controlplanes));
  if (options.workers !== undefined) args.push("--workers", String(options.workers));
  if (options.talosVersion) args.push("--talos-version", options.talosVersion);
  if (options.subnet) args.push("--subnet", options.subnet);
  if (options.rebootMs !== undefined) args.push("--reboot-duration", `${options.rebootMs}ms`);
  const logPath = join(stateDir, "daemon.log");
  const log = openSync(logPath, "w");
  const child = spawn(process.execPath, args, { detached: true, stdio: ["ignore", log, log] });
  closeSync(log);
  child.unref();
  let exited: number | null | undefined;
  child.once("exit", (code) => (exited = code));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const info = readDaemonInfo(stateDir);
    if (info && info.pid === child.pid) return await request<TwinStatus>(stateDir, "GET", "/status");
    if (exited !== undefined || Date.now() > deadline) {
      if (exited === undefined && child.pid) killGroup(child.pid);
      const tail = existsSync(logPath)
        ? readFileSync(logPath, "utf8").trim().split("\n").slice(-8).join("\n")
        : "";
      throw new CairnError(
        "twin",
        `the twin daemon ${exited === undefined ? "did not start in time" : "exited"}${tail ? `:\n${tail}` : ""}`,
        {
          hint: `see ${logPath}`,
        },
      );
    }
    await delay(50);
  }
}

export async function request<T>(
  stateDir: string,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<T> {
  const info = readDaemonInfo(stateDir);
  if (!info || !processAlive(info.pid))
    throw new UserError(`no twin is running from ${stateDir}`, {
      hint: "start one with `cairn twin up` (or pass --state-dir)",
    });
  const res = await fetch(`http://127.0.0.1:${info.port}${path}`, {
    method,
    headers: { authorization: `Bearer ${info.token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const json = (await res.json()) as T & { error?: string; hint?: string };
  if (!res.ok) {
    if (res.status === 400)
      throw new UserError(json.error ?? "twin request failed", json.hint ? { hint: json.hint } : {});
    throw new CairnError("twin", `twin daemon: ${json.error ?? res.statusText}`);
  }
  return json;
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // group already gone
  }
}

/** Stops the daemon: graceful stop request, then SIGTERM and SIGKILL to its process group; verifies nothing is left. */
export async function down(
  stateDirOption?: string,
  timeoutMs = 15_000,
): Promise<{ pid: number | undefined; stopped: boolean }> {
  const stateDir = stateDirOf(stateDirOption);
  const info = readDaemonInfo(stateDir);
  if (!info) return { pid: undefined, stopped: false };
  const pgid = info.pid;
  if (processAlive(pgid)) {
    await request(stateDir, "POST", "/stop").catch(() => {
      try {
        process.kill(-pgid, "SIGTERM");
      } catch {
        // already gone
      }
    });
  }
  const deadline = Date.now() + timeoutMs;
  while (processGroupMembers(pgid).length > 0 && Date.now() < deadline) await delay(50);
  if (processGroupMembers(pgid).length > 0) {
    killGroup(pgid);
    const hard = Date.now() + 5000;
    while (processGroupMembers(pgid).length > 0 && Date.now() < hard) await delay(50);
  }
  const left = processGroupMembers(pgid);
  if (left.length > 0)
    throw new CairnError("twin", `twin processes are still running after down: ${left.join(", ")}`, {
      hint: `kill -9 -${pgid}`,
    });
  rmSync(join(stateDir, DAEMON_FILE), { force: true });
  return { pid: pgid, stopped: true };
}

export async function status(stateDir?: string): Promise<TwinStatus> {
  return request<TwinStatus>(stateDirOf(stateDir), "GET", "/status");
}

export async function fault(
  stateDir: string | undefined,
  node: string,
  faultText: string,
): Promise<TwinStatus> {
  parseFault(faultText);
  return request<TwinStatus>(stateDirOf(stateDir), "POST", "/fault", { node, fault: faultText });
}
