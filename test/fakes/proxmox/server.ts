// A simulated Proxmox VE cluster behind the real API's shape: https on loopback, API-token auth, every request
// validated against the PVE apidoc schema (schema.ts), state across requests (VMs, volumes, HA), UPID tasks that
// finish after a delay, injectable faults, and a twin node booted at the VM's planned address when a VM starts
// (read from its cidata ISO, as Talos would). Behaviour follows pve-http-server / qemu-server / pve-storage as
// summarised in ../shared/research/providers.md §A; messages are PVE's where known.
import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { FaultBook, RequestLog, delay, readBody, sendJson, type TwinHost } from "../common/fake.js";
import { readIso } from "./iso-reader.js";
import type { PveParam, PveSchema } from "./schema.js";

export interface PveFakeOptions {
  schema: PveSchema;
  version: "8.4" | "9.1";
  nodes: string[];
  token: { id: string; secret: string };
  /** How long a task runs before it stops (ms). */
  taskMs: number;
  /** Whether `local` has content `import` enabled (it is not by default on a real node). */
  importContent: boolean;
  fingerprint: string;
  certInfo: { subject: string; issuer: string; notAfter: string; pem: string };
  twin: TwinHost;
  /** The Talos version twin nodes boot when the VM's image does not name one. */
  defaultTalosVersion: string;
  /** Storages every node has (default: local and local-lvm). */
  storages?: Record<string, StorageDef>;
}

interface Vm {
  vmid: number;
  node: string;
  config: Record<string, string>;
  status: "running" | "stopped";
  /** Talos version of the image the boot disk was imported from (from the Image Factory URL), if known. */
  talosVersion?: string;
  booted?: string;
}

interface Volume {
  volid: string;
  node: string;
  storage: string;
  content: string;
  format: string;
  size: number;
  ctime: number;
  vmid?: number;
  data?: Buffer;
  /** download-url source. */
  url?: string;
}

interface Task {
  upid: string;
  node: string;
  type: string;
  id: string;
  user: string;
  pid: number;
  pstart: number;
  starttime: number;
  status: "running" | "stopped";
  exitstatus?: string;
  log: string[];
}

