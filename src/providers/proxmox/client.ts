// A thin typed client for the Proxmox VE API (https://HOST:8006/api2/json): API-token auth, verified TLS (tls.ts),
// form-encoded bodies, lenient reading of PVE's stringly values, typed errors, and UPID task polling. It holds no
// cairn logic: what to create is decided by the provider's plan; this only speaks the API.
import { request as httpsRequest } from "node:https";
import { UserError } from "../../errors.js";
import {
  ProxmoxApiError,
  ProxmoxAuthError,
  ProxmoxError,
  ProxmoxNetworkError,
  ProxmoxPermissionError,
  ProxmoxTaskError,
  ProxmoxWaitTimeout,
  type ProxmoxRequestInfo,
} from "./errors.js";
import { encodeForm, encodeMultipart, type Params } from "./http.js";
import { pveBool, pveInt, pveNumber, pveString } from "./lenient.js";
import { ProxmoxAgent, type ProxmoxTrust } from "./tls.js";
import { parseUpid, taskSucceeded } from "./upid.js";

/** Time as the client sees it; tests inject a fake one so waits take no wall time. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

interface ProxmoxToken {
  /** USER@REALM!TOKENID, e.g. cairn@pve!apply. */
  id: string;
  secret: string;
}

export interface ProxmoxClientOptions {
  /** https://HOST[:8006]; a path, if any, is ignored (the API lives under /api2/json). */
  endpoint: string;
  token: ProxmoxToken;
  trust: ProxmoxTrust;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** Retries of idempotent GETs after a connection failure (default 2). */
  retries?: number;
  clock?: Clock;
}

export type Method = "GET" | "POST" | "PUT" | "DELETE";

// ---- what the API returns, read leniently -------------------------------------------------------------------

export interface PveVersion {
  version: string;
  release: string;
  repoid: string;
  /** Major version as a number (8, 9): HA groups vs rules, import content. */
  major: number;
  minor: number;
}

export interface PveNode {
  node: string;
  status: "online" | "offline" | "unknown";
  maxcpu: number | undefined;
  maxmem: number | undefined;
  sslFingerprint: string | undefined;
}

export interface PveClusterResource {
  id: string;
  type: string;
  node: string | undefined;
  vmid: number | undefined;
  name: string | undefined;
  status: string | undefined;
  tags: string;
  template: boolean;
  hastate: string | undefined;
  lock: string | undefined;
  storage: string | undefined;
  content: string | undefined;
}

export interface PveVmSummary {
  vmid: number;
  name: string | undefined;
  status: string;
  tags: string;
  template: boolean;
  lock: string | undefined;
}

export interface PveVmStatus {
  status: "running" | "stopped" | string;
  qmpstatus: string | undefined;
  name: string | undefined;
  lock: string | undefined;
  tags: string;
  haManaged: boolean;
  uptime: number | undefined;
}

/** A VM config as PVE returns it: every value as a string (numbers and booleans stringified), plus the digest. */
export interface PveVmConfig {
  digest: string | undefined;
  values: Record<string, string>;
}

export interface PveTaskStatus {
  upid: string;
  node: string;
  status: "running" | "stopped";
  exitstatus: string | undefined;
  type: string;
  id: string;
  user: string;
}

export interface PveStorage {
  storage: string;
  type: string;
  content: string[];
  active: boolean;
  enabled: boolean;
  shared: boolean;
  avail: number | undefined;
}

export interface PveVolume {
  volid: string;
  content: string;
  format: string | undefined;
  size: number | undefined;
  ctime: number | undefined;
  vmid: number | undefined;
}

export interface PveHaResource {
  sid: string;
  state: string | undefined;
  group: string | undefined;
  comment: string | undefined;
}

export interface PveTaskLogLine {
  n: number;
  t: string;
}

