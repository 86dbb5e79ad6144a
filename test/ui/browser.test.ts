// `cairn ui` in a real browser (Debian's Chromium driven by playwright-core) against the homelab example rehearsed on
// the twin, everything through the built CLI as a user runs it: the page lists every node of the spec; access needs
// the printed token; no secret string of the cluster's files reaches any response; the page is usable from the
// keyboard, its controls are labelled and its text has AA contrast; a Talos upgrade's steps appear while it runs
// and match what the terminal reported; a crashed twin node shows as failing within 5 s. Screenshots go to
// out/test/ui/ (gitignored).
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../helpers/shared.js";
import { BIN, twinCli, twinDown, twinEnv } from "../helpers/twin-cli.js";

// The browser globals the page.evaluate callbacks use (the project compiles without the DOM library).
interface DomElement {
  tagName: string;
  id: string;
  textContent: string | null;
  outerHTML: string;
  parentElement: DomElement | null;
  offsetParent: unknown;
  childNodes: Iterable<{ nodeType: number; textContent: string | null }>;
  getAttribute(name: string): string | null;
}
declare const document: {
  activeElement: DomElement | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): DomElement[] & { length: number };
};
declare function getComputedStyle(e: DomElement): { color: string; backgroundColor: string };

const CHROMIUM = "/usr/bin/chromium";
// The flags that keep Chromium off the (closed) network: no background requests, no component updates.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SUBNET = "127.0.161.0/24";
const SHOTS = join(REPO_ROOT, "out/test/ui");
const dir = mkdtempSync(join(tmpdir(), "cairn-ui-"));
const spec = join(dir, "cairn.yaml");
const clusterDir = join(dir, ".cairn", "homelab-k8s");
const twinDir = join(clusterDir, "twin");
// A longer simulated reboot than other twin tests, so each upgrade step is visibly running for a while.
const env = { ...twinEnv(SUBNET), CAIRN_TWIN_REBOOT_MS: "700" };
const cairn = twinCli(dir, SUBNET);

let ui: ChildProcess | undefined;
let uiErr = "";
let url = "";
let origin = "";
let token = "";
let browser: Browser | undefined;
let page: Page;

const raw = parse(readFileSync(join(REPO_ROOT, "examples/homelab-proxmox-vlans.yaml"), "utf8")) as {
  nodes: { name: string }[];
};
const nodeNames = raw.nodes.map((n) => n.name);

function run(args: string[], timeoutMs = 120_000): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, out, err });
    });
  });
}

/** A raw HTTP GET with chosen headers (fetch would not let the test forge Host). */
function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Reads the event stream for `ms` and returns what arrived. */
function readEvents(ms: number): Promise<string> {
  const u = new URL("/events", origin);
  return new Promise((resolve, reject) => {
    let body = "";
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.setEncoding("utf8");
        res.on("data", (d) => (body += d));
      },
    );
    req.on("error", (e) => (body ? resolve(body) : reject(e)));
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve(body);
    }, ms);
  });
}

