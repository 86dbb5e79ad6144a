// The `cairn ui` server: one page (topology, live health, the pending plan, a running operation's progress) and a
// server-sent-event stream that pushes each of them when it changes. One health sweep feeds every viewer (the
// cost does not grow with viewers), one journal tail follows the engine's runs in other processes.
//
// Access: loopback unless told otherwise, and a random token in the URL printed at start. The first visit trades
// the token for an HttpOnly, SameSite=Strict cookie and redirects to a token-free URL (kept out of history and
// Referer); scripts may send `Authorization: Bearer TOKEN`. Anything else gets 403. On loopback the Host header
// must name the loopback address too, so a rebinding DNS name cannot reach the server. Every response passes a
// last-line guard that redacts any secret string of the cluster's credential files (and reports it as a bug).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { foldProgress, JournalTail, type RunProgress } from "./journal-tail.js";
import { healthSnapshot, type HealthSnapshot } from "./snapshot.js";
import type { PlanView, UiSources } from "./sources.js";
import { escapeXml, renderSvg } from "./svg.js";
import { layoutTopology } from "./topology.js";

export interface UiServerOptions {
  host: string;
  port: number;
  /** Time between the end of one health sweep and the start of the next. */
  refreshMs: number;
  /** Per-call timeout of a sweep (a hung node costs at most this). */
  timeoutMs?: number;
  token?: string;
  /** Told when the guard had to redact a secret (a bug: the value is never passed). */
  onLeak?: (where: string) => void;
  /** Told when a sweep or a plan fails (the page shows it too). */
  onProblem?: (message: string) => void;
}

export interface PlanState {
  status: "computing" | "ready" | "error";
  at: string | null;
  view: PlanView | null;
  error: string | null;
}

const ASSETS: Record<string, { file: string; type: string }> = {
  "/assets/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/assets/app.css": { file: "app.css", type: "text/css; charset=utf-8" },
};

const COOKIE = "cairn_ui";

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
  "cross-origin-resource-policy": "same-origin",
};

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || (isIP(h) === 4 && h.startsWith("127."));
}

/** Parses --listen: "PORT", "HOST:PORT" or "[IPv6]:PORT"; port 0 picks a free one. */
export function parseListen(value: string): { host: string; port: number } {
  const v = value.trim();
  const m =
    /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(v) ?? /^([^:[\]]+):(\d{1,5})$/.exec(v) ?? /^()(\d{1,5})$/.exec(v);
  const host = m?.[1] || "127.0.0.1";
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535 || (host !== "localhost" && isIP(host) === 0))
    throw new Error(`--listen "${value}" is not HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080)`);
  return { host, port };
}

/** A page asset: next to this module (src/, or dist/ after the build's copy), else from src/ in a checkout. */
function readAsset(name: string): string {
  for (const base of ["./assets/", "../../src/ui/assets/"]) {
    const url = new URL(`${base}${name}`, import.meta.url);
    if (existsSync(url)) return readFileSync(url, "utf8");
  }
  throw new Error(`cairn ui asset ${name} not found next to ${import.meta.url}`);
}

export class UiServer {
  readonly token: string;
  private server: Server | undefined;
  private clients = new Set<ServerResponse>();
  private health: HealthSnapshot | undefined;
  private plan: PlanState = { status: "computing", at: null, view: null, error: null };
  private progress: RunProgress | undefined;
  private titles = new Map<string, string>();
  private runTitles: { run: string; titles: Map<string, string> } = { run: "", titles: new Map() };
  private readonly nodes: Set<string>;
  private readonly svg: string;
  private readonly page: string;
  private readonly assets = new Map<string, string>();
  private readonly tail: JournalTail;
  private secrets: string[] = [];
  private stopped = false;
  private sweepTimer: ReturnType<typeof setTimeout> | undefined;
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private progressTimer: ReturnType<typeof setTimeout> | undefined;
  private planRun: Promise<void> | undefined;
  private planAgain = false;
  private sweeping: Promise<void> | undefined;
  private address: { host: string; port: number } | undefined;
  private stateText: string | undefined;

  constructor(
    private readonly sources: UiSources,
    private readonly options: UiServerOptions,
  ) {
    this.token = options.token ?? randomBytes(24).toString("base64url");
    this.nodes = new Set(sources.model.nodes.map((n) => n.name));
    this.svg = renderSvg(layoutTopology(sources.model), { live: true });
    const title = `cairn ui: ${sources.cluster}${sources.simulated ? " (SIMULATED twin)" : ""}`;
    this.page = readAsset("index.html")
      .replaceAll("<!--TITLE-->", escapeXml(title))
      .replaceAll("<!--CLUSTER-->", escapeXml(sources.cluster))
      .replace("<!--SIMULATED-->", sources.simulated ? "simulated" : "real")
      .replace("<!--TOPOLOGY-->", this.svg);
    for (const [path, a] of Object.entries(ASSETS)) this.assets.set(path, readAsset(a.file));
    this.tail = new JournalTail(sources.journalPath, () => this.onJournal());
  }

