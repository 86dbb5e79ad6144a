// What a script running inside its own network namespace (see netns.ts) needs to drive cairn against a provider's
// fake: lo up, the fake started with twin boots at the spec's own addresses and the environment cairn reads it
// from, and `cairn ARGS…` through the built CLI as a user runs it (optionally SIGKILLed at a point of its work).
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startFake, type FakeHandle } from "../fakes/start.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin/cairn.js");

/** The namespace's lo comes up down; twin nodes and the fake listen on it. */
export function loUp(): void {
  execFileSync("ip", ["link", "set", "lo", "up"]);
}

/**
 * The fake for `kind` with twin nodes booted (configured from their first-boot data, addresses added to lo) when a
 * VM or server starts, and the variables that point cairn at it.
 */
export async function startProviderFake(
  kind: "proxmox" | "hetzner",
  args: string[],
  rebootMs: number,
): Promise<{ fake: FakeHandle; env: NodeJS.ProcessEnv }> {
  const twinArgs = ["--twin", "--assign-addresses", "--apply-user-data", "--reboot-ms", String(rebootMs)];
  const fake = await startFake(kind, [...args, ...twinArgs]);
  const env: NodeJS.ProcessEnv =
    kind === "proxmox"
      ? {
          CAIRN_PROXMOX_ENDPOINT: fake.info.url,
          CAIRN_PROXMOX_FINGERPRINT: fake.info.fingerprint,
          PROXMOX_TOKEN_ID: fake.info.tokenId,
          PROXMOX_TOKEN_SECRET: fake.info.tokenSecret,
        }
      : {
          HCLOUD_ENDPOINT: fake.info.endpoint,
          HCLOUD_TOKEN: fake.info.token,
          CAIRN_SSH: join(ROOT, "test/fakes/hetzner/fake-ssh.mjs"),
        };
  return { fake, env };
}

export interface Run {
  code: number | null;
  signal: string | null;
  out: string;
  err: string;
  ms: number;
}

/**
 * A runner of `cairn ARGS…` in `cwd` with `env`. `kill` SIGKILLs it at a point of its work: `delayMs` after its
 * `events`-th progress line (a crash wherever that lands: mid-request, between a journal note and its effect, …).
 */
export function cairnRunner(cwd: string, env: NodeJS.ProcessEnv) {
  return (args: string[], kill?: { events: number; delayMs: number }, timeoutMs = 240_000): Promise<Run> => {
    const t0 = Date.now();
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd, env });
      let out = "";
      let err = "";
      let events = 0;
      const timers = [setTimeout(() => child.kill("SIGKILL"), timeoutMs)];
      child.stdout.on("data", (c: Buffer) => {
        const text = c.toString();
        out += text;
        if (!kill) return;
        const before = events;
        events += (text.match(/^\[\d\d:\d\d:\d\d\]/gm) ?? []).length;
        if (before < kill.events && events >= kill.events)
          timers.push(setTimeout(() => child.kill("SIGKILL"), kill.delayMs));
      });
      child.stderr.on("data", (c: Buffer) => (err += c.toString()));
      child.on("exit", (code, signal) => {
        for (const t of timers) clearTimeout(t);
        resolve({ code, signal, out, err, ms: Date.now() - t0 });
      });
    });
  };
}

/** A run for a report: exit, time and the last 25 lines of its output. */
export const brief = (r: Run): Record<string, unknown> => ({
  code: r.code,
  signal: r.signal,
  ms: r.ms,
  tail: `${r.out}\n${r.err}`.trim().split("\n").slice(-25).join("\n"),
});