const shot = (name: string): Promise<Buffer> =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: the browser tests need Debian's chromium (bash scripts/setup.sh installs it)`,
    );
  mkdirSync(SHOTS, { recursive: true });
  copyFileSync(join(REPO_ROOT, "examples/homelab-proxmox-vlans.yaml"), spec);
  const a = await run(["apply", "-f", spec, "--twin", "--yes"]);
  expect(a.code, a.err + a.out).toBe(0);
  ui = spawn(process.execPath, [BIN, "ui", "-f", spec, "--twin", "--refresh", "1s"], { cwd: dir, env });
  ui.stderr!.on("data", (d) => (uiErr += d));
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => reject(new Error(`cairn ui printed no URL: ${out} ${uiErr}`)), 60_000);
    ui!.stdout!.on("data", (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
    ui!.on("exit", (code) => reject(new Error(`cairn ui exited ${code}: ${uiErr}`)));
  });
  origin = new URL(url).origin;
  token = new URL(url).searchParams.get("token")!;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (e) => {
    uiErr += `page error: ${e.message}\n`;
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (ui && ui.exitCode === null) {
    ui.kill("SIGTERM");
    await new Promise((r) => ui!.once("exit", r));
  }
  twinDown(twinDir);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("cairn ui on the twin (homelab example, 3 control planes)", () => {
  it("lists every node of the spec, healthy, in the table and on the diagram", async () => {
    await page.goto(url);
    // The token was traded for a cookie and left the address bar.
    expect(page.url()).toBe(`${origin}/`);
    await page.waitForSelector("tr[data-node]", { timeout: 15_000 });
    await page.waitForFunction(
      (n) => document.querySelectorAll('tr[data-node][data-verdict="ok"]').length === n,
      nodeNames.length,
      { timeout: 15_000 },
    );
    const rows = await page.$$eval("tr[data-node]", (trs) => trs.map((t) => t.getAttribute("data-node")));
    expect(rows).toEqual(nodeNames);
    const drawn = await page.$$eval(".cairn-topology g.node", (gs) =>
      gs.map((g) => g.getAttribute("data-node")),
    );
    expect(drawn.sort()).toEqual([...nodeNames].sort());
    expect(await page.$$eval(".cairn-topology g.node.st-ok", (gs) => gs.length)).toBe(nodeNames.length);
    expect(await page.isVisible("#simulated-banner")).toBe(true);
    expect((await page.textContent("h1"))!.replace(/\s+/g, " ").trim()).toBe("cluster homelab-k8s");
    // Versions and etcd roles come from the same sweep as `cairn health`.
    const etcd = await page.$$eval("tr[data-node] td:nth-child(9)", (tds) => tds.map((t) => t.textContent));
    expect(etcd.filter((e) => e === "leader")).toHaveLength(1);
    expect(await page.textContent("#checks")).toMatch(/valid until/);
    await page.waitForSelector('#plan [data-pending="0"]', { timeout: 30_000 });
    await shot("homelab-healthy");
  }, 60_000);

  it("refuses requests without the token, with a foreign Host, and sends a strict CSP", async () => {
    expect((await get("/")).status).toBe(403);
    expect((await get("/api/state")).status).toBe(403);
    expect((await get("/events")).status).toBe(403);
    expect((await get("/?token=wrong")).status).toBe(403);
    expect((await get("/api/state", { authorization: "Bearer wrong" })).status).toBe(403);
    const host = new URL(origin).host;
    expect(
      (
        await get("/api/state", {
          authorization: `Bearer ${token}`,
          host: `evil.example:${new URL(origin).port}`,
        })
      ).status,
    ).toBe(403);
    const ok = await get("/api/state", { authorization: `Bearer ${token}`, host });
    expect(ok.status).toBe(200);
    expect(String(ok.headers["content-security-policy"])).toMatch(/default-src 'none'.*script-src 'self'/);
    const first = await get(`/?token=${token}`);
    expect(first.status).toBe(303);
    expect(String(first.headers["set-cookie"])).toMatch(/HttpOnly; SameSite=Strict/);
  });

  it("sends no secret string of the cluster's files in any response", async () => {
    // The secrets, read here independently of cairn: every string in the bundle, the talosconfig and kubeconfig
    // that is key material, a token or a certificate (base64 and decoded).
    const secrets = new Set<string>();
    const visit = (v: unknown): void => {
      if (typeof v === "string" && v.length >= 16 && !/^https?:/.test(v) && !v.includes("@")) {
        secrets.add(v);
        const decoded = Buffer.from(v, "base64").toString("utf8");
        if (decoded.includes("-----BEGIN"))
          for (const l of decoded.split("\n")) if (l.length >= 16 && !l.startsWith("-----")) secrets.add(l);
      } else if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === "object") Object.values(v).forEach(visit);
    };
    visit(parse(readFileSync(join(clusterDir, "secrets.yaml"), "utf8")));
    for (const f of [join(clusterDir, "talosconfig"), join(twinDir, "kubeconfig")]) {
      const doc = parse(readFileSync(f, "utf8"));
      visit(doc.contexts ?? {});
      visit(doc.users ?? []);
      visit(
        (doc.clusters ?? []).map(
          (c: { cluster: Record<string, unknown> }) => c.cluster["certificate-authority-data"],
        ),
      );
    }
    expect(secrets.size).toBeGreaterThan(10);
    const auth = { authorization: `Bearer ${token}` };
    const bodies = await Promise.all(
      ["/", "/assets/app.js", "/assets/app.css", "/api/state", "/api/topology.svg"].map((p) => get(p, auth)),
    );
    for (const b of bodies) expect(b.status).toBe(200);
    const all = bodies.map((b) => b.body).join("\n") + (await readEvents(2500)) + (await page.content());
    expect(all).toMatch(/event: health/);
    for (const s of secrets)
      expect(all.includes(s), `a secret (${s.length} chars) reached the page`).toBe(false);
    expect(uiErr).not.toMatch(/secret was about to reach the page/);
  });

  it("is usable from the keyboard, with labelled controls and AA contrast", async () => {
    await page.goto(`${origin}/`);
    await page.waitForSelector("tr[data-node]");
    // Every control has an accessible name.
    const unnamed = await page.$$eval("button, select, input, progress, [tabindex]", (els) =>
      els
        .filter((e) => {
          const label = e.getAttribute("aria-label") ?? e.textContent?.trim() ?? "";
          const byFor = e.id && document.querySelector(`label[for="${e.id}"]`);
          return !label && !byFor;
        })
        .map((e) => e.outerHTML.slice(0, 80)),
    );
    expect(unnamed).toEqual([]);
    // Tab reaches "Refresh plan"; Enter on it asks the server for a new plan.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(/Skip to the node list/);
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = (await page.evaluate(() => document.activeElement?.id)) === "refresh-plan";
    }
    expect(reached).toBe(true);
    const posted = page.waitForRequest((r) => r.method() === "POST" && r.url().endsWith("/api/plan"));
    await page.keyboard.press("Enter");
    expect((await posted).method()).toBe("POST");
    await page.waitForSelector('#plan [data-pending="0"]', { timeout: 30_000 });
    // Text contrast (WCAG 2 relative luminance) against the nearest opaque background, for every text element.
    const low = await page.evaluate(() => {
      const rgb = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
      const lum = ([r, g, b]: number[]): number => {
        const f = (v: number): number => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
      };
      const bg = (e: DomElement | null): number[] => {
        for (; e; e = e.parentElement) {
          const c = rgb(getComputedStyle(e).backgroundColor);
          if (c.length === 3 || (c.length === 4 && c[3]! > 0.9)) return c.slice(0, 3);
        }
        return [255, 255, 255];
      };
      const out: string[] = [];
      for (const e of [...document.querySelectorAll("body *:not(svg *)")]) {
        const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim());
        if (!own || e.offsetParent === null) continue;
        const fg = rgb(getComputedStyle(e).color);
        const [a, b] = [lum(fg), lum(bg(e))].sort((x, y) => y - x);
        const ratio = (a! + 0.05) / (b! + 0.05);
        if (ratio < 4.5) out.push(`${e.tagName} "${e.textContent!.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
      }
      return out;
    });
    expect(low).toEqual([]);
  }, 60_000);

  it("shows an upgrade's steps while it runs, as the terminal reports them", async () => {
    await page.goto(`${origin}/`);
    await page.waitForSelector("tr[data-node]");
    const upgrade = run(
      ["upgrade", "talos", "-f", spec, "--twin", "--to", "v1.10.9", "--yes", "--output", "json"],
      240_000,
    );
    await page.waitForSelector('[data-run-state="running"]', { timeout: 60_000 });
    await page.waitForSelector('li[data-step^="upgrade:"][data-state="running"]', { timeout: 60_000 });
    const runningNode = await page.$eval('li[data-step^="upgrade:"][data-state="running"]', (li) =>
      li.getAttribute("data-step")!.slice("upgrade:".length),
    );
    expect(nodeNames).toContain(runningNode);
    await shot("homelab-upgrade-running");
    // The README's picture: `CAIRN_UI_DOCS_SCREENSHOT=1 npx vitest run test/ui/browser.test.ts` renews it.
    if (process.env.CAIRN_UI_DOCS_SCREENSHOT === "1")
      await page.screenshot({ path: join(REPO_ROOT, "docs/ui-homelab.png"), fullPage: true });
    const r = await upgrade;
    expect(r.code, r.err).toBe(0);
    await page.waitForSelector('[data-run-state="succeeded"]', { timeout: 15_000 });
    const events = r.out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { type: string; id?: string });
    const terminalDone = events.filter((e) => e.type === "action-done").map((e) => e.id);
    const pageDone = await page.$$eval('li[data-step][data-state="done"]', (lis) =>
      lis.map((l) => l.getAttribute("data-step")),
    );
    expect(pageDone.sort()).toEqual([...terminalDone].sort());
    expect(pageDone.filter((id) => id!.startsWith("upgrade:"))).toHaveLength(nodeNames.length);
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll("tr[data-node] td:nth-child(7)")].every(
          (td) => td.textContent === "v1.10.9",
        ),
      undefined,
      { timeout: 15_000 },
    );
    await shot("homelab-upgrade-done");
  }, 300_000);

  it("shows a crashed twin node as failing within 5 s", async () => {
    await page.goto(`${origin}/`);
    // Healthy, or warning only because the upgrade above left it on a newer Talos than the spec names.
    const up = 'tr[data-node="talos-k8s-02"]:not([data-verdict="fail"])';
    await page.waitForSelector(up, { timeout: 15_000 });
    const state = JSON.parse(readFileSync(join(twinDir, "state.json"), "utf8")) as {
      providers: { twin: { slots: Record<string, { address: string }> } };
    };
    const address = state.providers.twin.slots["talos-k8s-02"]!.address;
    const f = cairn(["twin", "fault", address, "crash", "--state-dir", twinDir]);
    expect(f.code, f.err).toBe(0);
    const t0 = Date.now();
    await page.waitForSelector('tr[data-node="talos-k8s-02"][data-verdict="fail"]', { timeout: 5000 });
    const ms = Date.now() - t0;
    console.log(`crashed node shown failing after ${ms} ms`);
    expect(ms).toBeLessThan(5000);
    expect(
      await page.$eval('.cairn-topology g.node[data-node="talos-k8s-02"]', (g) =>
        g.classList.contains("st-fail"),
      ),
    ).toBe(true);
    expect(await page.textContent('tr[data-node="talos-k8s-02"]')).toMatch(/crash/);
    expect(await page.textContent("#overall")).toMatch(/UNHEALTHY.*talos-k8s-02/);
    await shot("homelab-node-crashed");
    const h = cairn(["twin", "fault", address, "heal", "--state-dir", twinDir]);
    expect(h.code, h.err).toBe(0);
    await page.waitForSelector(up, { timeout: 30_000 });
  }, 60_000);

  it("stops on SIGTERM with exit 0, closing the page's stream", async () => {
    const closed = page.waitForFunction(
      () => document.querySelector("#connection")?.textContent?.startsWith("disconnected"),
      undefined,
      {
        timeout: 10_000,
      },
    );
    const exited = new Promise<number | null>((r) => ui!.once("exit", (code) => r(code)));
    ui!.kill("SIGTERM");
    expect(await exited).toBe(0);
    await closed;
    expect(uiErr).toMatch(/stopping cairn ui/);
    expect(uiErr).not.toMatch(/internal error/);
  });
});
