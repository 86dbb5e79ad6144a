// Starting a fake API server from a test: spawns `node --import register.mjs <kind>/main.ts ARGS`, reads the one
// JSON line it prints, and returns a handle for its admin endpoints (request log, state, faults) and for stopping
// it (SIGTERM, then SIGKILL; the process must not outlive the test file).
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { fileURLToPath } from "node:url";
import type { FaultRule, LogEntry } from "./common/fake.js";

export type { LogEntry };

interface FakeInfo {
  kind: "proxmox" | "hetzner";
  simulated: true;
  url: string;
  pid: number;
  stateDir: string;
  /** Proxmox: the certificate's SHA-256 fingerprint and the CA file. */
  fingerprint?: string;
  caFile?: string;
  tokenId?: string;
  tokenSecret?: string;
  /** Hetzner: the bearer token it accepts, and the endpoint to put into HCLOUD_ENDPOINT. */
  token?: string;
  endpoint?: string;
  [k: string]: unknown;
}

export interface FakeHandle {
  info: FakeInfo;
  /** Request log entries after `since` (a seq number). */
  log(since?: number): Promise<LogEntry[]>;
  /** Log entries schema validation rejected. */
  rejected(since?: number): Promise<LogEntry[]>;
  state<T = Record<string, unknown>>(): Promise<T>;
  admin<T = unknown>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T>;
  faults(rules: FaultRule[]): Promise<void>;
  clearFaults(): Promise<void>;
  stderr(): string;
  stop(): Promise<void>;
}

const FAKES = fileURLToPath(new URL("./", import.meta.url));

export async function startFake(
  kind: "proxmox" | "hetzner",
  args: string[] = [],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<FakeHandle> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", `${FAKES}register.mjs`, `${FAKES}${kind}/main.ts`, ...args],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } },
  );
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  const info = await new Promise<FakeInfo>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the ${kind} fake did not start in time:\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString("utf8");
      const nl = out.indexOf("\n");
      if (nl !== -1) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(out.slice(0, nl)) as FakeInfo);
        } catch (e) {
          reject(e);
        }
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the ${kind} fake exited (${code}):\n${stderr}`));
    });
  });
  const ca = info.caFile ? readFileSync(info.caFile, "utf8") : undefined;
  const admin = <T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const url = new URL(path, info.url);
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(
        url,
        {
          method,
          // A fresh connection each time: a kept-alive one the server closes (5 s idle) as we reuse it hangs up.
          agent: false,
          ...(ca ? { ca } : {}),
          headers: payload ? { "content-type": "application/json", "content-length": payload.length } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            if ((res.statusCode ?? 500) >= 400)
              return reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
            resolve((text ? JSON.parse(text) : undefined) as T);
          });
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  let stopped = false;
  return {
    info,
    log: (since = 0) => admin<LogEntry[]>("GET", `/_fake/log?since=${since}`),
    rejected: async (since = 0) =>
      (await admin<LogEntry[]>("GET", `/_fake/log?since=${since}`)).filter((e) => e.rejected),
    state: <T>() => admin<T>("GET", "/_fake/state"),
    admin,
    faults: async (rules) => {
      await admin("POST", "/_fake/faults", { rules });
    },
    clearFaults: async () => {
      await admin("DELETE", "/_fake/faults");
    },
    stderr: () => stderr,
    stop: async () => {
      if (stopped || child.exitCode !== null) return;
      stopped = true;
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
