// A thin typed client for the Hetzner Cloud API: bearer token, HCLOUD_ENDPOINT (the hcloud CLI's convention) to
// point it elsewhere, JSON bodies, pagination, action polling, and the retry rules the API asks for: 429 with the
// RateLimit-* headers, 423 locked and 409 conflict retried with exponential backoff; other errors typed by code.
import { UserError } from "../../errors.js";
import {
  HetznerActionError,
  HetznerApiError,
  HetznerNetworkError,
  HetznerResourceUnavailableError,
  HetznerWaitTimeout,
  type HetznerErrorBody,
  type HetznerRequestInfo,
} from "./errors.js";

const DEFAULT_ENDPOINT = "https://api.hetzner.cloud/v1";

/** Time as the client sees it; tests inject a fake one so backoff and polling take no wall time. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export interface HetznerClientOptions {
  token: string;
  /** Base URL; default HCLOUD_ENDPOINT from `env`, else https://api.hetzner.cloud/v1. */
  endpoint?: string;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  clock?: Clock;
  /** Retries of 429/423/409 (and of GETs after network errors); default 5. */
  maxRetries?: number;
  /** Per request; default 30 s. */
  timeoutMs?: number;
  /** Action polling interval; default 500 ms (hcloud-go's). */
  pollIntervalMs?: number;
  userAgent?: string;
}

export type Method = "GET" | "POST" | "PUT" | "DELETE";
export type Query = Record<string, string | number | boolean | readonly (string | number)[] | undefined>;

export interface RateLimit {
  limit: number;
  remaining: number;
  /** UNIX seconds when the bucket is full again. */
  reset: number;
}

// ---- API objects (the fields cairn reads) ----------------------------------------------------------------------

export interface Action {
  id: number;
  command: string;
  status: "running" | "success" | "error";
  progress: number;
  started: string;
  finished: string | null;
  resources: { id: number; type: string }[];
  error: { code: string; message: string } | null;
}

export type Labels = Record<string, string>;

export interface ServerType {
  id: number;
  name: string;
  architecture: "x86" | "arm";
  cores: number;
  memory: number;
  disk: number;
  deprecated?: boolean | null;
  locations?: { id: number; name: string; deprecation?: unknown }[];
}

export interface Location {
  id: number;
  name: string;
  network_zone: string;
  city: string;
  country: string;
}

export interface Image {
  id: number;
  type: "system" | "app" | "snapshot" | "backup" | "temporary";
  status: "available" | "creating" | "unavailable";
  name: string | null;
  description: string;
  architecture: "x86" | "arm";
  labels: Labels;
  created_from: { id: number; name: string } | null;
  image_size: number | null;
}

export interface Server {
  id: number;
  name: string;
  status:
    | "initializing"
    | "starting"
    | "running"
    | "stopping"
    | "off"
    | "deleting"
    | "migrating"
    | "rebuilding"
    | "unknown";
  created: string;
  labels: Labels;
  server_type: ServerType;
  location: Location;
  image: Image | null;
  public_net: {
    ipv4: { id?: number; ip: string } | null;
    ipv6: { id?: number; ip: string } | null;
    firewalls: { id: number; status: string }[];
  };
  private_net: { network: number; ip: string; alias_ips: string[]; mac_address: string }[];
  placement_group: PlacementGroup | null;
  rescue_enabled: boolean;
  locked: boolean;
  protection: { delete: boolean; rebuild: boolean };
}

export interface Network {
  id: number;
  name: string;
  ip_range: string;
  subnets: { type: string; ip_range: string; network_zone: string; gateway: string }[];
  servers: number[];
  load_balancers?: number[];
  labels: Labels;
}

export interface FirewallRule {
  direction: "in" | "out";
  protocol: "tcp" | "udp" | "icmp" | "esp" | "gre";
  port?: string | null;
  source_ips?: string[];
  destination_ips?: string[];
  description?: string | null;
}

export interface Firewall {
  id: number;
  name: string;
  labels: Labels;
  rules: FirewallRule[];
  applied_to: unknown[];
}

export interface PlacementGroup {
  id: number;
  name: string;
  type: "spread";
  servers: number[];
  labels: Labels;
}

