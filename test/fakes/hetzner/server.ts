// A simulated Hetzner Cloud project behind the real API's shape (/v1 on http://127.0.0.1): bearer-token auth, every
// request validated against the OpenAPI document (schema.ts), state across requests, actions that run for a while
// and lock their resources (423), a token-bucket rate limit with the RateLimit-* headers (429), pagination, label
// selectors, injectable faults, and a twin node booted at the server's address when a Talos server powers on.
// Facts: ../shared/research/providers.md §B. Its own answers are checked against the response schemas too.
import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import { FaultBook, RequestLog, delay, readBody, sendJson, type TwinHost } from "../common/fake.js";
import {
  datacenters,
  loadBalancerTypes,
  locations,
  serverTypes,
  systemImages,
  type Obj,
} from "./catalogue.js";
import { compileSelector } from "./labels.js";
import { LbProxy } from "./lb-proxy.js";
import type { HcloudSchema } from "./schema.js";

export interface HcloudFakeOptions {
  schema: HcloudSchema;
  token: string;
  /** How long an action runs (ms); per-command overrides in actionMsBy. */
  actionMs: number;
  actionMsBy: Record<string, number>;
  /** Token bucket: capacity (requests) and refill per second. */
  rateLimit: number;
  refillPerSecond: number;
  /** "type@location" pairs that answer resource_unavailable. */
  unavailable: string[];
  /** Which address a booted twin node listens on: the private network IP (when attached) or the public IPv4. */
  twinAddress: "private" | "public";
  /** The first public IPv4 handed out (a /24 is used from there). */
  publicBase: string;
  twin: TwinHost;
  defaultTalosVersion: string;
}

class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Obj;
  constructor(status: number, code: string, message: string, details: Obj = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const notFound = (what: string, id: unknown): never => {
  throw new ApiError(404, "not_found", `${what} with ID '${String(id)}' not found`);
};
const invalid = (field: string, message: string): never => {
  throw new ApiError(422, "invalid_input", `invalid input in field '${field}'`, {
    fields: [{ name: field, messages: [message] }],
  });
};

interface Action {
  id: number;
  command: string;
  status: "running" | "success" | "error";
  progress: number;
  started: string;
  finished: string | null;
  resources: { id: number; type: string }[];
  error: { code: string; message: string } | null;
}

/** What is on a server's disk: a system image, or the Talos image the rescue system wrote (and snapshots of it). */
interface Disk {
  kind: "system" | "talos" | "empty";
  imageUrl?: string;
  talosVersion?: string;
}

interface ServerState {
  obj: Obj;
  disk: Disk;
  userData?: string;
  inRescue: boolean;
  rescueArmed: boolean;
  locked: number;
  /** Where the twin node of this server listens, while it runs. */
  twinAt?: string;
}

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, "+00:00");
const RFC1123 =
  /^(?=.{1,63}$)[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;

function ipToInt(ip: string): number {
  return ip.split(".").reduce((a, b) => a * 256 + Number(b), 0) >>> 0;
}
function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}
function inCidr(ip: string, cidr: string): boolean {
  const [net, len] = cidr.split("/");
  const mask = Number(len) === 0 ? 0 : (~0 << (32 - Number(len))) >>> 0;
  return (ipToInt(ip) & mask) === (ipToInt(net!) & mask);
}

/** What Talos does with hcloud user-data: base64-decode when it is base64, then gunzip when it is gzip. */
function talosUserData(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let data = Buffer.from(value, "utf8");
  if (/^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0) data = Buffer.from(value, "base64");
  if (data[0] === 0x1f && data[1] === 0x8b) data = gunzipSync(data);
  return data.toString("utf8");
}

export class HcloudFake {
  readonly log = new RequestLog();
  readonly faults = new FaultBook();
  private readonly o: HcloudFakeOptions;
  private nextId = 1_000_000;
  private nextActionId = 1;
  private nextPublic: number;
  private readonly actions = new Map<number, Action>();
  private readonly servers = new Map<number, ServerState>();
  private readonly images = new Map<number, { obj: Obj; disk: Disk }>();
  private readonly networks = new Map<number, Obj>();
  private readonly firewalls = new Map<number, Obj>();
  private readonly placementGroups = new Map<number, Obj>();
  private readonly loadBalancers = new Map<number, Obj>();
  private readonly floatingIps = new Map<number, Obj>();
  private readonly sshKeys = new Map<number, Obj>();
  private readonly primaryIps = new Map<number, Obj>();
  private bucket: number;
  private bucketAt = Date.now();
  actionMs: number;
  /** Commands whose next actions end in error (admin config failActions). */
  private readonly failActions = new Set<string>();
  onStop: (() => void) | undefined;
  private readonly lbProxy = new LbProxy(
    (a) => this.o.twin.ensureAddress(a),
    (id) => this.lbTargets(id),
  );

  constructor(options: HcloudFakeOptions) {
    this.o = options;
    this.actionMs = options.actionMs;
    this.bucket = options.rateLimit;
    this.nextPublic = ipToInt(options.publicBase);
    for (const img of systemImages) this.images.set(img.id as number, { obj: img, disk: { kind: "system" } });
  }

  // ---- HTTP ----------------------------------------------------------------------------------------------------