export interface WaitOptions {
  timeoutMs?: number;
  /** First poll interval; doubles up to 2 s. */
  intervalMs?: number;
  onPoll?: (status: PveTaskStatus) => void;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const TOKEN_ID_RE = /^[^\s@!:=]+@[A-Za-z][A-Za-z0-9.\-_]*![A-Za-z][A-Za-z0-9.\-_]*$/;

/** Path segment encoder: UPIDs and volume ids contain ':' and '/', which must not split the path. */
const seg = (s: string | number): string => encodeURIComponent(String(s));

export class ProxmoxClient {
  readonly endpoint: URL;
  private readonly authorization: string;
  private readonly agent: ProxmoxAgent;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly clock: Clock;

  constructor(options: ProxmoxClientOptions) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      throw new UserError(`Proxmox endpoint "${options.endpoint}" is not a URL`, {
        hint: "write it as https://HOST:8006",
      });
    }
    if (url.protocol !== "https:")
      throw new UserError(`Proxmox endpoint ${options.endpoint} must use https`, {
        hint: "PVE's API is served by pveproxy on https://HOST:8006",
      });
    if (!TOKEN_ID_RE.test(options.token.id))
      throw new UserError(`Proxmox API token id "${options.token.id}" is not USER@REALM!TOKENID`, {
        hint: "e.g. cairn@pve!apply (Datacenter → Permissions → API Tokens)",
      });
    if (!options.token.secret) throw new UserError("the Proxmox API token secret is empty");
    this.endpoint = new URL(`${url.protocol}//${url.host}`);
    if (!url.port) this.endpoint.port = "8006";
    this.authorization = `PVEAPIToken=${options.token.id}=${options.token.secret}`;
    this.agent = new ProxmoxAgent(options.trust);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 2;
    this.clock = options.clock ?? systemClock;
  }

  /** Closes kept-alive connections (call when done so the process can exit). */
  close(): void {
    this.agent.destroy();
  }

  // ---- transport --------------------------------------------------------------------------------------------

  /** One API call; returns `data`. GET/DELETE put params in the query, POST/PUT in a form body. */
  async request<T = unknown>(method: Method, path: string, params?: Params): Promise<T> {
    const form = encodeForm(params);
    const hasBody = method === "POST" || method === "PUT";
    return this.send<T>(method, path, {
      query: hasBody ? "" : form,
      body: hasBody ? Buffer.from(form) : undefined,
      contentType: hasBody ? "application/x-www-form-urlencoded" : undefined,
    });
  }

  private async send<T>(
    method: Method,
    path: string,
    req: { query: string; body: Buffer | undefined; contentType: string | undefined },
  ): Promise<T> {
    const info: ProxmoxRequestInfo = { method, path };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(info, req);
      } catch (e) {
        const retryable = method === "GET" && e instanceof ProxmoxNetworkError && attempt < this.retries;
        if (!retryable) throw e;
        await this.clock.sleep(500 * 2 ** attempt);
      }
    }
  }

  private once<T>(
    info: ProxmoxRequestInfo,
    req: { query: string; body: Buffer | undefined; contentType: string | undefined },
  ): Promise<T> {
    const headers: Record<string, string | number> = {
      authorization: this.authorization,
      accept: "application/json",
    };
    if (req.body) {
      headers["content-type"] = req.contentType ?? "application/x-www-form-urlencoded";
      headers["content-length"] = req.body.length;
    }
    return new Promise<T>((resolve, reject) => {
      const r = httpsRequest(
        {
          protocol: "https:",
          hostname: this.endpoint.hostname,
          port: this.endpoint.port,
          method: info.method,
          path: `/api2/json${info.path}${req.query ? `?${req.query}` : ""}`,
          headers,
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (e) =>
            reject(
              new ProxmoxNetworkError(`Proxmox VE ${info.method} ${info.path}: ${e.message}`, info, false, e),
            ),
          );
          res.on("end", () => {
            try {
              resolve(
                this.answer<T>(info, res.statusCode ?? 0, res.statusMessage ?? "", Buffer.concat(chunks)),
              );
            } catch (e) {
              reject(e);
            }
          });
        },
      );
      r.setTimeout(this.timeoutMs, () =>
        r.destroy(
          new ProxmoxNetworkError(
            `Proxmox VE ${info.method} ${info.path}: no answer in ${this.timeoutMs} ms`,
            info,
            true,
          ),
        ),
      );
      r.on("error", (e) => {
        if (e instanceof ProxmoxError) return reject(e);
        reject(
          new ProxmoxNetworkError(`Proxmox VE ${info.method} ${info.path}: ${e.message}`, info, false, e),
        );
      });
      r.end(req.body);
    });
  }

  private answer<T>(info: ProxmoxRequestInfo, status: number, reason: string, raw: Buffer): T {
    let body: Obj = {};
    const text = raw.toString("utf8");
    if (text.trim() !== "") {
      try {
        body = obj(JSON.parse(text));
      } catch {
        if (status >= 200 && status < 300)
          throw new ProxmoxApiError(
            status,
            "answer is not JSON",
            {},
            info,
            "is the endpoint a Proxmox VE node (port 8006)?",
          );
      }
    }
    if (status >= 200 && status < 300) return body.data as T;
    // Since libpve-http-server-perl 5.2 the message is also in the body; before, only in the reason phrase.
    const message = (typeof body.message === "string" ? body.message : reason).trim() || reason;
    if (status === 401) throw new ProxmoxAuthError(message, info);
    if (status === 403) throw new ProxmoxPermissionError(message, info);
    const errors: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj(body.errors))) errors[k] = String(v).trim();
    const hint =
      status === 501 && /not implemented|no such/i.test(message)
        ? "this PVE version does not offer that call; cairn supports Proxmox VE 8.x and 9.x"
        : undefined;
    throw new ProxmoxApiError(status, message, errors, info, hint);
  }

  get<T = unknown>(path: string, params?: Params): Promise<T> {
    return this.request<T>("GET", path, params);
  }
  post<T = unknown>(path: string, params?: Params): Promise<T> {
    return this.request<T>("POST", path, params);
  }
  put<T = unknown>(path: string, params?: Params): Promise<T> {
    return this.request<T>("PUT", path, params);
  }
  delete<T = unknown>(path: string, params?: Params): Promise<T> {
    return this.request<T>("DELETE", path, params);
  }

  // ---- cluster and nodes ------------------------------------------------------------------------------------

  async version(): Promise<PveVersion> {
    const v = obj(await this.get("/version"));
    const version = pveString(v.version) ?? "";
    const [major, minor] = version.split(".").map((n) => Number.parseInt(n, 10));
    return {
      version,
      release: pveString(v.release) ?? "",
      repoid: pveString(v.repoid) ?? "",
      major: major ?? 0,
      minor: minor ?? 0,
    };
  }

  async nodes(): Promise<PveNode[]> {
    return arr(await this.get("/nodes")).map((n) => ({
      node: pveString(n.node) ?? "",
      status: (pveString(n.status) ?? "unknown") as PveNode["status"],
      maxcpu: pveInt(n.maxcpu),
      maxmem: pveInt(n.maxmem),
      sslFingerprint: pveString(n.ssl_fingerprint),
    }));
  }

  /** The next free VMID (PVE returns it as a string); with `vmid`, that id if free, else a 400 "already exists". */
  async nextId(vmid?: number): Promise<number> {
    const raw = await this.get("/cluster/nextid", vmid === undefined ? {} : { vmid });
    const n = pveInt(raw);
    if (n === undefined)
      throw new ProxmoxApiError(
        200,
        `unexpected nextid answer ${JSON.stringify(raw)}`,
        {},
        { method: "GET", path: "/cluster/nextid" },
      );
    return n;
  }

  async clusterResources(type?: "vm" | "storage" | "node" | "sdn" | "pool"): Promise<PveClusterResource[]> {
    return arr(await this.get("/cluster/resources", type ? { type } : {})).map((r) => ({
      id: pveString(r.id) ?? "",
      type: pveString(r.type) ?? "",
      node: pveString(r.node),
      vmid: pveInt(r.vmid),
      name: pveString(r.name),
      status: pveString(r.status),
      tags: pveString(r.tags) ?? "",
      template: pveBool(r.template) ?? false,
      hastate: pveString(r.hastate),
      lock: pveString(r.lock),
      storage: pveString(r.storage),
      content: pveString(r.content),
    }));
  }

  // ---- VMs --------------------------------------------------------------------------------------------------

  async listVms(node: string): Promise<PveVmSummary[]> {
    return arr(await this.get(`/nodes/${seg(node)}/qemu`)).map((v) => ({
      vmid: pveInt(v.vmid) ?? 0,
      name: pveString(v.name),
      status: pveString(v.status) ?? "unknown",
      tags: pveString(v.tags) ?? "",
      template: pveBool(v.template) ?? false,
      lock: pveString(v.lock),
    }));
  }

  /** POST /nodes/{node}/qemu: returns the qmcreate task's UPID (the config exists, locked, before the task runs). */
  createVm(node: string, params: Params & { vmid: number }): Promise<string> {
    return this.post<string>(`/nodes/${seg(node)}/qemu`, params);
  }

  async vmConfig(node: string, vmid: number, options: { current?: boolean } = {}): Promise<PveVmConfig> {
    const raw = obj(
      await this.get(`/nodes/${seg(node)}/qemu/${vmid}/config`, options.current ? { current: true } : {}),
    );
    const values: Record<string, string> = {};
    let digest: string | undefined;
    for (const [k, v] of Object.entries(raw)) {
      if (k === "digest") digest = pveString(v);
      else {
        const s = pveString(v);
        if (s !== undefined) values[k] = s;
      }
    }
    return { digest, values };
  }

  /** POST …/config (async): a UPID, or null when PVE finished within its background delay. */
  updateVmConfig(node: string, vmid: number, params: Params): Promise<string | null> {
    return this.post<string | null>(`/nodes/${seg(node)}/qemu/${vmid}/config`, params);
  }

  /** PUT …/resize: grow `disk` to `size` ("32G") or by "+10G". A UPID since PVE 8.0 (null before). */
  resizeDisk(node: string, vmid: number, disk: string, size: string): Promise<string | null> {
    return this.put<string | null>(`/nodes/${seg(node)}/qemu/${vmid}/resize`, { disk, size });
  }

  async vmStatus(node: string, vmid: number): Promise<PveVmStatus> {
    const s = obj(await this.get(`/nodes/${seg(node)}/qemu/${vmid}/status/current`));
    return {
      status: pveString(s.status) ?? "unknown",
      qmpstatus: pveString(s.qmpstatus),
      name: pveString(s.name),
      lock: pveString(s.lock),
      tags: pveString(s.tags) ?? "",
      haManaged: pveBool(obj(s.ha).managed) ?? false,
      uptime: pveInt(s.uptime),
    };
  }

  startVm(node: string, vmid: number): Promise<string> {
    return this.post<string>(`/nodes/${seg(node)}/qemu/${vmid}/status/start`);
  }

  /** Hard stop (power off). */
  stopVm(node: string, vmid: number, options: { overruleShutdown?: boolean } = {}): Promise<string> {
    return this.post<string>(
      `/nodes/${seg(node)}/qemu/${vmid}/status/stop`,
      options.overruleShutdown ? { "overrule-shutdown": true } : {},
    );
  }

  /** ACPI shutdown, forced off after `timeout` seconds when forceStop. */
  shutdownVm(
    node: string,
    vmid: number,
    options: { timeout?: number; forceStop?: boolean } = {},
  ): Promise<string> {
    return this.post<string>(`/nodes/${seg(node)}/qemu/${vmid}/status/shutdown`, {
      timeout: options.timeout,
      forceStop: options.forceStop,
    });
  }

  rebootVm(node: string, vmid: number): Promise<string> {
    return this.post<string>(`/nodes/${seg(node)}/qemu/${vmid}/status/reboot`);
  }

  /** DELETE the VM (must be stopped); purge also removes it from HA, backup jobs and replication. */
  deleteVm(
    node: string,
    vmid: number,
    options: { purge?: boolean; destroyUnreferencedDisks?: boolean } = {
      purge: true,
      destroyUnreferencedDisks: true,
    },
  ): Promise<string> {
    return this.delete<string>(`/nodes/${seg(node)}/qemu/${vmid}`, {
      purge: options.purge,
      "destroy-unreferenced-disks": options.destroyUnreferencedDisks,
    });
  }

  // ---- storage ----------------------------------------------------------------------------------------------

  async storages(node: string, options: { content?: string; enabled?: boolean } = {}): Promise<PveStorage[]> {
    return arr(
      await this.get(`/nodes/${seg(node)}/storage`, { content: options.content, enabled: options.enabled }),
    ).map((s) => ({
      storage: pveString(s.storage) ?? "",
      type: pveString(s.type) ?? "",
      content: (pveString(s.content) ?? "").split(",").filter((c) => c !== ""),
      active: pveBool(s.active) ?? false,
      enabled: pveBool(s.enabled) ?? true,
      shared: pveBool(s.shared) ?? false,
      avail: pveNumber(s.avail),
    }));
  }

  async storageContent(
    node: string,
    storage: string,
    options: { content?: string; vmid?: number } = {},
  ): Promise<PveVolume[]> {
    return arr(
      await this.get(`/nodes/${seg(node)}/storage/${seg(storage)}/content`, {
        content: options.content,
        vmid: options.vmid,
      }),
    ).map((v) => ({
      volid: pveString(v.volid) ?? "",
      content: pveString(v.content) ?? "",
      format: pveString(v.format),
      size: pveNumber(v.size),
      ctime: pveInt(v.ctime),
      vmid: pveInt(v.vmid),
    }));
  }

  /** The PVE node downloads `url` into the storage (task type "download"); content "import" needs PVE ≥ 8.4. */
  downloadUrl(
    node: string,
    storage: string,
    options: {
      url: string;
      filename: string;
      content: "iso" | "import" | "vztmpl";
      checksum?: string;
      checksumAlgorithm?: "md5" | "sha1" | "sha224" | "sha256" | "sha384" | "sha512";
      compression?: "gz" | "lzo" | "zst" | "bz2";
      verifyCertificates?: boolean;
    },
  ): Promise<string> {
    return this.post<string>(`/nodes/${seg(node)}/storage/${seg(storage)}/download-url`, {
      url: options.url,
      filename: options.filename,
      content: options.content,
      checksum: options.checksum,
      "checksum-algorithm": options.checksumAlgorithm,
      compression: options.compression,
      "verify-certificates": options.verifyCertificates,
    });
  }

  /** Multipart upload of a small file (a cidata ISO) into the storage; returns the task's UPID. */
  async upload(
    node: string,
    storage: string,
    options: { content: "iso" | "import" | "vztmpl"; filename: string; data: Buffer; sha256?: string },
  ): Promise<string> {
    const { body, contentType } = encodeMultipart(
      {
        content: options.content,
        checksum: options.sha256,
        "checksum-algorithm": options.sha256 ? "sha256" : undefined,
      },
      { field: "filename", filename: options.filename, data: options.data },
    );
    return this.send<string>("POST", `/nodes/${seg(node)}/storage/${seg(storage)}/upload`, {
      query: "",
      body,
      contentType,
    });
  }

  /** DELETE a volume ("local:iso/x.iso"); a UPID or null. */
  deleteVolume(node: string, storage: string, volid: string): Promise<string | null> {
    return this.delete<string | null>(`/nodes/${seg(node)}/storage/${seg(storage)}/content/${seg(volid)}`);
  }

  // ---- HA ---------------------------------------------------------------------------------------------------

  async haResources(): Promise<PveHaResource[]> {
    return arr(await this.get("/cluster/ha/resources")).map((r) => ({
      sid: pveString(r.sid) ?? "",
      state: pveString(r.state),
      group: pveString(r.group),
      comment: pveString(r.comment),
    }));
  }

  createHaResource(params: {
    sid: string;
    state?: string;
    group?: string;
    comment?: string;
    max_restart?: number;
    max_relocate?: number;
  }): Promise<null> {
    return this.post<null>("/cluster/ha/resources", params);
  }

  deleteHaResource(sid: string): Promise<null> {
    return this.delete<null>(`/cluster/ha/resources/${seg(sid)}`);
  }

  /** HA groups: PVE 8.x (PVE 9 migrates them to rules). */
  async haGroups(): Promise<{ group: string; nodes: string | undefined }[]> {
    return arr(await this.get("/cluster/ha/groups")).map((g) => ({
      group: pveString(g.group) ?? "",
      nodes: pveString(g.nodes),
    }));
  }

  createHaGroup(params: {
    group: string;
    nodes: string;
    restricted?: boolean;
    nofailback?: boolean;
    comment?: string;
  }): Promise<null> {
    return this.post<null>("/cluster/ha/groups", params);
  }

  deleteHaGroup(group: string): Promise<null> {
    return this.delete<null>(`/cluster/ha/groups/${seg(group)}`);
  }

  /** HA rules: PVE 9.x (node-affinity replaces groups). */
  async haRules(): Promise<
    { rule: string; type: string; resources: string | undefined; nodes: string | undefined }[]
  > {
    return arr(await this.get("/cluster/ha/rules")).map((r) => ({
      rule: pveString(r.rule) ?? "",
      type: pveString(r.type) ?? "",
      resources: pveString(r.resources),
      nodes: pveString(r.nodes),
    }));
  }

  createHaRule(params: {
    rule: string;
    type: "node-affinity" | "resource-affinity";
    resources: string;
    nodes?: string;
    strict?: boolean;
    affinity?: "positive" | "negative";
    comment?: string;
  }): Promise<null> {
    return this.post<null>("/cluster/ha/rules", params);
  }

  deleteHaRule(rule: string): Promise<null> {
    return this.delete<null>(`/cluster/ha/rules/${seg(rule)}`);
  }

  // ---- tasks ------------------------------------------------------------------------------------------------

  async taskStatus(upid: string): Promise<PveTaskStatus> {
    const node = parseUpid(upid)?.node;
    if (!node) throw new ProxmoxApiError(0, `"${upid}" is not a UPID`, {}, { method: "GET", path: "/tasks" });
    const s = obj(await this.get(`/nodes/${seg(node)}/tasks/${seg(upid)}/status`));
    return {
      upid,
      node,
      status: pveString(s.status) === "running" ? "running" : "stopped",
      exitstatus: pveString(s.exitstatus),
      type: pveString(s.type) ?? "",
      id: pveString(s.id) ?? "",
      user: pveString(s.user) ?? "",
    };
  }

  async taskLog(upid: string, start = 0, limit = 500): Promise<PveTaskLogLine[]> {
    const node = parseUpid(upid)?.node ?? "";
    return arr(await this.get(`/nodes/${seg(node)}/tasks/${seg(upid)}/log`, { start, limit })).map((l) => ({
      n: pveInt(l.n) ?? 0,
      t: pveString(l.t) ?? "",
    }));
  }

  /**
   * Polls a task until it stops; resolves with its status when the exit status is OK or "WARNINGS: N", throws
   * ProxmoxTaskError with the end of its log otherwise. `null` (a call PVE finished synchronously) resolves at once.
   */
  async waitTask(upid: string | null, options: WaitOptions = {}): Promise<PveTaskStatus | undefined> {
    if (upid === null) return undefined;
    const timeoutMs = options.timeoutMs ?? 600_000;
    const deadline = this.clock.now() + timeoutMs;
    let interval = options.intervalMs ?? 250;
    for (;;) {
      const s = await this.taskStatus(upid);
      options.onPoll?.(s);
      if (s.status === "stopped") {
        if (taskSucceeded(s.exitstatus)) return s;
        const log = await this.taskLog(upid).catch(() => []);
        throw new ProxmoxTaskError(
          upid,
          s.type || parseUpid(upid)?.type || "task",
          s.exitstatus ?? "unexpected status",
          log.map((l) => l.t),
        );
      }
      if (this.clock.now() >= deadline) throw new ProxmoxWaitTimeout(`task ${upid}`, timeoutMs);
      await this.clock.sleep(interval);
      interval = Math.min(interval * 2, 2000);
    }
  }

  /** Runs a call that returns a UPID and waits for its task. */
  async run(call: Promise<string | null>, options: WaitOptions = {}): Promise<PveTaskStatus | undefined> {
    return this.waitTask(await call, options);
  }
}