export interface LoadBalancer {
  id: number;
  name: string;
  labels: Labels;
  public_net: { enabled: boolean; ipv4: { ip: string | null }; ipv6: { ip: string | null } };
  private_net: { network: number; ip: string }[];
  services: unknown[];
  targets: unknown[];
  location: Location;
  load_balancer_type: { name: string };
}

export interface FloatingIp {
  id: number;
  name: string;
  ip: string;
  type: "ipv4" | "ipv6";
  server: number | null;
  labels: Labels;
  home_location: Location;
}

export interface SshKey {
  id: number;
  name: string;
  fingerprint: string;
  public_key: string;
  labels: Labels;
}

export interface CreateServerResult {
  server: Server;
  action: Action;
  next_actions: Action[];
  root_password: string | null;
}

export interface WaitOptions {
  timeoutMs?: number;
  onProgress?: (actions: Action[]) => void;
}

interface PaginationMeta {
  pagination?: {
    page: number;
    per_page: number;
    next_page: number | null;
    last_page?: number | null;
    total_entries?: number | null;
  };
}

// ---- endpoint and token ----------------------------------------------------------------------------------------

const isLoopback = (host: string): boolean =>
  host === "localhost" || host === "[::1]" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * The API base URL: `explicit`, else HCLOUD_ENDPOINT, else the public API. Plain http is accepted only on loopback
 * (a local fake or proxy); anywhere else the token would travel unencrypted.
 */
export function hetznerEndpoint(env: NodeJS.ProcessEnv = process.env, explicit?: string): string {
  const raw = explicit ?? env.HCLOUD_ENDPOINT ?? DEFAULT_ENDPOINT;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`HCLOUD_ENDPOINT "${raw}" is not a URL`, { hint: `e.g. ${DEFAULT_ENDPOINT}` });
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname)))
    throw new UserError(`Hetzner endpoint ${raw} must use https`, {
      hint: "plain http is only accepted for a loopback address (a local test server)",
    });
  return raw.replace(/\/+$/, "");
}

/** The token from `env[name]`; a UserError naming the variable (never a value) when it is unset or empty. */
export function hetznerToken(env: NodeJS.ProcessEnv = process.env, name = "HCLOUD_TOKEN"): string {
  const token = env[name]?.trim();
  if (!token)
    throw new UserError(`the Hetzner Cloud token variable ${name} is not set`, {
      hint: `create a Read & Write API token in the Hetzner Console (project → Security → API tokens) and export ${name}`,
    });
  return token;
}

function encodeQuery(query: Query | undefined): string {
  if (!query) return "";
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) out.append(k, String(item));
    else out.append(k, String(v));
  }
  const s = out.toString();
  return s ? `?${s}` : "";
}

const RETRY_CODES = new Set(["rate_limit_exceeded", "locked", "resource_locked", "conflict"]);

export class HetznerClient {
  readonly endpoint: string;
  /** The RateLimit-* headers of the last answer. */
  rateLimit: RateLimit | undefined;
  /** Requests sent (including retries): the benchmark's "API calls per node". */
  requests = 0;
  private readonly token: string;
  private readonly fetchFn: typeof fetch;
  private readonly clock: Clock;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly userAgent: string;

  constructor(options: HetznerClientOptions) {
    if (!options.token) throw new UserError("the Hetzner Cloud token is empty");
    this.token = options.token;
    this.endpoint = hetznerEndpoint(options.env ?? process.env, options.endpoint);
    this.fetchFn = options.fetch ?? fetch;
    this.clock = options.clock ?? systemClock;
    this.maxRetries = options.maxRetries ?? 5;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.userAgent = options.userAgent ?? "cairn";
  }

  /** Exponential backoff, 1 s doubling, capped at 60 s (the official Go client's policy). */
  private backoff(attempt: number): number {
    return Math.min(60_000, 1000 * 2 ** attempt);
  }