  private rateHeaders(): Record<string, string | number> {
    const elapsed = (Date.now() - this.bucketAt) / 1000;
    this.bucket = Math.min(this.o.rateLimit, this.bucket + elapsed * this.o.refillPerSecond);
    this.bucketAt = Date.now();
    const missing = this.o.rateLimit - Math.floor(this.bucket);
    return {
      "RateLimit-Limit": this.o.rateLimit,
      "RateLimit-Remaining": Math.max(0, Math.floor(this.bucket)),
      "RateLimit-Reset": Math.ceil(Date.now() / 1000 + missing / this.o.refillPerSecond),
    };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? "/", "http://fake");
    const method = (req.method ?? "GET").toUpperCase();
    if (url.pathname.startsWith("/_fake/")) return this.admin(method, url, req, res);
    const path = url.pathname.replace(/^\/v1/, "").replace(/\/+$/, "") || "/";
    const entry = { method, path, query: url.search.slice(1), status: 200, ms: 0 } as Parameters<
      RequestLog["add"]
    >[0] & {
      responseErrors?: string[];
      unknownQuery?: string[];
      body?: unknown;
    };
    let op: Parameters<HcloudSchema["checkResponse"]>[0] | undefined;
    const answer = (status: number, body: unknown, headers: Record<string, string | number> = {}): void => {
      entry.status = status;
      entry.ms = Date.now() - started;
      if (status >= 400) entry.error = (body as { error?: { code?: string } })?.error?.code;
      if (op && status < 400) {
        const problems = this.o.schema.checkResponse(op, status, body);
        if (problems.length) entry.responseErrors = problems;
      }
      this.log.add(entry);
      sendJson(res, status, status === 204 ? undefined : body, { ...this.rateHeaders(), ...headers });
    };
    const error = (e: ApiError): void =>
      answer(e.status, { error: { code: e.code, message: e.message, details: e.details } });
    try {
      if (!url.pathname.startsWith("/v1/")) throw new ApiError(404, "not_found", `no route ${url.pathname}`);
      const auth = String(req.headers.authorization ?? "");
      if (auth !== `Bearer ${this.o.token}`)
        throw new ApiError(401, "unauthorized", "unable to authenticate");
      this.rateHeaders();
      if (this.bucket < 1)
        throw new ApiError(
          429,
          "rate_limit_exceeded",
          `limit of ${this.o.rateLimit} requests per hour reached`,
        );
      this.bucket -= 1;
      const fault = this.faults.match(method, path);
      if (fault) {
        entry.fault = `${fault.kind ?? "error"} ${fault.status ?? ""} ${fault.code ?? ""}`.trim();
        if (fault.delayMs) await delay(fault.delayMs);
        if (fault.kind === "timeout") {
          entry.status = 0;
          this.log.add(entry);
          return;
        }
        if (fault.kind === "reset") {
          entry.status = 0;
          this.log.add(entry);
          req.socket.destroy();
          return;
        }
        if (fault.status) {
          const headers: Record<string, number> = fault.status === 429 ? { "RateLimit-Remaining": 0 } : {};
          return answer(
            fault.status,
            {
              error: {
                code: fault.code ?? "server_error",
                message: fault.message ?? "fake: injected failure",
                details: {},
              },
            },
            headers,
          );
        }
      }
      const match = this.o.schema.match(method, path);
      if (match === "no-method")
        throw new ApiError(405, "method_not_allowed", `method ${method} not allowed on ${path}`);
      if (!match) throw new ApiError(404, "not_found", `no route ${path}`);
      op = match.op;
      const unknownQuery = this.o.schema.unknownQuery(match.op, url.searchParams);
      if (unknownQuery.length) entry.unknownQuery = unknownQuery;
      const queryProblem = this.o.schema.checkQuery(match.op, url.searchParams);
      if (queryProblem) {
        entry.rejected = Object.fromEntries(
          ((queryProblem.details.fields as { name: string; messages: string[] }[]) ?? []).map((f) => [
            f.name,
            f.messages.join("; "),
          ]),
        );
        return error(
          new ApiError(queryProblem.status, queryProblem.code, queryProblem.message, queryProblem.details),
        );
      }
      const raw = await readBody(req);
      let body: unknown = undefined;
      if (method === "POST" || method === "PUT") {
        try {
          body = raw.length ? JSON.parse(raw.toString("utf8")) : {};
        } catch {
          throw new ApiError(422, "json_error", "syntax error");
        }
        const problem = this.o.schema.checkBody(match.op, body);
        if (problem) {
          entry.body = body;
          entry.rejected = Object.fromEntries(
            ((problem.details.fields as { name: string; messages: string[] }[]) ?? []).map((f) => [
              f.name,
              f.messages.join("; "),
            ]),
          );
          return error(new ApiError(problem.status, problem.code, problem.message, problem.details));
        }
      }
      const out = await this.route(
        method,
        match.template,
        match.params,
        url.searchParams,
        (body ?? {}) as Obj,
      );
      if (method !== "GET" && path.startsWith("/load_balancers")) await this.syncLb();
      if (out.list) {
        const { items, key } = out.list;
        const page = Number(url.searchParams.get("page") ?? 1);
        const perPage = Number(url.searchParams.get("per_page") ?? 25);
        const sorted = sortItems(items, url.searchParams.getAll("sort"));
        const last = Math.max(1, Math.ceil(sorted.length / perPage));
        const slice = sorted.slice((page - 1) * perPage, page * perPage);
        const link = (p: number, rel: string): string => {
          const u = new URL(url.href.replace("http://fake", `http://${req.headers.host}`));
          u.searchParams.set("page", String(p));
          return `<${u.href}>; rel="${rel}"`;
        };
        const links = [
          page > 1 ? link(page - 1, "prev") : "",
          page < last ? link(page + 1, "next") : "",
          link(last, "last"),
        ].filter((x) => x);
        return answer(
          200,
          {
            [key]: slice,
            meta: {
              pagination: {
                page,
                per_page: perPage,
                previous_page: page > 1 ? page - 1 : null,
                next_page: page < last ? page + 1 : null,
                last_page: last,
                total_entries: sorted.length,
              },
            },
          },
          { Link: links.join(", ") },
        );
      }
      answer(out.status ?? 200, out.body ?? {});
    } catch (e) {
      if (e instanceof ApiError) return error(e);
      answer(500, {
        error: { code: "server_error", message: `fake internal error: ${String(e)}`, details: {} },
      });
    }
  }

  private async admin(method: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = method === "POST" ? (JSON.parse((await readBody(req)).toString("utf8") || "{}") as Obj) : {};
    const p = url.pathname;
    if (method === "GET" && p === "/_fake/log")
      return sendJson(res, 200, this.log.since(Number(url.searchParams.get("since") ?? 0)));
    if (method === "GET" && p === "/_fake/state") return sendJson(res, 200, this.state());
    if (method === "POST" && p === "/_fake/faults")
      return sendJson(res, 200, { ids: this.faults.add((body.rules ?? [body]) as never[]) });
    if (method === "DELETE" && p === "/_fake/faults") {
      this.faults.clear();
      return sendJson(res, 200, {});
    }
    if (method === "POST" && p === "/_fake/config") {
      if (typeof body.actionMs === "number") this.actionMs = body.actionMs;
      if (body.actionMsBy && typeof body.actionMsBy === "object")
        Object.assign(this.o.actionMsBy, body.actionMsBy);
      if (typeof body.rateLimit === "number") {
        this.o.rateLimit = body.rateLimit;
        this.bucket = Math.min(this.bucket, body.rateLimit);
      }
      if (typeof body.bucket === "number") this.bucket = body.bucket;
      if (typeof body.refillPerSecond === "number") this.o.refillPerSecond = body.refillPerSecond;
      if (Array.isArray(body.unavailable)) this.o.unavailable = body.unavailable as string[];
      for (const c of (body.failActions as string[] | undefined) ?? []) this.failActions.add(c);
      return sendJson(res, 200, { actionMs: this.actionMs, rateLimit: this.o.rateLimit });
    }
    if (method === "GET" && p === "/_fake/twin")
      return sendJson(res, 200, {
        boots: this.o.twin.boots,
        twin: this.o.twin.status(),
        calls: this.o.twin.calls(),
        lbProxy: this.lbProxy.problems,
      });
    const rescue = /^\/_fake\/servers\/(\d+)\/rescue-exec$/.exec(p);
    if (method === "POST" && rescue) {
      try {
        return sendJson(res, 200, await this.rescueExec(Number(rescue[1]), String(body.script ?? "")));
      } catch (e) {
        return sendJson(res, 409, { error: e instanceof Error ? e.message : String(e) });
      }
    }
    if (method === "POST" && p === "/_fake/stop") {
      sendJson(res, 200, { stopping: true });
      setTimeout(() => this.onStop?.(), 10);
      return;
    }
    sendJson(res, 404, { error: `no admin endpoint ${method} ${p}` });
  }

  state(): Obj {
    return {
      simulated: true,
      servers: [...this.servers.values()].map((s) => ({
        ...s.obj,
        fake: { disk: s.disk, inRescue: s.inRescue, userDataBytes: s.userData?.length },
      })),
      images: [...this.images.values()]
        .filter((i) => i.obj.type !== "system")
        .map((i) => ({ ...i.obj, fake: { disk: i.disk } })),
      networks: [...this.networks.values()],
      firewalls: [...this.firewalls.values()],
      placement_groups: [...this.placementGroups.values()],
      load_balancers: [...this.loadBalancers.values()],
      floating_ips: [...this.floatingIps.values()],
      ssh_keys: [...this.sshKeys.values()],
      primary_ips: [...this.primaryIps.values()],
      actions: this.actions.size,
    };
  }

  // ---- actions ---------------------------------------------------------------------------------------------

  private action(
    command: string,
    resources: { id: number; type: string }[],
    work?: () => Promise<void> | void,
    ms?: number,
  ): Action {
    const a: Action = {
      id: this.nextActionId++,
      command,
      status: "running",
      progress: 0,
      started: now(),
      finished: null,
      resources,
      error: null,
    };
    this.actions.set(a.id, a);
    const locks = resources
      .map((r) => (r.type === "server" ? this.servers.get(r.id) : undefined))
      .filter((s): s is ServerState => !!s);
    for (const s of locks) s.locked++;
    setTimeout(
      () => {
        void (async () => {
          try {
            if (this.failActions.delete(command))
              throw new ApiError(500, "action_failed", "fake: injected action failure");
            await work?.();
            a.status = "success";
          } catch (e) {
            a.status = "error";
            a.error =
              e instanceof ApiError
                ? { code: e.code, message: e.message }
                : { code: "action_failed", message: String(e) };
          }
          a.progress = 100;
          a.finished = now();
          for (const s of locks) s.locked = Math.max(0, s.locked - 1);
          for (const s of locks) s.obj.locked = s.locked > 0;
        })();
      },
      ms ?? this.o.actionMsBy[command] ?? this.actionMs,
    );
    for (const s of locks) s.obj.locked = true;
    return a;
  }

  private lockCheck(s: ServerState): void {
    if (s.locked > 0) throw new ApiError(423, "locked", "server is locked");
  }

  // ---- lookups ---------------------------------------------------------------------------------------------

  private byIdOrName<T extends Obj>(items: Iterable<T>, value: unknown, field: string): T {
    for (const i of items) if (i.id === Number(value) || i.name === value) return i;
    return invalid(field, `${field} ${String(value)} not found`);
  }

  private filter(items: Obj[], q: URLSearchParams): Obj[] {
    let out = items;
    const name = q.get("name");
    if (name !== null) out = out.filter((i) => i.name === name);
    const sel = q.get("label_selector");
    if (sel !== null) {
      let m: (l: Record<string, string>) => boolean;
      try {
        m = compileSelector(sel);
      } catch (e) {
        return invalid("label_selector", (e as Error).message);
      }
      out = out.filter((i) => m((i.labels ?? {}) as Record<string, string>));
    }
    const status = q.getAll("status");
    if (status.length) out = out.filter((i) => status.includes(String(i.status)));
    const type = q.getAll("type");
    if (type.length) out = out.filter((i) => type.includes(String(i.type)));
    const arch = q.get("architecture");
    if (arch !== null) out = out.filter((i) => i.architecture === arch);
    const ids = q.getAll("id");
    if (ids.length) out = out.filter((i) => ids.includes(String(i.id)));
    return out;
  }

  private takeId(): number {
    return this.nextId++;
  }

  private publicIp(): string {
    return intToIp(this.nextPublic++);
  }

  private uniqueName(items: Iterable<Obj>, name: unknown, what: string): void {
    for (const i of items)
      if (i.name === name)
        throw new ApiError(409, "uniqueness_error", `${what} name is already used`, {
          fields: [{ name: "name" }],
        });
  }

  // ---- routes ----------------------------------------------------------------------------------------------

  private async route(
    method: string,
    template: string,
    p: Record<string, string>,
    q: URLSearchParams,
    b: Obj,
  ): Promise<{ status?: number; body?: unknown; list?: { items: Obj[]; key: string } }> {
    const key = `${method} ${template}`;
    const list = (items: Obj[], k: string): { list: { items: Obj[]; key: string } } => ({
      list: { items: this.filter(items, q), key: k },
    });
    const id = Number(p.id);
    switch (key) {
      case "GET /locations":
        return list(locations, "locations");
      case "GET /locations/{id}":
        return { body: { location: locations.find((l) => l.id === id) ?? notFound("location", id) } };
      case "GET /datacenters":
        return {
          body: {
            datacenters: this.filter(datacenters, q),
            recommendation: 1,
            meta: {
              pagination: {
                page: 1,
                per_page: 25,
                previous_page: null,
                next_page: null,
                last_page: 1,
                total_entries: datacenters.length,
              },
            },
          },
        };
      case "GET /server_types":
        return list(serverTypes, "server_types");
      case "GET /server_types/{id}":
        return { body: { server_type: serverTypes.find((t) => t.id === id) ?? notFound("server_type", id) } };
      case "GET /load_balancer_types":
        return list(loadBalancerTypes, "load_balancer_types");
      case "GET /images":
        return list(
          [...this.images.values()].map((i) => i.obj),
          "images",
        );
      case "GET /images/{id}":
        return { body: { image: (this.images.get(id) ?? notFound("image", id)).obj } };
      case "PUT /images/{id}": {
        const img = (this.images.get(id) ?? notFound("image", id)).obj;
        if (b.description !== undefined) img.description = b.description;
        if (b.labels !== undefined) img.labels = b.labels;
        return { body: { image: img } };
      }
      case "DELETE /images/{id}": {
        const img = this.images.get(id) ?? notFound("image", id);
        if (img.obj.type === "system")
          throw new ApiError(403, "forbidden", "system images cannot be deleted");
        this.images.delete(id);
        return { status: 204 };
      }
      case "GET /ssh_keys":
        return list([...this.sshKeys.values()], "ssh_keys");
      case "GET /ssh_keys/{id}":
        return { body: { ssh_key: this.sshKeys.get(id) ?? notFound("ssh_key", id) } };
      case "POST /ssh_keys": {
        this.uniqueName(this.sshKeys.values(), b.name, "SSH key");
        const blob = String(b.public_key).trim().split(/\s+/)[1];
        if (!blob || !/^ssh-|^ecdsa-/.test(String(b.public_key))) invalid("public_key", "invalid public key");
        const fingerprint = createHash("md5")
          .update(Buffer.from(blob!, "base64"))
          .digest("hex")
          .match(/../g)!
          .join(":");
        for (const k of this.sshKeys.values())
          if (k.fingerprint === fingerprint)
            throw new ApiError(409, "uniqueness_error", "SSH key with the same fingerprint already exists", {
              fields: [{ name: "public_key" }],
            });
        const k = {
          id: this.takeId(),
          name: b.name,
          fingerprint,
          public_key: String(b.public_key).trim(),
          labels: b.labels ?? {},
          created: now(),
        };
        this.sshKeys.set(k.id, k);
        return { status: 201, body: { ssh_key: k } };
      }
      case "DELETE /ssh_keys/{id}":
        if (!this.sshKeys.delete(id)) notFound("ssh_key", id);
        return { status: 204 };
      case "GET /servers":
        return list(
          [...this.servers.values()].map((s) => s.obj),
          "servers",
        );
      case "GET /servers/{id}":
        return { body: { server: this.server(id).obj } };
      case "POST /servers":
        return this.createServer(b);
      case "PUT /servers/{id}": {
        const s = this.server(id);
        if (b.name !== undefined) {
          this.uniqueName(
            [...this.servers.values()].filter((x) => x !== s).map((x) => x.obj),
            b.name,
            "server",
          );
          s.obj.name = b.name;
        }
        if (b.labels !== undefined) s.obj.labels = b.labels;
        return { body: { server: s.obj } };
      }
      case "DELETE /servers/{id}": {
        const s = this.server(id);
        const a = this.action("delete_server", [{ id, type: "server" }], async () => {
          await this.powerOff(s);
          this.detachAll(s);
          this.servers.delete(id);
        });
        s.obj.status = "deleting";
        return { body: { action: a } };
      }
      case "GET /actions":
        if (q.getAll("id").length === 0)
          throw new ApiError(410, "deprecated_api_endpoint", "listing all actions is no longer supported", {
            announcement: "https://docs.hetzner.cloud/changelog",
          });
        return list([...this.actions.values()] as unknown as Obj[], "actions");
      case "GET /actions/{id}":
        return { body: { action: this.actions.get(id) ?? notFound("action", id) } };
      case "GET /networks":
        return list([...this.networks.values()], "networks");
      case "GET /networks/{id}":
        return { body: { network: this.networks.get(id) ?? notFound("network", id) } };
      case "POST /networks":
        return this.createNetwork(b);
      case "PUT /networks/{id}": {
        const n = this.networks.get(id) ?? notFound("network", id);
        if (b.name !== undefined) n.name = b.name;
        if (b.labels !== undefined) n.labels = b.labels;
        return { body: { network: n } };
      }
      case "DELETE /networks/{id}": {
        const n = this.networks.get(id) ?? notFound("network", id);
        if ((n.servers as number[]).length || ((n.load_balancers as number[]) ?? []).length)
          throw new ApiError(409, "conflict", "network is still in use by servers or load balancers");
        this.networks.delete(id);
        return { status: 204 };
      }
      case "GET /firewalls":
        return list([...this.firewalls.values()], "firewalls");
      case "GET /firewalls/{id}":
        return { body: { firewall: this.firewalls.get(id) ?? notFound("firewall", id) } };
      case "POST /firewalls": {
        this.uniqueName(this.firewalls.values(), b.name, "firewall");
        const f: Obj = {
          id: this.takeId(),
          name: b.name,
          labels: b.labels ?? {},
          created: now(),
          rules: normaliseRules((b.rules as Obj[]) ?? []),
          applied_to: [],
        };
        this.firewalls.set(f.id as number, f);
        const actions = ((b.apply_to as Obj[]) ?? []).map((t) => this.applyFirewall(f, t));
        return { status: 201, body: { firewall: f, actions } };
      }
      case "PUT /firewalls/{id}": {
        const f = this.firewalls.get(id) ?? notFound("firewall", id);
        if (b.name !== undefined) f.name = b.name;
        if (b.labels !== undefined) f.labels = b.labels;
        return { body: { firewall: f } };
      }
      case "DELETE /firewalls/{id}": {
        const f = this.firewalls.get(id) ?? notFound("firewall", id);
        if ((f.applied_to as unknown[]).length)
          throw new ApiError(422, "resource_in_use", "firewall is still in use");
        this.firewalls.delete(id);
        return { status: 204 };
      }
      case "GET /placement_groups":
        return list([...this.placementGroups.values()], "placement_groups");
      case "GET /placement_groups/{id}":
        return { body: { placement_group: this.placementGroups.get(id) ?? notFound("placement_group", id) } };
      case "POST /placement_groups": {
        this.uniqueName(this.placementGroups.values(), b.name, "placement group");
        const g: Obj = {
          id: this.takeId(),
          name: b.name,
          type: b.type,
          labels: b.labels ?? {},
          created: now(),
          servers: [],
        };
        this.placementGroups.set(g.id as number, g);
        return { status: 201, body: { placement_group: g, action: null } };
      }
      case "DELETE /placement_groups/{id}": {
        const g = this.placementGroups.get(id) ?? notFound("placement_group", id);
        if ((g.servers as number[]).length)
          throw new ApiError(422, "resource_in_use", "placement group still has servers");
        this.placementGroups.delete(id);
        return { status: 204 };
      }
      case "GET /load_balancers":
        return list([...this.loadBalancers.values()], "load_balancers");
      case "GET /load_balancers/{id}":
        return { body: { load_balancer: this.loadBalancers.get(id) ?? notFound("load_balancer", id) } };
      case "POST /load_balancers":
        return this.createLoadBalancer(b);
      case "DELETE /load_balancers/{id}": {
        const lb = this.loadBalancers.get(id) ?? notFound("load_balancer", id);
        for (const n of this.networks.values())
          n.load_balancers = ((n.load_balancers as number[]) ?? []).filter((x) => x !== lb.id);
        this.loadBalancers.delete(id);
        return { status: 204 };
      }
      case "GET /floating_ips":
        return list([...this.floatingIps.values()], "floating_ips");
      case "GET /floating_ips/{id}":
        return { body: { floating_ip: this.floatingIps.get(id) ?? notFound("floating_ip", id) } };
      case "POST /floating_ips": {
        if (b.name !== undefined) this.uniqueName(this.floatingIps.values(), b.name, "floating IP");
        const server = b.server !== undefined ? this.server(Number(b.server)) : undefined;
        const home =
          b.home_location !== undefined
            ? this.byIdOrName(locations, b.home_location, "home_location")
            : server
              ? server.obj.location
              : invalid("home_location", "home_location or server is required");
        const fid = this.takeId();
        const f: Obj = {
          id: fid,
          name: b.name ?? `floating-ip-${fid}`,
          description: b.description ?? null,
          ip: b.type === "ipv6" ? "2a01:4f8:1c1c::/64" : this.publicIp(),
          type: b.type,
          server: server ? server.obj.id : null,
          dns_ptr: [],
          home_location: home,
          blocked: false,
          protection: { delete: false },
          labels: b.labels ?? {},
          created: now(),
        };
        this.floatingIps.set(fid, f);
        if (server)
          (server.obj.public_net as Obj).floating_ips = [
            ...(((server.obj.public_net as Obj).floating_ips as number[]) ?? []),
            fid,
          ];
        return {
          status: 201,
          body: {
            floating_ip: f,
            action: this.action(server ? "assign_floating_ip" : "create_floating_ip", [
              { id: fid, type: "floating_ip" },
            ]),
          },
        };
      }
      case "DELETE /floating_ips/{id}": {
        const f = this.floatingIps.get(id) ?? notFound("floating_ip", id);
        for (const s of this.servers.values()) {
          const pn = s.obj.public_net as Obj;
          pn.floating_ips = ((pn.floating_ips as number[]) ?? []).filter((x) => x !== f.id);
        }
        this.floatingIps.delete(id);
        return { status: 204 };
      }
      case "GET /primary_ips":
        return list([...this.primaryIps.values()], "primary_ips");
      case "GET /primary_ips/{id}":
        return { body: { primary_ip: this.primaryIps.get(id) ?? notFound("primary_ip", id) } };
    }
    const actionGet =
      /^GET \/(servers|networks|firewalls|floating_ips|load_balancers|images|primary_ips)\/(\{id\}\/actions\/\{action_id\}|actions\/\{id\})$/.exec(
        key,
      );
    if (actionGet)
      return {
        body: {
          action: this.actions.get(Number(p.action_id ?? p.id)) ?? notFound("action", p.action_id ?? p.id),
        },
      };
    const actionList =
      /^GET \/(servers|networks|firewalls|floating_ips|load_balancers|images|primary_ips)\/(\{id\}\/)?actions$/.exec(
        key,
      );
    if (actionList) {
      const type = actionList[1]!.replace(/s$/, "");
      const items = [...this.actions.values()].filter(
        (a) => !p.id || a.resources.some((r) => r.id === id && r.type === type),
      );
      return list(items as unknown as Obj[], "actions");
    }
    const serverAction = /^POST \/servers\/\{id\}\/actions\/([a-z_]+)$/.exec(key);
    if (serverAction) return this.serverAction(this.server(id), serverAction[1]!, b);
    const networkAction = /^POST \/networks\/\{id\}\/actions\/([a-z_]+)$/.exec(key);
    if (networkAction)
      return this.networkAction(this.networks.get(id) ?? notFound("network", id), networkAction[1]!, b);
    const firewallAction = /^POST \/firewalls\/\{id\}\/actions\/([a-z_]+)$/.exec(key);
    if (firewallAction)
      return this.firewallAction(this.firewalls.get(id) ?? notFound("firewall", id), firewallAction[1]!, b);
    const lbAction = /^POST \/load_balancers\/\{id\}\/actions\/([a-z_]+)$/.exec(key);
    if (lbAction)
      return this.lbAction(this.loadBalancers.get(id) ?? notFound("load_balancer", id), lbAction[1]!, b);
    const fipAction = /^POST \/floating_ips\/\{id\}\/actions\/([a-z_]+)$/.exec(key);
    if (fipAction) {
      const f = this.floatingIps.get(id) ?? notFound("floating_ip", id);
      if (fipAction[1] === "assign")
        f.server = b.server === null ? null : this.server(Number(b.server)).obj.id;
      else if (fipAction[1] === "unassign") f.server = null;
      return {
        status: 201,
        body: { action: this.action(`${fipAction[1]}_floating_ip`, [{ id, type: "floating_ip" }]) },
      };
    }
    throw new ApiError(404, "not_found", `${method} ${template} is in the API but not simulated by the fake`);
  }

  // ---- servers ---------------------------------------------------------------------------------------------

  private server(id: number): ServerState {
    return this.servers.get(id) ?? notFound("server", id);
  }

  private createServer(b: Obj): { status: number; body: unknown } {
    if (!RFC1123.test(String(b.name))) invalid("name", "must be a valid hostname (RFC 1123)");
    this.uniqueName(
      [...this.servers.values()].map((s) => s.obj),
      b.name,
      "server",
    );
    if (b.location !== undefined && b.datacenter !== undefined) {
      throw new ApiError(422, "invalid_input", "invalid input in fields 'datacenter', 'location'", {
        fields: [
          { name: "datacenter", messages: ["location and datacenter are mutually exclusive"] },
          { name: "location", messages: ["location and datacenter are mutually exclusive"] },
        ],
      });
    }
    const type = this.byIdOrName(serverTypes, b.server_type, "server_type");
    const dc =
      b.datacenter !== undefined ? this.byIdOrName(datacenters, b.datacenter, "datacenter") : undefined;
    const loc = dc ? (dc.location as Obj) : this.byIdOrName(locations, b.location ?? "fsn1", "location");
    const datacenter = dc ?? datacenters.find((d) => (d.location as Obj).name === loc.name)!;
    if (
      this.o.unavailable.includes(`${String(type.name)}@${String(loc.name)}`) ||
      !(type.locations as Obj[]).some((l) => l.name === loc.name)
    )
      throw new ApiError(412, "resource_unavailable", "server type not available in this location");
    const image = [...this.images.values()].find(
      (i) =>
        (i.obj.id === Number(b.image) || (i.obj.name !== null && i.obj.name === b.image)) &&
        i.obj.architecture === type.architecture,
    );
    if (!image)
      invalid("image", `image ${String(b.image)} not found for architecture ${String(type.architecture)}`);
    if (image!.obj.status !== "available") invalid("image", "image is not available");
    if (typeof b.user_data === "string" && Buffer.byteLength(b.user_data) > 32768)
      invalid("user_data", "user_data must be at most 32768 bytes");
    const keys = ((b.ssh_keys as unknown[]) ?? []).map((k) =>
      this.byIdOrName(this.sshKeys.values(), k, "ssh_keys"),
    );
    const pg =
      b.placement_group !== undefined
        ? (this.placementGroups.get(Number(b.placement_group)) ??
          invalid("placement_group", "placement group not found"))
        : undefined;
    if (pg && (pg.servers as number[]).length >= 10)
      throw new ApiError(422, "placement_error", "spread placement groups hold at most 10 servers");
    const nets = ((b.networks as number[]) ?? []).map(
      (n) => this.networks.get(Number(n)) ?? invalid("networks", `network ${n} not found`),
    );
    const fws = ((b.firewalls as { firewall: number }[]) ?? []).map(
      (f) =>
        this.firewalls.get(Number(f.firewall)) ?? invalid("firewalls", `firewall ${f.firewall} not found`),
    );
    const sid = this.takeId();
    const pn = (b.public_net ?? {}) as Obj;
    const primary = (family: "ipv4" | "ipv6"): Obj | null => {
      if (pn[`enable_${family}`] === false) return null;
      const pid = this.takeId();
      const ip = family === "ipv4" ? this.publicIp() : `2a01:4f8:c0c:${(sid % 65536).toString(16)}::/64`;
      const obj: Obj = {
        id: pid,
        name: `primary_ip-${pid}`,
        ip,
        type: family,
        assignee_id: sid,
        assignee_type: "server",
        auto_delete: true,
        blocked: false,
        datacenter,
        location: loc,
        dns_ptr: [],
        labels: {},
        protection: { delete: false },
        created: now(),
      };
      this.primaryIps.set(pid, obj);
      // The server's view: ipv4.dns_ptr is one name, ipv6.dns_ptr a list (per the response schema).
      return family === "ipv4"
        ? {
            id: pid,
            ip,
            blocked: false,
            dns_ptr: `static.${ip.split(".").reverse().join(".")}.clients.your-server.de`,
          }
        : { id: pid, ip, blocked: false, dns_ptr: [] };
    };
    const obj: Obj = {
      id: sid,
      name: b.name,
      status: "initializing",
      created: now(),
      labels: b.labels ?? {},
      server_type: type,
      datacenter,
      location: loc,
      image: image!.obj,
      iso: null,
      public_net: { ipv4: primary("ipv4"), ipv6: primary("ipv6"), floating_ips: [], firewalls: [] },
      private_net: [],
      placement_group: pg ?? null,
      rescue_enabled: false,
      locked: false,
      backup_window: null,
      outgoing_traffic: 0,
      ingoing_traffic: 0,
      included_traffic: 21990232555520,
      primary_disk_size: type.disk,
      protection: { delete: false, rebuild: false },
      load_balancers: [],
      volumes: [],
    };
    const s: ServerState = {
      obj,
      disk: { ...image!.disk },
      inRescue: false,
      rescueArmed: false,
      locked: 0,
      ...(typeof b.user_data === "string" ? { userData: b.user_data } : {}),
    };
    this.servers.set(sid, s);
    if (pg) (pg.servers as number[]).push(sid);
    for (const n of nets) this.attach(s, n, undefined);
    for (const f of fws) this.applyFirewall(f, { type: "server", server: { id: sid } });
    const start = b.start_after_create !== false;
    const create = this.action("create_server", [{ id: sid, type: "server" }], () => {
      obj.status = "off";
    });
    const next = start
      ? [
          this.action(
            "start_server",
            [{ id: sid, type: "server" }],
            async () => {
              await this.powerOn(s);
            },
            (this.o.actionMsBy.create_server ?? this.actionMs) +
              (this.o.actionMsBy.start_server ?? this.actionMs),
          ),
        ]
      : [];
    return {
      status: 201,
      body: {
        server: obj,
        action: create,
        next_actions: next,
        root_password: keys.length ? null : randomBytes(9).toString("base64url"),
      },
    };
  }

  private async powerOn(s: ServerState): Promise<void> {
    s.obj.status = "running";
    s.inRescue = s.rescueArmed;
    s.rescueArmed = false;
    s.obj.rescue_enabled = false;
    if (s.inRescue || s.disk.kind !== "talos") return;
    const priv = (s.obj.private_net as { ip: string }[])[0]?.ip;
    const pub = ((s.obj.public_net as Obj).ipv4 as { ip: string } | null)?.ip;
    const address = this.o.twinAddress === "private" ? (priv ?? pub) : (pub ?? priv);
    const rec = await this.o.twin.boot(
      String(s.obj.name),
      address,
      talosUserData(s.userData),
      s.disk.talosVersion ?? this.o.defaultTalosVersion,
    );
    if (rec?.ok) s.twinAt = address;
  }

  private async powerOff(s: ServerState): Promise<void> {
    s.obj.status = "off";
    s.inRescue = false;
    s.twinAt = undefined;
    await this.o.twin.remove(String(s.obj.name));
  }

  private attach(s: ServerState, n: Obj, ip: string | undefined, aliasIps: string[] = []): void {
    const sid = s.obj.id as number;
    if ((s.obj.private_net as Obj[]).some((x) => x.network === n.id))
      throw new ApiError(422, "server_already_attached", "server is already attached to this network");
    const zone = (s.obj.location as Obj).network_zone;
    const subnets = (n.subnets as Obj[]).filter((x) => x.network_zone === zone);
    if (subnets.length === 0)
      throw new ApiError(422, "no_subnet_available", "no subnet available in the network zone of the server");
    const used = new Set<string>();
    for (const other of this.servers.values())
      for (const pn of other.obj.private_net as Obj[]) if (pn.network === n.id) used.add(String(pn.ip));
    for (const lb of this.loadBalancers.values())
      for (const pn of lb.private_net as Obj[]) if (pn.network === n.id) used.add(String(pn.ip));
    let chosen = ip;
    if (chosen !== undefined) {
      const subnet = subnets.find((x) => inCidr(chosen!, String(x.ip_range)));
      if (!subnet || used.has(chosen) || chosen === subnet.gateway || chosen === "172.31.1.1")
        throw new ApiError(422, "ip_not_available", `IP ${chosen} is not available`);
    } else {
      outer: for (const x of subnets) {
        const [base, len] = String(x.ip_range).split("/");
        const size = 2 ** (32 - Number(len));
        for (let i = 2; i < size - 1; i++) {
          const cand = intToIp(ipToInt(base!) + i);
          if (!used.has(cand)) {
            chosen = cand;
            break outer;
          }
        }
      }
      if (!chosen)
        throw new ApiError(422, "no_space_left_in_location", "no IP left in the network's subnets");
    }
    (s.obj.private_net as Obj[]).push({
      network: n.id,
      ip: chosen,
      alias_ips: aliasIps,
      mac_address: `86:00:00:${randomBytes(3).toString("hex").match(/../g)!.join(":")}`,
    });
    (n.servers as number[]).push(sid);
  }

  private detachAll(s: ServerState): void {
    const sid = s.obj.id as number;
    for (const n of this.networks.values()) n.servers = (n.servers as number[]).filter((x) => x !== sid);
    for (const g of this.placementGroups.values())
      g.servers = (g.servers as number[]).filter((x) => x !== sid);
    for (const f of this.firewalls.values())
      f.applied_to = (f.applied_to as Obj[]).filter(
        (t) => !(t.type === "server" && (t.server as Obj).id === sid),
      );
    for (const f of this.floatingIps.values()) if (f.server === sid) f.server = null;
    for (const [pid, ip] of this.primaryIps)
      if (ip.assignee_id === sid && ip.auto_delete) this.primaryIps.delete(pid);
  }

  private serverAction(s: ServerState, name: string, b: Obj): { status: number; body: unknown } {
    const sid = s.obj.id as number;
    const res = [{ id: sid, type: "server" }];
    this.lockCheck(s);
    const act = (command: string, work?: () => Promise<void> | void): { status: number; body: unknown } => ({
      status: 201,
      body: { action: this.action(command, res, work) },
    });
    switch (name) {
      case "poweron":
        return act("start_server", async () => {
          if (s.obj.status !== "running") await this.powerOn(s);
        });
      case "poweroff":
        return act("stop_server", () => this.powerOff(s));
      case "shutdown":
        return act("shutdown_server", () => this.powerOff(s));
      case "reboot":
      case "reset":
        return act(`${name === "reboot" ? "reboot" : "reset"}_server`, async () => {
          await this.powerOff(s);
          await this.powerOn(s);
        });
      case "enable_rescue": {
        for (const k of (b.ssh_keys as unknown[]) ?? [])
          this.byIdOrName(this.sshKeys.values(), k, "ssh_keys");
        s.rescueArmed = true;
        s.obj.rescue_enabled = true;
        return {
          status: 201,
          body: {
            root_password: randomBytes(9).toString("base64url"),
            action: this.action("enable_rescue", res),
          },
        };
      }
      case "disable_rescue":
        s.rescueArmed = false;
        s.obj.rescue_enabled = false;
        return act("disable_rescue");
      case "create_image": {
        const iid = this.takeId();
        const img: Obj = {
          id: iid,
          type: b.type ?? "snapshot",
          status: "creating",
          name: null,
          description: b.description ?? `${String(s.obj.name)}-${now()}`,
          image_size: null,
          disk_size: s.obj.primary_disk_size,
          created: now(),
          created_from: { id: sid, name: s.obj.name },
          bound_to: null,
          os_flavor:
            s.disk.kind === "talos" ? "unknown" : ((s.obj.image as Obj | null)?.os_flavor ?? "unknown"),
          os_version: null,
          rapid_deploy: false,
          protection: { delete: false },
          deprecated: null,
          deleted: null,
          labels: b.labels ?? {},
          architecture: (s.obj.server_type as Obj).architecture,
        };
        this.images.set(iid, { obj: img, disk: { ...s.disk } });
        const a = this.action("create_image", [...res, { id: iid, type: "image" }], () => {
          img.status = "available";
          img.image_size = 0.4;
        });
        return { status: 201, body: { image: img, action: a } };
      }
      case "rebuild": {
        const image = [...this.images.values()].find(
          (i) => i.obj.id === Number(b.image) || i.obj.name === b.image,
        );
        if (!image) invalid("image", "image not found");
        return {
          status: 201,
          body: {
            root_password: null,
            action: this.action("rebuild_server", res, () => void (s.disk = { ...image!.disk })),
          },
        };
      }
      case "attach_to_network": {
        const n = this.networks.get(Number(b.network)) ?? invalid("network", "network not found");
        this.attach(s, n!, b.ip as string | undefined, (b.alias_ips as string[]) ?? []);
        return {
          status: 201,
          body: {
            action: this.action("attach_to_network", [...res, { id: n!.id as number, type: "network" }]),
          },
        };
      }
      case "detach_from_network": {
        const nid = Number(b.network);
        s.obj.private_net = (s.obj.private_net as Obj[]).filter((x) => x.network !== nid);
        const n = this.networks.get(nid);
        if (n) n.servers = (n.servers as number[]).filter((x) => x !== sid);
        return act("detach_from_network");
      }
      case "add_to_placement_group": {
        if (s.obj.status !== "off")
          throw new ApiError(
            422,
            "server_not_stopped",
            "server must be stopped to change its placement group",
          );
        const g =
          this.placementGroups.get(Number(b.placement_group)) ??
          invalid("placement_group", "placement group not found");
        if ((g!.servers as number[]).length >= 10)
          throw new ApiError(422, "placement_error", "spread placement groups hold at most 10 servers");
        (g!.servers as number[]).push(sid);
        s.obj.placement_group = g!;
        return act("add_to_placement_group");
      }
      case "remove_from_placement_group":
        for (const g of this.placementGroups.values())
          g.servers = (g.servers as number[]).filter((x) => x !== sid);
        s.obj.placement_group = null;
        return act("remove_from_placement_group");
      case "change_protection":
        Object.assign(s.obj.protection as Obj, b);
        return act("change_protection");
      case "attach_iso":
        s.obj.iso = {
          id: 1,
          name: String(b.iso),
          description: String(b.iso),
          type: "public",
          deprecated: null,
          deprecation: null,
          architecture: "x86",
        };
        return act("attach_iso");
      case "detach_iso":
        s.obj.iso = null;
        return act("detach_iso");
      default:
        throw new ApiError(404, "not_found", `server action ${name} is not simulated by the fake`);
    }
  }

  /** The rescue system's shell, simulated: an Image Factory image piped to dd lands on the disk; poweroff stops it. */
  private async rescueExec(id: number, script: string): Promise<Obj> {
    const s = this.server(id);
    if (s.obj.status !== "running" || !s.inRescue)
      throw new Error(`server ${id} is not running the rescue system (connection refused)`);
    const url = /(https?:\/\/\S+?)['"]?\s*\|/.exec(script)?.[1];
    if (url && /dd\s+of=\/dev\/sda/.test(script)) {
      const version = /\/image\/[0-9a-f]{64}\/(v[^/]+)\/hcloud-(amd64|arm64)\.raw\.xz$/.exec(url);
      s.disk = version
        ? { kind: "talos", imageUrl: url, talosVersion: version[1]! }
        : { kind: "empty", imageUrl: url };
    }
    if (/\b(poweroff|shutdown)\b/.test(script)) await this.powerOff(s);
    return { disk: s.disk, status: s.obj.status };
  }

  // ---- the load balancers' data plane (simulated: a TCP proxy to the target servers' twin nodes) ------------

  /** Where a load balancer's targets' twin nodes listen now. */
  private lbTargets(id: number): string[] {
    const lb = this.loadBalancers.get(id);
    if (!lb) return [];
    const out: string[] = [];
    for (const t of lb.targets as Obj[]) {
      const servers =
        t.type === "label_selector"
          ? [...this.servers.values()].filter((x) =>
              compileSelector(String((t.label_selector as Obj).selector))(
                x.obj.labels as Record<string, string>,
              ),
            )
          : t.type === "server"
            ? [this.servers.get(Number((t.server as Obj).id))].filter((x): x is ServerState => !!x)
            : [];
      for (const x of servers) if (x.twinAt) out.push(x.twinAt);
    }
    return [...new Set(out)];
  }

  private async syncLb(): Promise<void> {
    if (!this.o.twin.enabled) return;
    await this.lbProxy.sync(
      [...this.loadBalancers.values()].map((lb) => ({
        id: lb.id as number,
        ips: [
          ((lb.public_net as Obj).ipv4 as Obj).ip as string,
          ...(lb.private_net as Obj[]).map((p) => String(p.ip)),
        ].filter((x) => x),
        services: (lb.services as Obj[]).map((x) => ({
          listen: Number(x.listen_port),
          destination: Number(x.destination_port),
        })),
      })),
    );
  }

  close(): void {
    this.lbProxy.close();
  }

  // ---- networks, firewalls, load balancers -------------------------------------------------------------------

  private createNetwork(b: Obj): { status: number; body: unknown } {
    this.uniqueName(this.networks.values(), b.name, "network");
    const range = String(b.ip_range);
    if (!/^(10\.|172\.(1[6-9]|2\d|3[01])\.|192\.168\.)/.test(range) || Number(range.split("/")[1]) > 24)
      invalid("ip_range", "ip_range must be an RFC 1918 network of at least /24");
    const n: Obj = {
      id: this.takeId(),
      name: b.name,
      ip_range: range,
      subnets: [],
      routes: b.routes ?? [],
      servers: [],
      load_balancers: [],
      labels: b.labels ?? {},
      protection: { delete: false },
      created: now(),
      expose_routes_to_vswitch: b.expose_routes_to_vswitch ?? false,
    };
    for (const sub of (b.subnets as Obj[]) ?? []) this.addSubnet(n, sub);
    this.networks.set(n.id as number, n);
    return { status: 201, body: { network: n } };
  }

  private addSubnet(n: Obj, sub: Obj): void {
    const range = String(sub.ip_range ?? "");
    if (range && !inCidr(range.split("/")[0]!, String(n.ip_range)))
      invalid("ip_range", "subnet must be inside the network's ip_range");
    const [base] = String(n.ip_range).split("/");
    (n.subnets as Obj[]).push({
      type: sub.type,
      ip_range: range || `${base}/24`,
      network_zone: sub.network_zone,
      gateway: intToIp(ipToInt(base!) + 1),
      vswitch_id: sub.vswitch_id ?? null,
    });
  }

  private networkAction(n: Obj, name: string, b: Obj): { status: number; body: unknown } {
    const res = [{ id: n.id as number, type: "network" }];
    if (name === "add_subnet") this.addSubnet(n, b);
    else if (name === "delete_subnet")
      n.subnets = (n.subnets as Obj[]).filter((x) => x.ip_range !== b.ip_range);
    else if (name === "add_route")
      (n.routes as Obj[]).push({ destination: b.destination, gateway: b.gateway });
    else if (name === "delete_route")
      n.routes = (n.routes as Obj[]).filter((r) => r.destination !== b.destination);
    else if (name === "change_ip_range") n.ip_range = b.ip_range;
    else if (name === "change_protection") Object.assign(n.protection as Obj, b);
    else throw new ApiError(404, "not_found", `network action ${name} is not simulated by the fake`);
    return { status: 201, body: { action: this.action(name, res) } };
  }

  private applyFirewall(f: Obj, target: Obj): Action {
    const applied = f.applied_to as Obj[];
    if (target.type === "server") {
      const sid = Number((target.server as Obj).id);
      const s = this.server(sid);
      if (applied.some((t) => t.type === "server" && (t.server as Obj).id === sid))
        throw new ApiError(422, "firewall_already_applied", "firewall is already applied to the server");
      applied.push({ type: "server", server: { id: sid } });
      ((s.obj.public_net as Obj).firewalls as Obj[]).push({ id: f.id, status: "applied" });
    } else {
      const selector = String((target.label_selector as Obj).selector);
      const m = compileSelector(selector);
      applied.push({
        type: "label_selector",
        label_selector: { selector },
        applied_to_resources: [...this.servers.values()]
          .filter((s) => m(s.obj.labels as Record<string, string>))
          .map((s) => ({ type: "server", server: { id: s.obj.id } })),
      });
    }
    return this.action("apply_firewall", [{ id: f.id as number, type: "firewall" }]);
  }

  private firewallAction(f: Obj, name: string, b: Obj): { status: number; body: unknown } {
    if (name === "set_rules") {
      f.rules = normaliseRules((b.rules as Obj[]) ?? []);
      return {
        status: 201,
        body: { actions: [this.action("set_firewall_rules", [{ id: f.id as number, type: "firewall" }])] },
      };
    }
    if (name === "apply_to_resources")
      return {
        status: 201,
        body: { actions: ((b.apply_to as Obj[]) ?? []).map((t) => this.applyFirewall(f, t)) },
      };
    if (name === "remove_from_resources") {
      const remove = (b.remove_from as Obj[]) ?? [];
      f.applied_to = (f.applied_to as Obj[]).filter(
        (t) =>
          !remove.some(
            (r) =>
              JSON.stringify(r.server ?? r.label_selector) === JSON.stringify(t.server ?? t.label_selector),
          ),
      );
      for (const r of remove)
        if (r.type === "server") {
          const s = this.servers.get(Number((r.server as Obj).id));
          if (s)
            (s.obj.public_net as Obj).firewalls = ((s.obj.public_net as Obj).firewalls as Obj[]).filter(
              (x) => x.id !== f.id,
            );
        }
      return {
        status: 201,
        body: { actions: [this.action("remove_firewall", [{ id: f.id as number, type: "firewall" }])] },
      };
    }
    throw new ApiError(404, "not_found", `firewall action ${name} is not simulated by the fake`);
  }

  private createLoadBalancer(b: Obj): { status: number; body: unknown } {
    this.uniqueName(this.loadBalancers.values(), b.name, "load balancer");
    const type = this.byIdOrName(loadBalancerTypes, b.load_balancer_type, "load_balancer_type");
    const loc =
      b.location !== undefined
        ? this.byIdOrName(locations, b.location, "location")
        : (locations.find((l) => l.network_zone === b.network_zone) ??
          invalid("location", "location or network_zone is required"));
    const lid = this.takeId();
    const lb: Obj = {
      id: lid,
      name: b.name,
      labels: b.labels ?? {},
      created: now(),
      load_balancer_type: type,
      location: loc,
      algorithm: b.algorithm ?? { type: "round_robin" },
      public_net: {
        enabled: b.public_interface !== false,
        ipv4: { ip: this.publicIp(), dns_ptr: null },
        ipv6: { ip: "2a01:4f8:1c1d::1", dns_ptr: null },
      },
      private_net: [],
      services: ((b.services as Obj[]) ?? []).map(normaliseService),
      targets: [],
      protection: { delete: false },
      outgoing_traffic: 0,
      ingoing_traffic: 0,
      included_traffic: 21990232555520,
    };
    this.loadBalancers.set(lid, lb);
    if (b.network !== undefined)
      this.lbAttach(
        lb,
        this.networks.get(Number(b.network)) ?? invalid("network", "network not found"),
        undefined,
      );
    for (const t of (b.targets as Obj[]) ?? []) (lb.targets as Obj[]).push(this.target(lb, t));
    return {
      status: 201,
      body: {
        load_balancer: lb,
        action: this.action("create_load_balancer", [{ id: lid, type: "load_balancer" }]),
      },
    };
  }

  private lbAttach(lb: Obj, n: Obj, ip: string | undefined): void {
    const subnet = (n.subnets as Obj[]).find((x) => x.network_zone === (lb.location as Obj).network_zone);
    if (!subnet)
      throw new ApiError(
        422,
        "no_subnet_available",
        "no subnet available in the network zone of the load balancer",
      );
    const [base] = String(subnet.ip_range).split("/");
    const chosen = ip ?? intToIp(ipToInt(base!) + 254 - (lb.private_net as Obj[]).length);
    (lb.private_net as Obj[]).push({ network: n.id, ip: chosen });
    n.load_balancers = [...((n.load_balancers as number[]) ?? []), lb.id as number];
  }

  private target(lb: Obj, t: Obj): Obj {
    if (t.use_private_ip && (lb.private_net as Obj[]).length === 0)
      throw new ApiError(
        422,
        "load_balancer_not_attached_to_network",
        "load balancer is not attached to a network",
      );
    if (t.type === "label_selector") {
      const selector = String((t.label_selector as Obj).selector);
      const m = compileSelector(selector);
      return {
        type: "label_selector",
        label_selector: { selector },
        use_private_ip: t.use_private_ip ?? false,
        targets: [...this.servers.values()]
          .filter((s) => m(s.obj.labels as Record<string, string>))
          .map((s) => ({
            type: "server",
            server: { id: s.obj.id },
            health_status: [],
            use_private_ip: t.use_private_ip ?? false,
          })),
      };
    }
    if (t.type === "server") this.server(Number((t.server as Obj).id));
    return { ...t, health_status: [] };
  }

  private lbAction(lb: Obj, name: string, b: Obj): { status: number; body: unknown } {
    const res = [{ id: lb.id as number, type: "load_balancer" }];
    switch (name) {
      case "add_service":
        if ((lb.services as Obj[]).some((s) => s.listen_port === b.listen_port))
          throw new ApiError(
            422,
            "source_port_already_used",
            `listen port ${String(b.listen_port)} is already used`,
          );
        (lb.services as Obj[]).push(normaliseService(b));
        break;
      case "update_service": {
        const s =
          (lb.services as Obj[]).find((x) => x.listen_port === b.listen_port) ??
          invalid("listen_port", "no service on that port");
        Object.assign(s!, normaliseService({ ...s, ...b }));
        break;
      }
      case "delete_service":
        lb.services = (lb.services as Obj[]).filter((x) => x.listen_port !== b.listen_port);
        break;
      case "add_target":
        if (
          (lb.targets as Obj[]).some(
            (x) =>
              JSON.stringify(x.label_selector ?? x.server) === JSON.stringify(b.label_selector ?? b.server),
          )
        )
          throw new ApiError(422, "target_already_defined", "target is already defined");
        (lb.targets as Obj[]).push(this.target(lb, b));
        break;
      case "remove_target":
        lb.targets = (lb.targets as Obj[]).filter(
          (x) =>
            JSON.stringify(x.label_selector ?? x.server) !== JSON.stringify(b.label_selector ?? b.server),
        );
        break;
      case "attach_to_network":
        this.lbAttach(
          lb,
          this.networks.get(Number(b.network)) ?? invalid("network", "network not found"),
          b.ip as string | undefined,
        );
        break;
      case "detach_from_network":
        lb.private_net = (lb.private_net as Obj[]).filter((x) => x.network !== Number(b.network));
        break;
      case "change_algorithm":
        lb.algorithm = { type: b.type };
        break;
      case "change_type":
        lb.load_balancer_type = this.byIdOrName(
          loadBalancerTypes,
          b.load_balancer_type,
          "load_balancer_type",
        );
        break;
      case "change_protection":
        Object.assign(lb.protection as Obj, b);
        break;
      case "enable_public_interface":
      case "disable_public_interface":
        (lb.public_net as Obj).enabled = name === "enable_public_interface";
        break;
      default:
        throw new ApiError(404, "not_found", `load balancer action ${name} is not simulated by the fake`);
    }
    return { status: 201, body: { action: this.action(name, res) } };
  }
}