class PveError extends Error {
  readonly status: number;
  readonly errors: Record<string, string> | undefined;
  constructor(status: number, message: string, errors?: Record<string, string>) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

const fail = (message: string): never => {
  throw new PveError(500, message);
};

export interface StorageDef {
  type: string;
  /** Content types, comma-separated as PVE lists them (import only when the fake's import content is on). */
  content: (importContent: boolean) => string;
  shared: number;
}

/** A PVE node's storages out of the box: a directory storage and LVM-thin. */
const DEFAULT_STORAGES: Record<string, StorageDef> = {
  local: {
    type: "dir",
    content: (imp) => (imp ? "backup,import,iso,vztmpl" : "backup,iso,vztmpl"),
    shared: 0,
  },
  "local-lvm": { type: "lvmthin", content: () => "images,rootdir", shared: 0 },
};

/** `--storages name:type:content+content[:shared],…` (e.g. ceph-vm-disks:rbd:images+rootdir:shared). */
export function parseStorages(text: string): Record<string, StorageDef> {
  const out: Record<string, StorageDef> = {};
  for (const item of text.split(",").filter((x) => x)) {
    const [name, type, content, shared] = item.split(":");
    if (!name || !type || !content)
      throw new Error(`--storages: "${item}" is not name:type:content[:shared]`);
    const list = content.split("+");
    out[name] = {
      type,
      content: (imp) => list.filter((c) => imp || c !== "import").join(","),
      shared: shared === "shared" ? 1 : 0,
    };
  }
  return out;
}

const DRIVE_RE = /^(ide|sata|scsi|virtio)\d+$|^efidisk0$|^tpmstate0$/;
const GiB = 1024 ** 3;

function normaliseTags(text: string): string {
  return [
    ...new Set(
      text
        .split(/[;,\s]+/)
        .map((t) => t.trim().toLowerCase())
        .filter((t) => t),
    ),
  ]
    .sort()
    .join(";");
}

function sizeText(bytes: number): string {
  if (bytes % GiB === 0) return `${bytes / GiB}G`;
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}M`;
  return `${Math.ceil(bytes / 1024)}K`;
}

function parseSizeText(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT])?$/.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * ({ K: 1024, M: 1024 ** 2, G: GiB, T: 1024 ** 4 }[m[2] as "K"] ?? 1));
}

/** Talos version from an Image Factory URL (…/image/<schematic>/<version>/nocloud-amd64.qcow2). */
function versionFromUrl(url: string | undefined): string | undefined {
  return url ? /\/image\/[0-9a-f]{64}\/(v\d+\.\d+\.\d+[^/]*)\//.exec(url)?.[1] : undefined;
}

export class PveFake {
  readonly log = new RequestLog();
  readonly faults = new FaultBook();
  private readonly o: PveFakeOptions;
  private readonly vms = new Map<number, Vm>();
  private readonly volumes = new Map<string, Volume>();
  private readonly tasks = new Map<string, Task>();
  private readonly ha = new Map<string, Record<string, string>>();
  private readonly haGroups = new Map<string, Record<string, string>>();
  private readonly haRules = new Map<string, Record<string, string>>();
  private pid = 0x1000;
  private readonly STORAGES: Record<string, StorageDef>;
  taskMs: number;
  onStop: (() => void) | undefined;

  constructor(options: PveFakeOptions) {
    this.o = options;
    this.taskMs = options.taskMs;
    this.STORAGES = options.storages ?? DEFAULT_STORAGES;
  }

  /** Where a volume lives: per node, or once for a shared storage (every node sees the same files). */
  private vkey(node: string, volid: string): string {
    const storage = volid.split(":")[0] ?? "";
    return this.STORAGES[storage]?.shared ? `shared/${volid}` : `${node}/${volid}`;
  }

  // ---- HTTP ----------------------------------------------------------------------------------------------------

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? "/", "https://fake");
    const method = (req.method ?? "GET").toUpperCase();
    if (url.pathname.startsWith("/_fake/")) return this.admin(method, url, req, res);
    const path = url.pathname.replace(/^\/api2\/json/, "");
    const entry = { method, path, query: url.search.slice(1), status: 200, ms: 0 } as Parameters<
      RequestLog["add"]
    >[0];
    const answer = (status: number, body: unknown, reason?: string): void => {
      entry.status = status;
      entry.ms = Date.now() - started;
      if (status >= 400) entry.error = reason;
      this.log.add(entry);
      sendJson(res, status, body, {}, reason);
    };
    try {
      if (!url.pathname.startsWith("/api2/json/"))
        return answer(501, { data: null }, `Method '${method} ${url.pathname}' not implemented`);
      const auth = /(?:^|\s)PVEAPIToken(?:=| )([^;]*)/.exec(String(req.headers.authorization ?? ""));
      const token = auth ? decodeURIComponent(auth[1]!) : undefined;
      if (!token) return answer(401, { data: null }, "No ticket");
      if (token !== `${this.o.token.id}=${this.o.token.secret}`)
        return answer(401, { data: null }, "authentication failure");
      const fault = this.faults.match(method, path);
      if (fault) {
        entry.fault = `${fault.kind ?? "error"} ${fault.status ?? ""}`.trim();
        if (fault.delayMs) await delay(fault.delayMs);
        if (fault.kind === "timeout") {
          entry.status = 0;
          this.log.add(entry);
          return; // never answered: the client's timeout fires
        }
        if (fault.kind === "reset") {
          entry.status = 0;
          this.log.add(entry);
          req.socket.destroy();
          return;
        }
        if (fault.status) {
          const msg = fault.message ?? "fake: injected failure";
          return answer(fault.status, { data: null, message: `${msg}\n` }, msg);
        }
      }
      if (String(req.headers["transfer-encoding"] ?? "").includes("chunked"))
        return answer(501, { data: null }, "chunked transfer encoding not supported");
      const match = this.o.schema.match(method, path);
      if (!match) return answer(501, { data: null }, `Method '${method} ${path}' not implemented`);
      const raw = await readBody(req);
      if ((method === "GET" || method === "DELETE") && raw.length > 0)
        return answer(501, { data: null }, `Unexpected content for method '${method}'`);
      const params: Record<string, string> = {};
      for (const [k, v] of url.searchParams) params[k] = v;
      let upload: { filename: string; data: Buffer } | undefined;
      if (raw.length > 0) {
        const ctype = String(req.headers["content-type"] ?? "");
        if (ctype.startsWith("application/x-www-form-urlencoded"))
          for (const [k, v] of new URLSearchParams(raw.toString("utf8"))) params[k] = v;
        else if (ctype.startsWith("application/json")) {
          for (const [k, v] of Object.entries(JSON.parse(raw.toString("utf8")) as Record<string, unknown>))
            params[k] = typeof v === "boolean" ? (v ? "1" : "0") : String(v);
        } else if (ctype.startsWith("multipart/form-data")) {
          const parsed = parseMultipart(raw, ctype);
          Object.assign(params, parsed.fields);
          upload = parsed.file;
          if (upload) params.filename = upload.filename;
        } else return answer(506, { data: null }, `unsupported content type '${ctype}'`);
      }
      const errors = this.o.schema.validate(match.info, { ...params, ...match.pathParams });
      if (Object.keys(errors).length > 0) {
        entry.rejected = errors;
        return answer(400, { data: null, errors }, "Parameter verification failed.");
      }
      const user = token.slice(0, token.indexOf("="));
      const data = await this.route(method, match.template, { ...params, ...match.pathParams }, user, upload);
      answer(200, { data: data ?? null });
    } catch (e) {
      if (e instanceof PveError) {
        if (e.errors) return answer(e.status, { data: null, errors: e.errors }, e.message);
        return answer(e.status, { data: null, message: `${e.message}\n` }, e.message);
      }
      answer(
        500,
        { data: null, message: `fake internal error: ${String(e)}\n` },
        `fake internal error: ${String(e)}`,
      );
    }
  }

  private async admin(method: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body =
      method === "POST"
        ? (JSON.parse((await readBody(req)).toString("utf8") || "{}") as Record<string, unknown>)
        : {};
    const p = url.pathname;
    if (method === "GET" && p === "/_fake/log")
      return sendJson(res, 200, this.log.since(Number(url.searchParams.get("since") ?? 0)));
    if (method === "GET" && p === "/_fake/state") return sendJson(res, 200, this.state());
    if (method === "GET" && p === "/_fake/unchecked-formats")
      return sendJson(res, 200, [...this.o.schema.unchecked].sort());
    if (method === "POST" && p === "/_fake/faults")
      return sendJson(res, 200, { ids: this.faults.add((body.rules ?? [body]) as never[]) });
    if (method === "DELETE" && p === "/_fake/faults") {
      this.faults.clear();
      return sendJson(res, 200, {});
    }
    if (method === "POST" && p === "/_fake/config") {
      if (typeof body.taskMs === "number") this.taskMs = body.taskMs;
      return sendJson(res, 200, { taskMs: this.taskMs });
    }
    if (method === "GET" && p === "/_fake/twin")
      return sendJson(res, 200, {
        boots: this.o.twin.boots,
        twin: this.o.twin.status(),
        calls: this.o.twin.calls(),
      });
    if (method === "POST" && p === "/_fake/stop") {
      sendJson(res, 200, { stopping: true });
      setTimeout(() => this.onStop?.(), 10);
      return;
    }
    sendJson(res, 404, { error: `no admin endpoint ${method} ${p}` });
  }

  state(): unknown {
    return {
      simulated: true,
      vms: [...this.vms.values()].map((v) => ({ ...v })),
      volumes: [...this.volumes.values()].map(({ data, ...v }) => ({ ...v, bytes: data?.length })),
      ha: [...this.ha.values()],
      haGroups: [...this.haGroups.values()],
      haRules: [...this.haRules.values()],
      tasks: [...this.tasks.values()].map((t) => ({
        upid: t.upid,
        type: t.type,
        status: t.status,
        exitstatus: t.exitstatus,
      })),
    };
  }

  // ---- tasks -----------------------------------------------------------------------------------------------

  private task(
    node: string,
    type: string,
    id: string,
    user: string,
    work: (t: Task) => Promise<void> | void,
    ms = this.taskMs,
  ): string {
    const pid = ++this.pid;
    const starttime = Math.floor(Date.now() / 1000);
    const hex = (n: number): string => n.toString(16).toUpperCase().padStart(8, "0");
    const upid = `UPID:${node}:${hex(pid)}:${hex(pid * 7)}:${hex(starttime)}:${type}:${id}:${user}:`;
    const t: Task = {
      upid,
      node,
      type,
      id,
      user,
      pid,
      pstart: pid * 7,
      starttime,
      status: "running",
      log: [],
    };
    this.tasks.set(upid, t);
    setTimeout(() => {
      void (async () => {
        try {
          await work(t);
          t.exitstatus = "OK";
          t.log.push("TASK OK");
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          t.log.push(msg, `TASK ERROR: ${msg}`);
          t.exitstatus = msg;
        }
        t.status = "stopped";
      })();
    }, ms);
    return upid;
  }

  // ---- routes ----------------------------------------------------------------------------------------------

  private node(name: string): string {
    if (!this.o.nodes.includes(name)) throw new PveError(595, `no such cluster node '${name}'`);
    return name;
  }

  private vm(node: string, vmidText: string): Vm {
    const vm = this.vms.get(Number(vmidText));
    if (!vm || vm.node !== node)
      fail(`Configuration file 'nodes/${node}/qemu-server/${vmidText}.conf' does not exist`);
    return vm!;
  }

  private checkLock(vm: Vm): void {
    if (vm.config.lock) fail(`VM is locked (${vm.config.lock})`);
  }

  private digest(vm: Vm): string {
    return createHash("sha1").update(JSON.stringify(vm.config)).digest("hex");
  }

  private async route(
    method: string,
    template: string,
    p: Record<string, string>,
    user: string,
    upload?: { filename: string; data: Buffer },
  ): Promise<unknown> {
    const key = `${method} ${template}`;
    switch (key) {
      case "GET /version":
        return this.o.version === "8.4"
          ? { version: "8.4.1", release: "8.4", repoid: "2a5fa54a8503f96d", console: "html5" }
          : { version: "9.1.1", release: "9.1", repoid: "42ab2b3c2e8aa2ae", console: "html5" };
      case "GET /nodes":
        return this.o.nodes.map((n) => ({
          node: n,
          id: `node/${n}`,
          type: "node",
          status: "online",
          cpu: 0.02,
          maxcpu: 16,
          mem: 4 * GiB,
          maxmem: 64 * GiB,
          disk: 10 * GiB,
          maxdisk: 100 * GiB,
          uptime: 86400,
          level: "",
          ssl_fingerprint: this.o.fingerprint,
        }));
      case "GET /nodes/{node}/certificates/info":
        this.node(p.node!);
        return [
          {
            filename: "pve-ssl.pem",
            fingerprint: this.o.fingerprint,
            subject: this.o.certInfo.subject,
            issuer: this.o.certInfo.issuer,
            notafter: Math.floor(new Date(this.o.certInfo.notAfter).getTime() / 1000),
            pem: this.o.certInfo.pem,
            "public-key-type": "ecdsa",
          },
        ];
      case "GET /cluster/status":
        return [
          {
            type: "cluster",
            id: "cluster",
            name: "fake",
            nodes: this.o.nodes.length,
            quorate: 1,
            version: 3,
          },
          ...this.o.nodes.map((n, i) => ({
            type: "node",
            id: `node/${n}`,
            name: n,
            nodeid: i + 1,
            online: 1,
            ip: `127.0.0.1`,
            local: i === 0 ? 1 : 0,
            level: "",
          })),
        ];
      case "GET /cluster/nextid": {
        if (p.vmid !== undefined) {
          if (this.vms.has(Number(p.vmid)))
            throw new PveError(400, "Parameter verification failed.", {
              vmid: `VM ${p.vmid} already exists`,
            });
          return p.vmid; // a string, as PVE answers
        }
        let id = 100;
        while (this.vms.has(id)) id++;
        return String(id);
      }
      case "GET /cluster/resources":
        return this.resources(p.type);
      case "GET /nodes/{node}/qemu":
        this.node(p.node!);
        return [...this.vms.values()]
          .filter((v) => v.node === p.node)
          .map((v) => ({
            vmid: v.vmid,
            name: v.config.name,
            status: v.status,
            tags: v.config.tags,
            lock: v.config.lock,
            template: v.config.template === "1" ? 1 : undefined,
            cpus: Number(v.config.cores ?? 1) * Number(v.config.sockets ?? 1),
            maxmem: Number(v.config.memory ?? 512) * 1024 ** 2,
            uptime: v.status === "running" ? 60 : 0,
          }));
      case "POST /nodes/{node}/qemu":
        return this.createVm(this.node(p.node!), p, user);
      case "GET /nodes/{node}/qemu/{vmid}/config": {
        const vm = this.vm(p.node!, p.vmid!);
        return { ...this.readConfig(vm), digest: this.digest(vm) };
      }
      case "POST /nodes/{node}/qemu/{vmid}/config":
      case "PUT /nodes/{node}/qemu/{vmid}/config": {
        const vm = this.vm(p.node!, p.vmid!);
        this.checkLock(vm);
        if (p.digest && p.digest !== this.digest(vm))
          fail("detected modified configuration - file changed by other user? Try again.");
        const changes = { ...p };
        for (const k of [
          "node",
          "vmid",
          "digest",
          "delete",
          "revert",
          "skiplock",
          "force",
          "background_delay",
        ])
          delete changes[k];
        const apply = (): void => {
          for (const k of (p.delete ?? "").split(/[,;\s]+/).filter((x) => x)) delete vm.config[k];
          Object.assign(vm.config, this.normaliseConfig(vm.vmid, vm.node, changes, "update"));
        };
        if (method === "PUT") {
          apply();
          return null;
        }
        return this.task(vm.node, "qmconfig", String(vm.vmid), user, apply);
      }
      case "PUT /nodes/{node}/qemu/{vmid}/resize": {
        const vm = this.vm(p.node!, p.vmid!);
        this.checkLock(vm);
        const drive = vm.config[p.disk!];
        if (!drive) fail(`disk '${p.disk}' does not exist`);
        const props = this.o.schema.parsePropertyString(this.driveFormat(p.disk!), drive!).map;
        const current = parseSizeText(props.size ?? "0") ?? 0;
        const rel = p.size!.startsWith("+");
        const amount = parseSizeText(p.size!.replace(/^\+/, ""));
        if (amount === undefined)
          throw new PveError(400, "Parameter verification failed.", {
            size: "value does not match the regex pattern",
          });
        const next = rel ? current + amount : amount;
        if (next < current) fail("shrinking disks is not supported");
        return this.task(vm.node, "resize", String(vm.vmid), user, () => {
          vm.config[p.disk!] = drive!.replace(/size=[^,]+/, `size=${sizeText(next)}`);
        });
      }
      case "GET /nodes/{node}/qemu/{vmid}/status/current": {
        const vm = this.vm(p.node!, p.vmid!);
        return {
          vmid: vm.vmid,
          name: vm.config.name,
          status: vm.status,
          qmpstatus: vm.status,
          lock: vm.config.lock,
          tags: vm.config.tags,
          uptime: vm.status === "running" ? 60 : 0,
          cpus: Number(vm.config.cores ?? 1),
          maxmem: Number(vm.config.memory ?? 512) * 1024 ** 2,
          agent: vm.config.agent?.match(/(^|,)(enabled=)?1/) ? 1 : undefined,
          ha: this.ha.has(`vm:${vm.vmid}`)
            ? { managed: 1, state: this.ha.get(`vm:${vm.vmid}`)!.state }
            : { managed: 0 },
        };
      }
      case "POST /nodes/{node}/qemu/{vmid}/status/start": {
        const vm = this.vm(p.node!, p.vmid!);
        this.checkLock(vm);
        return this.task(vm.node, "qmstart", String(vm.vmid), user, async () => {
          if (vm.status === "running") throw new Error(`VM ${vm.vmid} already running`);
          await this.powerOn(vm);
        });
      }
      case "POST /nodes/{node}/qemu/{vmid}/status/stop":
      case "POST /nodes/{node}/qemu/{vmid}/status/shutdown": {
        const vm = this.vm(p.node!, p.vmid!);
        this.checkLock(vm);
        const type = template.endsWith("stop") ? "qmstop" : "qmshutdown";
        return this.task(vm.node, type, String(vm.vmid), user, async () => {
          if (vm.status !== "running") {
            if (type === "qmshutdown") throw new Error(`VM ${vm.vmid} not running`);
            return;
          }
          await this.powerOff(vm);
        });
      }
      case "POST /nodes/{node}/qemu/{vmid}/status/reboot": {
        const vm = this.vm(p.node!, p.vmid!);
        this.checkLock(vm);
        return this.task(vm.node, "qmreboot", String(vm.vmid), user, async () => {
          if (vm.status !== "running") throw new Error(`VM ${vm.vmid} not running`);
          await this.powerOff(vm);
          await this.powerOn(vm);
        });
      }
      case "DELETE /nodes/{node}/qemu/{vmid}": {
        const vm = this.vm(p.node!, p.vmid!);
        this.checkLock(vm);
        if (vm.status === "running") fail(`VM ${vm.vmid} is running - destroy failed`);
        if (this.ha.has(`vm:${vm.vmid}`) && p.purge !== "1")
          fail(`unable to remove VM ${vm.vmid} - used in HA resources and purge parameter not set.`);
        vm.config.lock = "destroyed";
        return this.task(vm.node, "qmdestroy", String(vm.vmid), user, () => {
          for (const [id, v] of this.volumes)
            if (v.vmid === vm.vmid && v.content === "images") this.volumes.delete(id);
          this.vms.delete(vm.vmid);
          if (p.purge === "1") this.ha.delete(`vm:${vm.vmid}`);
        });
      }
      case "GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces": {
        const vm = this.vm(p.node!, p.vmid!);
        if (!/(^|,)(enabled=)?1(,|$)/.test(vm.config.agent ?? "")) fail("No QEMU guest agent configured");
        if (vm.status !== "running") fail(`VM ${vm.vmid} is not running`);
        if (!vm.booted) fail("QEMU guest agent is not running");
        return {
          result: [
            {
              name: "lo",
              "hardware-address": "00:00:00:00:00:00",
              "ip-addresses": [{ "ip-address": "127.0.0.1", "ip-address-type": "ipv4", prefix: 8 }],
            },
            {
              name: "eth0",
              "hardware-address": (this.macs(vm)[0] ?? "").toLowerCase(),
              "ip-addresses": [{ "ip-address": vm.booted, "ip-address-type": "ipv4", prefix: 24 }],
            },
          ],
        };
      }
      case "GET /nodes/{node}/storage": {
        this.node(p.node!);
        return Object.entries(this.STORAGES)
          .map(([storage, s]) => ({
            storage,
            type: s.type,
            content: s.content(this.o.importContent),
            active: 1,
            enabled: 1,
            shared: s.shared,
            avail: 200 * GiB,
            total: 250 * GiB,
            used: 50 * GiB,
          }))
          .filter((s) => !p.content || s.content.split(",").includes(p.content))
          .filter((s) => !p.storage || s.storage === p.storage);
      }
      case "GET /nodes/{node}/storage/{storage}/content": {
        this.storage(p.node!, p.storage!);
        return [...this.volumes.values()]
          .filter((v) => (v.node === p.node || this.STORAGES[v.storage]?.shared) && v.storage === p.storage)
          .filter((v) => !p.content || v.content === p.content)
          .filter((v) => !p.vmid || v.vmid === Number(p.vmid))
          .map((v) => ({
            volid: v.volid,
            content: v.content,
            format: v.format,
            size: v.size,
            ctime: v.ctime,
            ...(v.vmid ? { vmid: v.vmid } : {}),
          }));
      }
      case "POST /nodes/{node}/storage/{storage}/upload":
        return this.uploadVolume(p, user, upload);
      case "POST /nodes/{node}/storage/{storage}/download-url":
        return this.downloadVolume(p, user);
      case "DELETE /nodes/{node}/storage/{storage}/content/{volume}": {
        const s = this.storage(p.node!, p.storage!);
        const volid = p.volume!.includes(":") ? p.volume! : `${p.storage}:${p.volume}`;
        const v = this.volumes.get(this.vkey(p.node!, volid));
        if (!v || v.storage !== s) fail(`volume '${volid}' does not exist`);
        return this.task(p.node!, "imgdel", "", user, () => {
          this.volumes.delete(this.vkey(p.node!, volid));
        });
      }
      case "GET /nodes/{node}/tasks/{upid}/status": {
        const t = this.tasks.get(p.upid!);
        if (!t) fail(`no such task`);
        return {
          upid: t!.upid,
          node: t!.node,
          pid: t!.pid,
          pstart: t!.pstart,
          starttime: t!.starttime,
          type: t!.type,
          id: t!.id,
          user: t!.user,
          status: t!.status,
          ...(t!.status === "stopped" ? { exitstatus: t!.exitstatus } : {}),
        };
      }
      case "GET /nodes/{node}/tasks/{upid}/log": {
        const t = this.tasks.get(p.upid!);
        if (!t) fail(`no such task`);
        const start = Number(p.start ?? 0);
        const limit = Number(p.limit ?? 50);
        return t!.log.slice(start, start + limit).map((text, i) => ({ n: start + i + 1, t: text }));
      }
      case "GET /cluster/ha/resources":
        return [...this.ha.values()].map((r) => ({ ...r, type: "vm" }));
      case "GET /cluster/ha/resources/{sid}": {
        const r = this.ha.get(haSid(p.sid!));
        if (!r) fail(`no such resource '${haSid(p.sid!)}'`);
        return { ...r, type: "vm", digest: "0" };
      }
      case "POST /cluster/ha/resources": {
        const sid = haSid(p.sid!);
        if (this.ha.has(sid)) fail(`resource ID '${sid}' already defined`);
        if (!this.vms.has(Number(sid.slice(3)))) fail(`unable to find VM ${sid.slice(3)}`);
        if (p.group && !this.haGroups.has(p.group)) fail(`ha group '${p.group}' does not exist`);
        const r: Record<string, string> = { sid, state: p.state ?? "started" };
        for (const k of ["group", "comment", "max_restart", "max_relocate"])
          if (p[k] !== undefined) r[k] = p[k]!;
        this.ha.set(sid, r);
        return null;
      }
      case "DELETE /cluster/ha/resources/{sid}": {
        const sid = haSid(p.sid!);
        if (!this.ha.delete(sid)) fail(`no such resource '${sid}'`);
        return null;
      }
      case "GET /cluster/ha/groups":
        return [...this.haGroups.values()].map((g) => ({ ...g, type: "group" }));
      case "POST /cluster/ha/groups": {
        if (this.o.version === "9.1") fail("ha groups have been migrated to rules");
        if (this.haGroups.has(p.group!)) fail(`ha group '${p.group}' already defined`);
        const g: Record<string, string> = { group: p.group!, nodes: p.nodes! };
        for (const k of ["restricted", "nofailback", "comment"]) if (p[k] !== undefined) g[k] = p[k]!;
        this.haGroups.set(p.group!, g);
        return null;
      }
      case "DELETE /cluster/ha/groups/{group}":
        if ([...this.ha.values()].some((r) => r.group === p.group))
          fail(`ha group '${p.group}' is used by resources`);
        if (!this.haGroups.delete(p.group!)) fail(`no such ha group '${p.group}'`);
        return null;
      case "GET /cluster/ha/rules":
        return [...this.haRules.values()];
      case "POST /cluster/ha/rules": {
        if (this.haRules.has(p.rule!)) fail(`ha rule '${p.rule}' already defined`);
        const r: Record<string, string> = { rule: p.rule!, type: p.type! };
        for (const k of ["resources", "nodes", "strict", "affinity", "comment", "disable"])
          if (p[k] !== undefined) r[k] = p[k]!;
        this.haRules.set(p.rule!, r);
        return null;
      }
      case "DELETE /cluster/ha/rules/{rule}":
        if (!this.haRules.delete(p.rule!)) fail(`no such ha rule '${p.rule}'`);
        return null;
      case "GET /access/permissions":
        return {
          "/": Object.fromEntries(
            [
              "VM.Allocate",
              "VM.Audit",
              "VM.Config.Disk",
              "VM.Config.CPU",
              "VM.Config.Memory",
              "VM.Config.Network",
              "VM.Config.Options",
              "VM.Config.HWType",
              "VM.Config.CDROM",
              "VM.Config.Cloudinit",
              "VM.PowerMgmt",
              "VM.Monitor",
              "Datastore.AllocateSpace",
              "Datastore.AllocateTemplate",
              "Datastore.Audit",
              "Sys.Audit",
              "Sys.Console",
              "SDN.Use",
            ].map((k) => [k, 1]),
          ),
        };
      default:
        // In the schema but not simulated: say so in PVE's shape rather than pretend.
        throw new PveError(501, `Method '${method} ${template}' not implemented by the fake (simulated)`);
    }
  }

  private storage(node: string, storage: string): string {
    this.node(node);
    if (!this.STORAGES[storage]) fail(`storage '${storage}' does not exist`);
    return storage;
  }

  private storageHas(storage: string, content: string): boolean {
    return this.STORAGES[storage]?.content(this.o.importContent).split(",").includes(content) ?? false;
  }

  private resources(type: string | undefined): unknown[] {
    const out: unknown[] = [];
    if (!type || type === "node")
      for (const n of this.o.nodes)
        out.push({ id: `node/${n}`, type: "node", node: n, status: "online", maxcpu: 16, maxmem: 64 * GiB });
    if (!type || type === "storage")
      for (const n of this.o.nodes)
        for (const [s, def] of Object.entries(this.STORAGES))
          out.push({
            id: `storage/${n}/${s}`,
            type: "storage",
            storage: s,
            node: n,
            status: "available",
            plugintype: def.type,
            content: def.content(this.o.importContent),
            shared: def.shared,
          });
    if (!type || type === "vm")
      for (const v of this.vms.values())
        out.push({
          id: `qemu/${v.vmid}`,
          type: "qemu",
          vmid: v.vmid,
          node: v.node,
          name: v.config.name,
          status: v.status,
          tags: v.config.tags,
          template: 0,
          lock: v.config.lock,
          maxmem: Number(v.config.memory ?? 512) * 1024 ** 2,
          maxcpu: Number(v.config.cores ?? 1),
          ...(this.ha.has(`vm:${v.vmid}`) ? { hastate: this.ha.get(`vm:${v.vmid}`)!.state } : {}),
        });
    return out;
  }

  // ---- VMs -------------------------------------------------------------------------------------------------

  private driveFormat(key: string): Record<string, PveParam> {
    const props = this.o.schema.match("POST", "/nodes/x/qemu")!.info.parameters!.properties!;
    const schema = props[key] ?? props[`${key.replace(/\d+$/, "")}[n]`];
    return (schema?.format ?? {}) as Record<string, PveParam>;
  }

  private macs(vm: Vm): string[] {
    return Object.keys(vm.config)
      .filter((k) => /^net\d+$/.test(k))
      .sort()
      .map((k) => /=([0-9A-F:]{17})/i.exec(vm.config[k]!)?.[1] ?? "");
  }

  /** Values as PVE stores them: tags normalised, NICs as model=MAC,…, new disks allocated as volumes. */
  private normaliseConfig(
    vmid: number,
    node: string,
    input: Record<string, string>,
    _mode: "create" | "update",
  ): Record<string, string> {
    const out: Record<string, string> = {};
    let diskIndex = [...this.volumes.values()].filter(
      (v) => v.vmid === vmid && v.content === "images",
    ).length;
    for (const [k, v] of Object.entries(input)) {
      if (k === "tags") {
        out.tags = normaliseTags(v);
      } else if (/^net\d+$/.test(k)) {
        const map = this.o.schema.parsePropertyString(this.driveFormat(k), v).map;
        const model = map.model ?? "virtio";
        const mac = (
          map.macaddr ?? `BC:24:11:${randomBytes(3).toString("hex").match(/../g)!.join(":")}`
        ).toUpperCase();
        const rest = Object.keys(map)
          .filter((x) => x !== "model" && x !== "macaddr")
          .sort()
          .map((x) => `${x}=${map[x]}`);
        out[k] = [`${model}=${mac}`, ...rest].join(",");
      } else if (DRIVE_RE.test(k)) {
        const map = this.o.schema.parsePropertyString(this.driveFormat(k), v).map;
        const file = map.file ?? "";
        if (map.media === "cdrom") {
          if (file !== "none" && file !== "cdrom" && !this.volumes.has(this.vkey(node, file)))
            fail(`volume '${file}' does not exist`);
          out[k] = v;
          continue;
        }
        const alloc = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(\d+(?:\.\d+)?)$/i.exec(file);
        if (!alloc) {
          const vol = this.volumes.get(this.vkey(node, file));
          if (!vol) fail(`volume '${file}' does not exist`);
          if (vol!.content === "iso") fail(`unable to use ISO volume '${file}' as disk - use media=cdrom`);
          out[k] = v;
          continue;
        }
        const [, storage, sizeGiB] = alloc;
        if (!this.STORAGES[storage!]) fail(`storage '${storage}' does not exist`);
        if (!this.storageHas(storage!, "images"))
          fail(`storage '${storage}' does not support content-type 'images'`);
        let size = Number(sizeGiB) * GiB;
        let talos: string | undefined;
        if (map["import-from"] !== undefined) {
          if (Number(sizeGiB) !== 0)
            throw new PveError(400, "Parameter verification failed.", {
              [k]: "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>",
            });
          const src = map["import-from"]!;
          if (src.startsWith("/")) fail("Only root can pass arbitrary filesystem paths.");
          const vol = this.volumes.get(this.vkey(node, src));
          if (!vol) fail(`volume '${src}' does not exist`);
          if (vol!.content !== "import" && vol!.content !== "images")
            fail(
              `'import-from' requires a volume of content type 'images' or 'import', not '${vol!.content}'`,
            );
          if (k === "efidisk0" && (map.efitype === undefined || map["pre-enrolled-keys"] === undefined))
            fail("efidisk0: 'import-from' requires 'efitype' and 'pre-enrolled-keys'");
          size = GiB + 512 * 1024 ** 2; // the virtual size of a Talos nocloud image
          talos = versionFromUrl(vol!.url);
        }
        if (k === "efidisk0") size = map.efitype === "4m" ? 4 * 1024 ** 2 : 528 * 1024;
        if (k === "tpmstate0") size = 4 * 1024 ** 2;
        const volid = `${storage}:vm-${vmid}-disk-${diskIndex++}`;
        this.volumes.set(this.vkey(node, volid), {
          volid,
          node,
          storage: storage!,
          content: "images",
          format: "raw",
          size,
          ctime: Math.floor(Date.now() / 1000),
          vmid,
        });
        const rest = Object.keys(map)
          .filter((x) => x !== "file" && x !== "import-from" && x !== "size")
          .sort()
          .map((x) => `${x}=${map[x]}`);
        out[k] = [volid, ...rest, `size=${sizeText(size)}`].join(",");
        if (talos) out["meta-cairn-fake-talos"] = talos;
      } else out[k] = v;
    }
    return out;
  }

  private createVm(node: string, p: Record<string, string>, user: string): string {
    const vmid = Number(p.vmid);
    const existing = this.vms.get(vmid);
    if (existing) fail(`unable to create VM ${vmid} - VM ${vmid} already exists on node '${existing.node}'`);
    const input = { ...p };
    for (const k of [
      "node",
      "vmid",
      "start",
      "storage",
      "pool",
      "unique",
      "force",
      "archive",
      "live-restore",
      "import-working-storage",
      "bwlimit",
    ])
      delete input[k];
    const config = this.normaliseConfig(vmid, node, input, "create");
    const talos = config["meta-cairn-fake-talos"];
    delete config["meta-cairn-fake-talos"];
    config.lock = "create";
    config.vmgenid =
      config.vmgenid ??
      randomBytes(16)
        .toString("hex")
        .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
    const vm: Vm = { vmid, node, config, status: "stopped", ...(talos ? { talosVersion: talos } : {}) };
    this.vms.set(vmid, vm);
    return this.task(node, "qmcreate", String(vmid), user, async () => {
      delete vm.config.lock;
      if (p.start === "1") await this.powerOn(vm);
    });
  }

  private readConfig(vm: Vm): Record<string, string | number> {
    const out: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(vm.config))
      out[k] = /^(cores|sockets|balloon|vcpus|cpuunits)$/.test(k) && /^\d+$/.test(v) ? Number(v) : v;
    return out;
  }

  /** The planned address: the first static address of the cidata network-config (or ipconfig0), as Talos reads it. */
  private plannedBoot(vm: Vm): { address: string | undefined; userData: string | undefined } {
    for (const [k, v] of Object.entries(vm.config)) {
      if (!DRIVE_RE.test(k) || !/media=cdrom/.test(v)) continue;
      const file = v.split(",")[0]!;
      const data = this.volumes.get(this.vkey(vm.node, file))?.data;
      if (!data) continue;
      try {
        const iso = readIso(data);
        if (iso.volumeId.toLowerCase() !== "cidata") continue;
        const net = parseYaml(iso.files.get("network-config")?.toString("utf8") ?? "") as {
          ethernets?: Record<string, { addresses?: string[] }>;
          vlans?: Record<string, { addresses?: string[] }>;
          config?: { subnets?: { address?: string }[] }[];
        } | null;
        // Talos' nocloud reader: addresses on NICs and on netplan VLAN entries over them.
        const v2 = [...Object.values(net?.ethernets ?? {}), ...Object.values(net?.vlans ?? {})].flatMap(
          (e) => e.addresses ?? [],
        );
        const v1 = (net?.config ?? []).flatMap((c) => (c.subnets ?? []).map((s) => s.address ?? ""));
        const first = [...v2, ...v1].map((a) => a.split("/")[0]!).find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a));
        return { address: first, userData: iso.files.get("user-data")?.toString("utf8") };
      } catch {
        continue;
      }
    }
    const ip = /(?:^|,)ip=(\d+\.\d+\.\d+\.\d+)\//.exec(vm.config.ipconfig0 ?? "")?.[1];
    return { address: ip, userData: undefined };
  }

  private twinName(vm: Vm): string {
    return vm.config.name ?? `vm${vm.vmid}`;
  }

  private async powerOn(vm: Vm): Promise<void> {
    vm.status = "running";
    // A VM that boots the Talos ISO (no imported disk) runs the version of that ISO's Image Factory URL.
    if (!vm.talosVersion)
      for (const [k, v] of Object.entries(vm.config)) {
        if (!DRIVE_RE.test(k) || !/media=cdrom/.test(v)) continue;
        const version = versionFromUrl(this.volumes.get(this.vkey(vm.node, v.split(",")[0]!))?.url);
        if (version) vm.talosVersion = version;
      }
    const { address, userData } = this.plannedBoot(vm);
    const rec = await this.o.twin.boot(
      this.twinName(vm),
      address,
      userData,
      vm.talosVersion ?? this.o.defaultTalosVersion,
    );
    if (rec?.ok) vm.booted = address;
  }

  private async powerOff(vm: Vm): Promise<void> {
    vm.status = "stopped";
    vm.booted = undefined;
    await this.o.twin.remove(this.twinName(vm));
  }

  // ---- volumes ---------------------------------------------------------------------------------------------

  private checkTarget(p: Record<string, string>): { storage: string; volid: string } {
    const storage = this.storage(p.node!, p.storage!);
    const content = p.content!;
    if (!this.storageHas(storage, content))
      fail(`storage '${storage}' does not support '${content}' content`);
    const filename = p.filename!;
    if (content === "iso" && !/\.(iso|img)$/i.test(filename))
      throw new PveError(400, "Parameter verification failed.", { filename: "wrong file extension" });
    if (content === "import" && !/\.(ova|qcow2|raw|vmdk)$/i.test(filename))
      throw new PveError(400, "Parameter verification failed.", { filename: "wrong file extension" });
    if (content === "vztmpl" && !/\.tar\.(gz|xz|zst)$/i.test(filename))
      throw new PveError(400, "Parameter verification failed.", { filename: "wrong file extension" });
    const volid = `${storage}:${content}/${filename}`;
    return { storage, volid };
  }

  private uploadVolume(
    p: Record<string, string>,
    user: string,
    upload: { filename: string; data: Buffer } | undefined,
  ): string {
    if (!upload)
      throw new PveError(400, "Parameter verification failed.", {
        filename: "property is missing and it is not optional",
      });
    const { storage, volid } = this.checkTarget(p);
    return this.task(p.node!, "imgcopy", "", user, (t) => {
      t.log.push(
        `target node: ${p.node}`,
        `target file: /var/lib/vz/template/${p.content}/${p.filename}`,
        `file size is: ${upload.data.length}`,
      );
      if (p.checksum) {
        const got = createHash(p["checksum-algorithm"] ?? "sha256")
          .update(upload.data)
          .digest("hex");
        if (got !== p.checksum.toLowerCase())
          throw new Error(`checksum mismatch: got '${got}' != expect '${p.checksum}'`);
        t.log.push(`validating checksum... ok`);
      }
      if (this.volumes.has(this.vkey(p.node!, volid)))
        throw new Error(`refusing to override existing file '${p.filename}'`);
      this.volumes.set(this.vkey(p.node!, volid), {
        volid,
        node: p.node!,
        storage,
        content: p.content!,
        format: p.content === "iso" ? "iso" : "raw",
        size: upload.data.length,
        ctime: Math.floor(Date.now() / 1000),
        data: upload.data,
      });
    });
  }

  private downloadVolume(p: Record<string, string>, user: string): string {
    const { storage, volid } = this.checkTarget(p);
    if (p.compression && p.content !== "iso")
      throw new PveError(400, "Parameter verification failed.", {
        compression: "decompression not supported for import content",
      });
    if (!/^https?:\/\//.test(p.url!))
      throw new PveError(400, "Parameter verification failed.", { url: "invalid URL" });
    return this.task(p.node!, "download", p.filename!, user, (t) => {
      t.log.push(`downloading ${p.url} to /var/lib/vz/${p.content}/${p.filename}`);
      if (this.volumes.has(this.vkey(p.node!, volid)))
        throw new Error(`refusing to override existing file '/var/lib/vz/${p.content}/${p.filename}'`);
      if (/\/fail\b|status=404/.test(p.url!)) throw new Error(`download failed: 404 Not Found`);
      this.volumes.set(this.vkey(p.node!, volid), {
        volid,
        node: p.node!,
        storage,
        content: p.content!,
        format: /\.qcow2$/.test(p.filename!) ? "qcow2" : p.content === "iso" ? "iso" : "raw",
        size: 150 * 1024 ** 2,
        ctime: Math.floor(Date.now() / 1000),
        url: p.url!,
      });
      t.log.push("download of … finished");
    });
  }
}

function haSid(sid: string): string {
  return /^\d+$/.test(sid) ? `vm:${sid}` : sid;
}

/** A small multipart/form-data parser for the upload endpoint (fields plus one file part). */
function parseMultipart(
  raw: Buffer,
  contentType: string,
): { fields: Record<string, string>; file?: { filename: string; data: Buffer } } {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) throw new PveError(400, "multipart boundary missing");
  const sep = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const fields: Record<string, string> = {};
  let file: { filename: string; data: Buffer } | undefined;
  let pos = raw.indexOf(sep);
  while (pos !== -1) {
    const start = pos + sep.length;
    if (raw.subarray(start, start + 2).toString() === "--") break;
    const next = raw.indexOf(sep, start);
    if (next === -1) break;
    const part = raw.subarray(start + 2, next - 2); // skip CRLF after the boundary and before the next
    const headerEnd = part.indexOf("\r\n\r\n");
    const headers = part.subarray(0, headerEnd).toString("utf8");
    const body = part.subarray(headerEnd + 4);
    const name = /name="([^"]*)"/.exec(headers)?.[1] ?? "";
    const filename = /filename="([^"]*)"/.exec(headers)?.[1];
    if (filename !== undefined) file = { filename, data: Buffer.from(body) };
    else fields[name] = body.toString("utf8");
    pos = next;
  }
  return { fields, ...(file ? { file } : {}) };
}