  async request<T>(
    method: Method,
    path: string,
    options: { query?: Query; body?: unknown } = {},
  ): Promise<T> {
    const info: HetznerRequestInfo = { method, path };
    const url = `${this.endpoint}${path}${encodeQuery(options.query)}`;
    for (let attempt = 0; ; attempt++) {
      // The bucket refills one request per second: with none left, wait for one rather than collect a 429.
      // (A retry has just waited already.)
      if (attempt === 0 && this.rateLimit && this.rateLimit.remaining <= 0) await this.clock.sleep(1000);
      let res: Response;
      this.requests++;
      try {
        res = await this.fetchFn(url, {
          method,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: "application/json",
            "user-agent": this.userAgent,
            ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
          },
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (e) {
        const timedOut = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
        if (method === "GET" && attempt < this.maxRetries) {
          await this.clock.sleep(this.backoff(attempt));
          continue;
        }
        throw new HetznerNetworkError(
          `Hetzner Cloud ${method} ${path}: ${timedOut ? `no answer in ${this.timeoutMs} ms` : e instanceof Error ? e.message : String(e)}`,
          info,
          timedOut,
          e,
        );
      }
      this.readRateLimit(res.headers);
      const text = await res.text();
      let json: unknown = undefined;
      if (text.trim() !== "") {
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
      }
      if (res.ok) return (json ?? {}) as T;
      const body = errorBody(json, res.status, res.statusText);
      const retryable =
        RETRY_CODES.has(body.code) ||
        res.status === 429 ||
        res.status === 423 ||
        (method === "GET" && (res.status === 502 || res.status === 503 || res.status === 504));
      if (retryable && attempt < this.maxRetries) {
        await this.clock.sleep(this.retryDelay(res, attempt));
        continue;
      }
      throw this.toError(res.status, body, info, options.body);
    }
  }

  private retryDelay(res: Response, attempt: number): number {
    const retryAfter = Number(res.headers.get("retry-after"));
    if (Number.isFinite(retryAfter) && retryAfter > 0) return retryAfter * 1000;
    return this.backoff(attempt);
  }

  private readRateLimit(h: Headers): void {
    const limit = Number(h.get("ratelimit-limit"));
    const remaining = Number(h.get("ratelimit-remaining"));
    const reset = Number(h.get("ratelimit-reset"));
    if (h.get("ratelimit-remaining") !== null && Number.isFinite(remaining))
      this.rateLimit = {
        limit: Number.isFinite(limit) ? limit : 0,
        remaining,
        reset: Number.isFinite(reset) ? reset : 0,
      };
  }

  private toError(
    status: number,
    body: HetznerErrorBody,
    info: HetznerRequestInfo,
    sent: unknown,
  ): HetznerApiError {
    if (body.code === "resource_unavailable") {
      const b = (sent ?? {}) as { server_type?: unknown; location?: unknown; datacenter?: unknown };
      const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));
      return new HetznerResourceUnavailableError(
        status,
        body,
        info,
        str(b.server_type),
        str(b.location ?? b.datacenter),
      );
    }
    return new HetznerApiError(status, body, info);
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", path, query ? { query } : {});
  }
  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>("POST", path, { body });
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", path, { body });
  }
  delete<T>(path: string): Promise<T> {
    return this.request<T>("DELETE", path);
  }

  /** Every page of a list endpoint (per_page 50, the maximum), following meta.pagination.next_page. */
  async list<T>(path: string, key: string, query: Query = {}): Promise<T[]> {
    const out: T[] = [];
    let page: number | null = 1;
    for (let guard = 0; page !== null && guard < 10_000; guard++) {
      const res: Record<string, unknown> & { meta?: PaginationMeta } = await this.get(path, {
        ...query,
        page,
        per_page: 50,
      });
      const items = res[key];
      if (Array.isArray(items)) out.push(...(items as T[]));
      page = res.meta?.pagination?.next_page ?? null;
    }
    return out;
  }

  // ---- actions ---------------------------------------------------------------------------------------------

  /**
   * Polls actions until none is running (GET /actions?id=…, 25 ids per request). Throws HetznerActionError for the
   * first that ended in error, HetznerWaitTimeout after `timeoutMs` (default 10 min).
   */
  async waitActions(actions: readonly (Action | number)[], options: WaitOptions = {}): Promise<Action[]> {
    const ids = [...new Set(actions.map((a) => (typeof a === "number" ? a : a.id)))];
    const done = new Map<number, Action>();
    for (const a of actions) if (typeof a !== "number" && a.status !== "running") done.set(a.id, a);
    const timeoutMs = options.timeoutMs ?? 600_000;
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      for (const a of done.values())
        if (a.status === "error")
          throw new HetznerActionError(
            a.id,
            a.command,
            a.error?.code ?? "error",
            a.error?.message ?? "failed",
            a.resources.map((r) => `${r.type} ${r.id}`).join(", "),
          );
      const pending = ids.filter((id) => !done.has(id));
      if (pending.length === 0) return ids.map((id) => done.get(id)!);
      for (let i = 0; i < pending.length; i += 25) {
        const res = await this.get<{ actions: Action[] }>("/actions", { id: pending.slice(i, i + 25) });
        for (const a of res.actions ?? []) if (a.status !== "running") done.set(a.id, a);
        options.onProgress?.(res.actions ?? []);
      }
      if (ids.every((id) => done.has(id))) continue;
      if (this.clock.now() >= deadline)
        throw new HetznerWaitTimeout(`actions ${pending.join(", ")}`, timeoutMs);
      await this.clock.sleep(this.pollIntervalMs);
    }
  }

  async waitAction(action: Action | number, options: WaitOptions = {}): Promise<Action> {
    return (await this.waitActions([action], options))[0]!;
  }

  // ---- catalogue -------------------------------------------------------------------------------------------

  serverTypes(query: { name?: string } = {}): Promise<ServerType[]> {
    return this.list<ServerType>("/server_types", "server_types", query);
  }
  locations(query: { name?: string } = {}): Promise<Location[]> {
    return this.list<Location>("/locations", "locations", query);
  }
  images(
    query: {
      type?: Image["type"] | Image["type"][];
      label_selector?: string;
      architecture?: "x86" | "arm";
      status?: string;
      name?: string;
    } = {},
  ): Promise<Image[]> {
    return this.list<Image>("/images", "images", query);
  }
  async image(id: number): Promise<Image> {
    return (await this.get<{ image: Image }>(`/images/${id}`)).image;
  }
  async deleteImage(id: number): Promise<void> {
    await this.delete(`/images/${id}`);
  }

  // ---- servers ---------------------------------------------------------------------------------------------

  servers(
    query: { label_selector?: string; name?: string; status?: Server["status"][] } = {},
  ): Promise<Server[]> {
    return this.list<Server>("/servers", "servers", query);
  }
  async server(id: number): Promise<Server> {
    return (await this.get<{ server: Server }>(`/servers/${id}`)).server;
  }
  createServer(body: {
    name: string;
    server_type: string;
    image: string | number;
    location?: string;
    start_after_create?: boolean;
    user_data?: string;
    labels?: Labels;
    ssh_keys?: (string | number)[];
    networks?: number[];
    firewalls?: { firewall: number }[];
    placement_group?: number;
    public_net?: { enable_ipv4?: boolean; enable_ipv6?: boolean; ipv4?: number | null; ipv6?: number | null };
  }): Promise<CreateServerResult> {
    return this.post<CreateServerResult>("/servers", body);
  }
  async deleteServer(id: number): Promise<Action> {
    return (await this.delete<{ action: Action }>(`/servers/${id}`)).action;
  }
  /** POST /servers/{id}/actions/{name}: poweron, poweroff, shutdown, attach_to_network, enable_rescue, … */
  serverAction<R extends { action: Action } = { action: Action }>(
    id: number,
    name: string,
    body: unknown = {},
  ): Promise<R> {
    return this.post<R>(`/servers/${id}/actions/${name}`, body);
  }
  async updateServer(id: number, body: { name?: string; labels?: Labels }): Promise<Server> {
    return (await this.put<{ server: Server }>(`/servers/${id}`, body)).server;
  }

  // ---- networks, firewalls, placement groups, load balancers, floating IPs, ssh keys -----------------------------

  networks(query: { label_selector?: string; name?: string } = {}): Promise<Network[]> {
    return this.list<Network>("/networks", "networks", query);
  }
  async createNetwork(body: {
    name: string;
    ip_range: string;
    subnets?: { type: "cloud" | "server" | "vswitch"; network_zone: string; ip_range?: string }[];
    labels?: Labels;
  }): Promise<Network> {
    return (await this.post<{ network: Network }>("/networks", body)).network;
  }
  async deleteNetwork(id: number): Promise<void> {
    await this.delete(`/networks/${id}`);
  }
  networkAction(id: number, name: string, body: unknown): Promise<{ action: Action }> {
    return this.post(`/networks/${id}/actions/${name}`, body);
  }

  firewalls(query: { label_selector?: string; name?: string } = {}): Promise<Firewall[]> {
    return this.list<Firewall>("/firewalls", "firewalls", query);
  }
  createFirewall(body: {
    name: string;
    rules?: FirewallRule[];
    labels?: Labels;
    apply_to?: unknown[];
  }): Promise<{ firewall: Firewall; actions: Action[] }> {
    return this.post("/firewalls", body);
  }
  async deleteFirewall(id: number): Promise<void> {
    await this.delete(`/firewalls/${id}`);
  }
  firewallAction(id: number, name: string, body: unknown): Promise<{ actions: Action[] }> {
    return this.post(`/firewalls/${id}/actions/${name}`, body);
  }

  placementGroups(query: { label_selector?: string; name?: string } = {}): Promise<PlacementGroup[]> {
    return this.list<PlacementGroup>("/placement_groups", "placement_groups", query);
  }
  async createPlacementGroup(body: {
    name: string;
    type: "spread";
    labels?: Labels;
  }): Promise<PlacementGroup> {
    return (await this.post<{ placement_group: PlacementGroup }>("/placement_groups", body)).placement_group;
  }
  async deletePlacementGroup(id: number): Promise<void> {
    await this.delete(`/placement_groups/${id}`);
  }

  loadBalancers(query: { label_selector?: string; name?: string } = {}): Promise<LoadBalancer[]> {
    return this.list<LoadBalancer>("/load_balancers", "load_balancers", query);
  }
  createLoadBalancer(
    body: Record<string, unknown> & { name: string; load_balancer_type: string },
  ): Promise<{ load_balancer: LoadBalancer; action: Action }> {
    return this.post("/load_balancers", body);
  }
  async deleteLoadBalancer(id: number): Promise<void> {
    await this.delete(`/load_balancers/${id}`);
  }
  loadBalancerAction(id: number, name: string, body: unknown): Promise<{ action: Action }> {
    return this.post(`/load_balancers/${id}/actions/${name}`, body);
  }

  floatingIps(query: { label_selector?: string; name?: string } = {}): Promise<FloatingIp[]> {
    return this.list<FloatingIp>("/floating_ips", "floating_ips", query);
  }
  createFloatingIp(body: {
    type: "ipv4" | "ipv6";
    name?: string;
    home_location?: string;
    server?: number;
    description?: string;
    labels?: Labels;
  }): Promise<{ floating_ip: FloatingIp; action: Action | null }> {
    return this.post("/floating_ips", body);
  }
  async deleteFloatingIp(id: number): Promise<void> {
    await this.delete(`/floating_ips/${id}`);
  }
  floatingIpAction(id: number, name: string, body: unknown): Promise<{ action: Action }> {
    return this.post(`/floating_ips/${id}/actions/${name}`, body);
  }

  sshKeys(query: { label_selector?: string; name?: string } = {}): Promise<SshKey[]> {
    return this.list<SshKey>("/ssh_keys", "ssh_keys", query);
  }
  async createSshKey(body: { name: string; public_key: string; labels?: Labels }): Promise<SshKey> {
    return (await this.post<{ ssh_key: SshKey }>("/ssh_keys", body)).ssh_key;
  }
  async deleteSshKey(id: number): Promise<void> {
    await this.delete(`/ssh_keys/${id}`);
  }
}

function errorBody(json: unknown, status: number, statusText: string): HetznerErrorBody {
  const e = (json as { error?: Partial<HetznerErrorBody> } | undefined)?.error;
  if (e && typeof e.code === "string")
    return {
      code: e.code,
      message: typeof e.message === "string" ? e.message : statusText,
      details: (e.details as Record<string, unknown> | null) ?? null,
    };
  // A proxy or load balancer answered, not the API: keep the status as the code.
  const code = status === 429 ? "rate_limit_exceeded" : status === 423 ? "locked" : `http_${status}`;
  return { code, message: statusText || `HTTP ${status}`, details: null };
}