function normaliseRules(rules: Obj[]): Obj[] {
  return rules.map((r) => ({
    direction: r.direction,
    protocol: r.protocol,
    port: r.port ?? null,
    source_ips: r.source_ips ?? [],
    destination_ips: r.destination_ips ?? [],
    description: r.description ?? null,
  }));
}

function normaliseService(s: Obj): Obj {
  const hc = (s.health_check ?? {}) as Obj;
  return {
    protocol: s.protocol,
    listen_port: s.listen_port ?? (s.protocol === "https" ? 443 : 80),
    destination_port: s.destination_port ?? s.listen_port ?? 80,
    proxyprotocol: s.proxyprotocol ?? false,
    health_check: {
      protocol: hc.protocol ?? "tcp",
      port: hc.port ?? s.destination_port ?? s.listen_port ?? 80,
      interval: hc.interval ?? 15,
      timeout: hc.timeout ?? 10,
      retries: hc.retries ?? 3,
      ...(hc.http ? { http: hc.http } : {}),
    },
    ...(s.http ? { http: s.http } : {}),
  };
}

function sortItems(items: Obj[], sorts: string[]): Obj[] {
  const out = [...items];
  const keys = sorts.length ? sorts : ["id"];
  out.sort((a, b) => {
    for (const s of keys) {
      const [field, dir] = s.split(":");
      const av = a[field!] as string | number;
      const bv = b[field!] as string | number;
      if (av === bv) continue;
      const cmp = av < bv ? -1 : 1;
      return dir === "desc" ? -cmp : cmp;
    }
    return 0;
  });
  return out;
}