  /** Starts listening, the health sweeps, the journal tail and the first plan; resolves with the bound address. */
  async start(): Promise<{ host: string; port: number; url: string }> {
    this.secrets = this.sources.secrets();
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const a = server.address();
    const port = typeof a === "object" && a ? a.port : this.options.port;
    this.address = { host: this.options.host, port };
    this.tail.start();
    void this.sweepLoop();
    void this.refreshPlan();
    this.keepAlive = setInterval(() => {
      for (const c of this.clients) c.write(": keep-alive\n\n");
    }, 15_000);
    this.keepAlive.unref();
    const shown = this.options.host.includes(":") ? `[${this.options.host}]` : this.options.host;
    return { host: this.options.host, port, url: `http://${shown}:${port}/?token=${this.token}` };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    if (this.keepAlive) clearInterval(this.keepAlive);
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.tail.stop();
    for (const c of this.clients) c.end();
    this.clients.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    await Promise.allSettled([this.sweeping, this.planRun]);
  }

  get viewers(): number {
    return this.clients.size;
  }

  // ---- the data ----------------------------------------------------------------------------------------------

  private async sweepLoop(): Promise<void> {
    if (this.stopped) return;
    this.sweeping = this.sweep();
    await this.sweeping;
    if (!this.stopped) this.sweepTimer = setTimeout(() => void this.sweepLoop(), this.options.refreshMs);
  }

  private async sweep(): Promise<void> {
    const t0 = performance.now();
    const at = new Date().toISOString();
    try {
      const { report, faults } = await this.sources.health(this.options.timeoutMs ?? 2000);
      this.health = healthSnapshot(report, faults, at, performance.now() - t0);
    } catch (e) {
      const message = e instanceof Error ? e.message.split("\n")[0]! : String(e);
      this.options.onProblem?.(`health sweep failed: ${message}`);
      this.health = {
        ...(this.health ?? {
          cluster: this.sources.cluster,
          simulated: this.sources.simulated,
          ok: false,
          nodes: [],
          checks: [],
        }),
        at,
        ms: Math.round(performance.now() - t0),
        ok: false,
        error: message,
      };
    }
    this.broadcast("health", this.health);
  }

  /** Builds the pending plan again (one at a time; a request during a build queues one more). */
  refreshPlan(): Promise<void> {
    if (this.planRun) {
      this.planAgain = true;
      return this.planRun;
    }
    this.plan = { ...this.plan, status: "computing" };
    this.broadcast("plan", this.plan);
    this.planRun = (async () => {
      try {
        const view = await this.sources.plan();
        for (const a of view.actions) this.titles.set(a.id, a.title);
        this.plan = { status: "ready", at: new Date().toISOString(), view, error: null };
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        this.options.onProblem?.(`plan failed: ${message.split("\n")[0]}`);
        this.plan = { status: "error", at: new Date().toISOString(), view: this.plan.view, error: message };
      }
      this.planRun = undefined;
      this.broadcast("plan", this.plan);
      if (this.planAgain && !this.stopped) {
        this.planAgain = false;
        void this.refreshPlan();
      }
    })();
    return this.planRun;
  }

  private onJournal(): void {
    const before = this.progress?.state;
    // A run is titled from the plans known when it started: a plan built later (after it ended) may reuse its
    // action ids for other work (the same upgrade ids, another version), and would mislabel its steps.
    const head = this.tail.records[0];
    if (head && head.run !== this.runTitles.run)
      this.runTitles = { run: head.run, titles: new Map(this.titles) };
    this.stateText = undefined;
    this.progress = foldProgress(this.tail.records, {
      titles: this.runTitles.titles,
      nodes: this.nodes,
      alive: processAlive,
    });
    // Coalesce bursts (a resumed run reads many records at once) into one push per 100 ms.
    if (!this.progressTimer)
      this.progressTimer = setTimeout(() => {
        this.progressTimer = undefined;
        this.broadcast("progress", this.progress ?? null);
      }, 100);
    // A run that just ended changed what apply would do.
    if (before === "running" && this.progress && this.progress.state !== "running") void this.refreshPlan();
  }

  private state(): unknown {
    return {
      cluster: this.sources.cluster,
      simulated: this.sources.simulated,
      refreshMs: this.options.refreshMs,
      health: this.health ?? null,
      plan: this.plan,
      progress: this.progress ?? null,
    };
  }

  // ---- output ------------------------------------------------------------------------------------------------

  /** The last line of defence: no secret string of the credential files leaves the server. */
  private guard(text: string, where: string): string {
    let out = text;
    for (const s of this.secrets)
      if (out.includes(s)) {
        out = out.split(s).join("[redacted]");
        this.options.onLeak?.(where);
      }
    return out;
  }

