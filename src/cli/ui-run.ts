// `cairn ui` behind the command: open the cluster through the adapter, serve the page, print its URL with the
// access token, and stop cleanly on Ctrl-C (or SIGTERM), closing every client and stream it opened.
import { UserError } from "../errors.js";
import { isLoopbackHost, parseListen, UiServer } from "../ui/server.js";
import { openUiSources } from "../ui/sources.js";
import { openFromFlags, type ClusterFlags } from "./cluster.js";
import type { Io } from "./output.js";

export interface UiCommandFlags extends Omit<ClusterFlags, "output"> {
  listen: string;
  refresh: string;
}

function refreshMs(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value.trim());
  const ms = m ? Number(m[1]) * (m[2] === "ms" ? 1 : 1000) : NaN;
  if (!Number.isFinite(ms) || ms < 500 || ms > 600_000)
    throw new UserError(`--refresh "${value}" is not a duration between 500ms and 10m`, {
      hint: "e.g. --refresh 2s or --refresh 1500ms",
    });
  return ms;
}

/** What to tell the user when the page is reachable from other hosts (undefined on loopback). */
export function listenWarning(host: string, port: number): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  return (
    `listening on ${host.includes(":") ? `[${host}]` : host}:${port}, not loopback: anyone who can reach this host ` +
    "and learns the token sees the cluster's topology, health and plan; the connection is plain HTTP"
  );
}

export async function runUiCommand(opts: UiCommandFlags, io: Io, signal?: AbortSignal): Promise<number> {
  let listen: { host: string; port: number };
  try {
    listen = parseListen(opts.listen);
  } catch (e) {
    throw new UserError((e as Error).message, { hint: "the default is 127.0.0.1:0 (loopback, a free port)" });
  }
  const every = refreshMs(opts.refresh);
  const sources = await openUiSources(await openFromFlags({ ...opts, output: "text" }));
  for (const n of sources.notices) io.err(`note: ${n}\n`);
  const server = new UiServer(sources, {
    host: listen.host,
    port: listen.port,
    refreshMs: every,
    onLeak: (where) =>
      io.err(
        `internal error (a bug in cairn, please report it): a secret was about to reach the page in ${where}; it was redacted\n`,
      ),
    onProblem: (m) => io.err(`warning: ${m}\n`),
  });
  let bound;
  try {
    bound = await server.start();
  } catch (e) {
    await sources.close();
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`cannot listen on ${opts.listen}: ${code ?? (e as Error).message}`, {
      hint: code === "EADDRINUSE" ? "pick another port, or 0 for a free one" : "check the address",
    });
  }
  const warning = listenWarning(listen.host, bound.port);
  if (warning) io.err(`warning: ${warning}\n`);
  io.out(
    `cairn ui for ${sources.cluster}${sources.simulated ? " (SIMULATED on the twin)" : ""}: open\n  ${bound.url}\n` +
      "(the token in the URL is the only way in; Ctrl-C stops the server)\n",
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    signal?.addEventListener("abort", stop, { once: true });
  });
  io.err("stopping cairn ui\n");
  await server.stop();
  await sources.close();
  return 0;
}
