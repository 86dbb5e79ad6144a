// The ui server's HTTP contract on its own (the browser test covers it end to end on the twin): --listen parsing,
// the token-for-cookie exchange, 403 without it, asset types, the event stream fanning one sweep out to every
// viewer, the secret guard, the cross-origin refusal for POST, and a clean stop. The cluster behind it is a stub of
// the adapter's interface over a real example's model.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireModel } from "../../src/clusterspec/load.js";
import { isLoopbackHost, parseListen, UiServer } from "../../src/ui/server.js";
import { listenWarning } from "../../src/cli/ui-run.js";
import type { PlanView, UiSources } from "../../src/ui/sources.js";
import type { HealthReportLike } from "../../src/ui/snapshot.js";
import { REPO_ROOT } from "../helpers/shared.js";

describe("--listen", () => {
  it("takes PORT, HOST:PORT and [IPv6]:PORT, and refuses anything else", () => {
    expect(parseListen("8080")).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(parseListen("127.0.0.1:0")).toEqual({ host: "127.0.0.1", port: 0 });
    expect(parseListen("[::1]:9000")).toEqual({ host: "::1", port: 9000 });
    expect(parseListen("0.0.0.0:80")).toEqual({ host: "0.0.0.0", port: 80 });
    expect(parseListen("localhost:80")).toEqual({ host: "localhost", port: 80 });
    for (const bad of ["127.0.0.1:99999", "example.com:80", "abc", "1.2.3:80", ""])
      expect(() => parseListen(bad), bad).toThrow(/--listen/);
    expect(["127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost"].every(isLoopbackHost)).toBe(true);
    expect(["0.0.0.0", "10.0.0.1", "::", "example.com"].some(isLoopbackHost)).toBe(false);
    expect(listenWarning("127.0.0.1", 8080)).toBeUndefined();
    expect(listenWarning("::1", 8080)).toBeUndefined();
    expect(listenWarning("0.0.0.0", 8080)).toMatch(
      /^listening on 0\.0\.0\.0:8080, not loopback: .*plain HTTP$/,
    );
    expect(listenWarning("::", 8080)).toMatch(/^listening on \[::\]:8080/);
  });
});

const SECRET = "c2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0NTY3ODkw";
const model = requireModel(join(REPO_ROOT, "examples/homelab-proxmox-vlans.yaml")).model;
let sweeps = 0;
let plans = 0;
const leaks: string[] = [];
const report = (): HealthReportLike => ({
  cluster: model.name,
  simulated: true,
  ok: true,
  checks: [{ check: "etcd", subject: "cluster", status: "ok", message: "3 member(s)" }],
  nodes: model.nodes.map((n) => ({
    name: n.name,
    role: "controlplane",
    endpoint: "127.0.0.1",
    addresses: n.interfaces.map((i) => i.address!),
    reachable: true,
    stage: "running",
    ready: true,
    talosVersion: model.talosVersion,
  })),
});
const sources: UiSources = {
  cluster: model.name,
  simulated: true,
  model,
  journalPath: "/nonexistent/journal.ndjson",
  notices: [],
  health: async () => {
    sweeps++;
    return { report: report(), faults: new Map() };
  },
  plan: async (): Promise<PlanView> => {
    plans++;
    // A bug planting a secret in a plan detail: the guard must catch it.
    return {
      cluster: model.name,
      simulated: true,
      pending: 1,
      blockers: [],
      warnings: [],
      actions: [
        {
          id: "bootstrap",
          kind: "bootstrap",
          title: "bootstrap etcd",
          dependsOn: [],
          detail: [`key: ${SECRET}`],
        },
      ],
    };
  },
  secrets: () => [SECRET],
  close: async () => undefined,
};

let server: UiServer;
let origin = "";
let token = "";

function http(
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const req = request(
      { method, host: u.hostname, port: u.port, path: u.pathname + u.search, headers },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Opens the event stream and collects event names until `until` says stop (or 5 s pass). */
function events(until: (names: string[]) => boolean): Promise<{ names: string[]; raw: string }> {
  const u = new URL("/events", origin);
  return new Promise((resolve, reject) => {
    let raw = "";
    const names = (): string[] => [...raw.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]!);
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.setEncoding("utf8");
        res.on("data", (d) => {
          raw += d;
          if (until(names())) {
            req.destroy();
            resolve({ names: names(), raw });
          }
        });
      },
    );
    req.on("error", (e) => (raw ? undefined : reject(e)));
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve({ names: names(), raw });
    }, 5000);
  });
}

beforeAll(async () => {
  server = new UiServer(sources, {
    host: "127.0.0.1",
    port: 0,
    refreshMs: 500,
    onLeak: (w) => leaks.push(w),
  });
  const bound = await server.start();
  origin = new URL(bound.url).origin;
  token = new URL(bound.url).searchParams.get("token")!;
  expect(token.length).toBeGreaterThanOrEqual(32);
});
afterAll(async () => {
  await server.stop();
});

describe("the page's assets", () => {
  it("ship in the npm package: the build copies them into dist/, which `files` includes", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
      files: string[];
      scripts: { build: string };
    };
    expect(pkg.files).toContain("dist");
    expect(pkg.scripts.build).toContain("scripts/copy-assets.js");
    // What `npm pack` would put in the tarball, as npm itself lists it (no build: dist/ is current).
    const listed = JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
        cwd: REPO_ROOT,
        encoding: "utf8",
      }),
    ) as { files: { path: string }[] }[];
    const paths = new Set(listed[0]!.files.map((f) => f.path));
    for (const f of readdirSync(join(REPO_ROOT, "src/ui/assets"))) {
      expect(paths.has(`dist/ui/assets/${f}`), f).toBe(true);
      expect(readFileSync(join(REPO_ROOT, "dist/ui/assets", f), "utf8")).toBe(
        readFileSync(join(REPO_ROOT, "src/ui/assets", f), "utf8"),
      );
    }
  });
});