  private broadcast(event: string, data: unknown): void {
    this.stateText = undefined; // every broadcast is a change of state
    if (this.clients.size === 0) return;
    const payload = { sent: Date.now(), data };
    const frame = `event: ${event}\ndata: ${this.guard(JSON.stringify(payload), `event ${event}`)}\n\n`;
    for (const c of this.clients) c.write(frame);
  }

  private send(
    res: ServerResponse,
    status: number,
    type: string,
    body: string,
    where: string,
    guarded = false,
  ): void {
    const text = guarded ? body : this.guard(body, where);
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      "content-type": type,
      "content-length": Buffer.byteLength(text),
    });
    res.end(text);
  }

  // ---- requests ----------------------------------------------------------------------------------------------

  private authorised(req: IncomingMessage, url: URL): boolean {
    const offered: string[] = [];
    const q = url.searchParams.get("token");
    if (q) offered.push(q);
    const auth = req.headers.authorization;
    if (auth?.startsWith("Bearer ")) offered.push(auth.slice(7).trim());
    for (const part of (req.headers.cookie ?? "").split(";")) {
      const [k, ...v] = part.trim().split("=");
      if (k === COOKIE) offered.push(v.join("="));
    }
    const want = Buffer.from(this.token);
    return offered.some((o) => {
      const b = Buffer.from(o);
      return b.length === want.length && timingSafeEqual(b, want);
    });
  }

  private hostAllowed(req: IncomingMessage): boolean {
    if (!isLoopbackHost(this.options.host)) return true;
    const host = (req.headers.host ?? "").toLowerCase();
    const m = /^(.*?)(?::(\d+))?$/.exec(host)!;
    const port = m[2] === undefined ? 80 : Number(m[2]);
    return isLoopbackHost(m[1]!) && port === this.address?.port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://ui.invalid");
    } catch {
      return this.send(res, 400, "text/plain; charset=utf-8", "bad request\n", "error");
    }
    if (!this.hostAllowed(req))
      return this.send(res, 403, "text/plain; charset=utf-8", "forbidden: unexpected Host header\n", "error");
    if (!this.authorised(req, url))
      return this.send(
        res,
        403,
        "text/plain; charset=utf-8",
        "forbidden: open the URL `cairn ui` printed; it carries the access token\n",
        "error",
      );
    const path = url.pathname;
    if (req.method === "GET" && path === "/" && url.searchParams.has("token")) {
      // Trade the token for a cookie, and drop it from the address bar.
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        location: "/",
        "set-cookie": `${COOKIE}=${this.token}; HttpOnly; SameSite=Strict; Path=/`,
      });
      return void res.end();
    }
    if (req.method === "GET" && path === "/")
      return this.send(res, 200, "text/html; charset=utf-8", this.page, "page");
    const asset = ASSETS[path];
    if (req.method === "GET" && asset) return this.send(res, 200, asset.type, this.assets.get(path)!, path);
    if (req.method === "GET" && path === "/api/topology.svg")
      return this.send(res, 200, "image/svg+xml; charset=utf-8", this.svg, path);
    if (req.method === "GET" && path === "/api/state") {
      // Serialised (and guarded) once per change, however many viewers reload.
      this.stateText ??= this.guard(JSON.stringify(this.state()), path);
      return this.send(res, 200, "application/json; charset=utf-8", this.stateText, path, true);
    }
    if (req.method === "GET" && path === "/events") return this.subscribe(req, res);
    if (req.method === "POST" && path === "/api/plan") {
      // A cross-site form cannot carry the SameSite cookie, and a script from another origin says so in Origin.
      const origin = req.headers.origin;
      if (origin && origin !== `http://${req.headers.host}`)
        return this.send(res, 403, "text/plain; charset=utf-8", "forbidden: cross-origin request\n", "error");
      void this.refreshPlan();
      return this.send(
        res,
        202,
        "application/json; charset=utf-8",
        JSON.stringify({ status: "computing" }),
        path,
      );
    }
    return this.send(res, 404, "text/plain; charset=utf-8", "not found\n", "error");
  }

  private subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      "content-type": "text/event-stream; charset=utf-8",
      connection: "keep-alive",
    });
    res.socket?.setNoDelay(true);
    res.write(`retry: 2000\n\n`);
    const now = Date.now();
    const first = (event: string, data: unknown): string =>
      `event: ${event}\ndata: ${this.guard(JSON.stringify({ sent: now, data }), `event ${event}`)}\n\n`;
    res.write(
      first("hello", {
        cluster: this.sources.cluster,
        simulated: this.sources.simulated,
        refreshMs: this.options.refreshMs,
      }) +
        (this.health ? first("health", this.health) : "") +
        first("plan", this.plan) +
        first("progress", this.progress ?? null),
    );
    this.clients.add(res);
    req.on("close", () => this.clients.delete(res));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