describe("the ui server on IPv6 loopback", () => {
  it("serves [::1] and accepts only a [::1] Host", async () => {
    const v6 = new UiServer(sources, { host: "::1", port: 0, refreshMs: 60_000 });
    const bound = await v6.start();
    try {
      expect(bound.url).toMatch(/^http:\/\/\[::1\]:\d+\/\?token=/);
      const u = new URL(bound.url);
      const get = (host: string): Promise<number> =>
        new Promise((resolve, reject) => {
          const req = request(
            {
              host: "::1",
              port: u.port,
              path: "/api/state",
              headers: { host, authorization: `Bearer ${v6.token}` },
            },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on("error", reject);
          req.end();
        });
      expect(await get(`[::1]:${u.port}`)).toBe(200);
      expect(await get(`evil.example:${u.port}`)).toBe(403);
      expect(await get(`[::1]:${Number(u.port) + 1}`)).toBe(403);
    } finally {
      await v6.stop();
    }
  });
});

describe("the ui server", () => {
  it("refuses every path without the token, trades the token for a cookie, then serves the page", async () => {
    for (const p of ["/", "/api/state", "/events", "/assets/app.js", "/api/topology.svg", "/nope"])
      expect((await http("GET", p)).status, p).toBe(403);
    expect((await http("GET", "/", { cookie: "cairn_ui=guess" })).status).toBe(403);
    const first = await http("GET", `/?token=${token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe("/");
    const cookie = String(first.headers["set-cookie"]).split(";")[0]!;
    const page = await http("GET", "/", { cookie });
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toMatch(/<h1>\s*cluster <span id="cluster-name">homelab-k8s<\/span>\s*<\/h1>/);
    expect(page.body).toContain('class="cairn-topology"');
    expect(page.body).not.toMatch(/<!--(TOPOLOGY|CLUSTER|TITLE)-->/);
    // Nothing loaded from elsewhere: every src and href is this server's or inline.
    expect([...page.body.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1])).toEqual([
      "data:,",
      "/assets/app.css",
      "/assets/app.js",
      "#nodes",
    ]);
    expect((await http("GET", "/assets/app.js", { cookie })).headers["content-type"]).toMatch(
      /^text\/javascript/,
    );
    expect((await http("GET", "/assets/app.css", { cookie })).headers["content-type"]).toMatch(/^text\/css/);
    expect((await http("GET", "/api/topology.svg", { cookie })).headers["content-type"]).toMatch(
      /^image\/svg\+xml/,
    );
    expect((await http("GET", "/nope", { cookie })).status).toBe(404);
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.headers["cache-control"]).toBe("no-store");
  });

  it("refuses a loopback server reached under another Host name (DNS rebinding)", async () => {
    const port = new URL(origin).port;
    const auth = { authorization: `Bearer ${token}` };
    expect((await http("GET", "/api/state", { ...auth, host: `attacker.example:${port}` })).status).toBe(403);
    expect((await http("GET", "/api/state", { ...auth, host: `localhost:${port}` })).status).toBe(200);
  });

  it("pushes one sweep to every viewer, each with the plan and the (empty) progress first", async () => {
    const before = sweeps;
    const wantTwo = (n: string[]): boolean => n.filter((x) => x === "health").length >= 2;
    const [a, b] = await Promise.all([events(wantTwo), events(wantTwo)]);
    for (const e of [a, b]) {
      expect(e.names.slice(0, 4)).toEqual(["hello", "health", "plan", "progress"]);
      expect(e.names.filter((x) => x === "health").length).toBeGreaterThanOrEqual(2);
    }
    // Two viewers did not double the sweeps: about one per refresh interval.
    expect(sweeps - before).toBeLessThanOrEqual(4);
    const health = JSON.parse(/event: health\ndata: (.*)\n/.exec(a.raw)![1]!) as {
      sent: number;
      data: { nodes: { name: string; verdict: string }[] };
    };
    expect(health.data.nodes.map((n) => [n.name, n.verdict])).toEqual(model.nodes.map((n) => [n.name, "ok"]));
  });

  it("redacts a secret that reached a response and reports it as a bug", async () => {
    const auth = { authorization: `Bearer ${token}` };
    let state = await http("GET", "/api/state", auth);
    for (let i = 0; i < 50 && !/"status":"ready"/.test(state.body); i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = await http("GET", "/api/state", auth);
    }
    expect(state.body).toMatch(/"status":"ready"/);
    expect(state.body).not.toContain(SECRET);
    expect(state.body).toContain("key: [redacted]");
    expect(leaks).toContain("/api/state");
  });

  it("builds the plan again on POST from its own origin, refuses another origin", async () => {
    const auth = { authorization: `Bearer ${token}` };
    const before = plans;
    expect((await http("POST", "/api/plan", { ...auth, origin: "http://evil.example" })).status).toBe(403);
    const ok = await http("POST", "/api/plan", { ...auth, origin });
    expect(ok.status).toBe(202);
    for (let i = 0; i < 50 && plans === before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(plans).toBe(before + 1);
    expect((await http("GET", "/api/plan", auth)).status).toBe(404);
  });
});
