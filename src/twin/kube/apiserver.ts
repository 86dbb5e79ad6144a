// One control plane's simulated kube-apiserver: HTTPS on the node's address and the cluster's API port, serving
// certificate from the cluster's Kubernetes CA, client certificates verified against it, objects in the node's own
// etcd member. It serves what kubectl and cairn use: discovery, /version, health, the OpenAPI v3 index kubectl's
// field validation check reads, and create/get/list/watch/update/patch/delete of the built-ins and of custom
// resources. A simulation, and it says so: gitVersion ends in "-twin" and every response carries a header.
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { createHash, randomBytes } from "node:crypto";
import { parseYaml } from "../../io/yaml.js";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError } from "./patch.js";
import { recordUpdate, serverSideApply } from "./apply.js";
import { ANONYMOUS, authorize, type Identity } from "./authz.js";
import {
  fieldsMatch,
  labelSelectorOf,
  matches,
  parseFieldSelector,
  parseLabelSelector,
} from "./selectors.js";
import { BUILTIN_TYPES, groupVersion, keyPrefix, TypeRegistry, type ResourceType } from "./resources.js";
import {
  ApiError,
  badRequest,
  conflict,
  forbidden,
  invalid,
  methodNotAllowed,
  notFound,
  tooManyRequests,
  unauthorized,
  unavailable,
} from "./status.js";
import type { ObjectStore } from "./store.js";
import { meta, now3339, o, type Obj } from "./store.js";
import { toTable } from "./tables.js";
import { pruneFields, validateObject } from "./validation.js";
import { EtcdCompacted, EtcdUnavailable } from "./etcd-kv.js";
import { evictionBlocker } from "./disruption.js";
import { decodeKubeProtobuf } from "./protobuf.js";
import { defaults } from "./defaults.js";

const SIMULATED_HEADER = "x-cairn-twin";

export interface ApiServerOptions {
  address: string;
  port: number;
  /** Serving certificate and key (PEM), issued from the Kubernetes CA. */
  cert: string;
  key: string;
  /** CA certificates client certificates must chain to. */
  clientCa: string;
  store: ObjectStore;
  /** Kubernetes version the control plane runs, e.g. "1.34.1". */
  kubernetesVersion: string;
  /** Resolves when the node can answer (a partitioned or hung node's API hangs instead of refusing). */
  waitReachable?: () => Promise<void>;
}

/** A compare-and-swap write that met a newer version (not a field-manager conflict of server-side apply). */
const lostWriteRace = (e: unknown): boolean =>
  (e as { reason?: string }).reason === "Conflict" &&
  /the object has been modified/.test(String((e as Error).message));

export class KubeApiServer {
  readonly options: ApiServerOptions;
  readonly types = new TypeRegistry();
  private server: Server | undefined;
  private crdSignature: string | undefined;
  /** Changes with the CRDs: the openapi index's hash, which kubectl caches the per-group documents by. */
  private crdHash = "0";
  private watches = new Set<AbortController>();
  /** Every TCP connection, handshake or not: a stopped server drops them all (see stop). */
  private readonly sockets = new Set<Socket>();

  constructor(options: ApiServerOptions) {
    this.options = options;
  }

  get store(): ObjectStore {
    return this.options.store;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    const server = createServer(
      {
        cert: this.options.cert,
        key: this.options.key,
        ca: this.options.clientCa,
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => void this.handle(req, res),
    );
    server.keepAliveTimeout = 30_000;
    server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.port, this.options.address, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const w of this.watches) w.abort();
    this.watches.clear();
    this.store.close();
    if (!server) return;
    // Every connection goes, as when the real process exits. closeAllConnections alone misses a socket still in its
    // TLS handshake: it becomes a kept-alive connection to this stopped server, a polling client keeps it busy, and
    // close() never returns, so the restarted server never listens.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    server.closeAllConnections();
    await closed;
  }

  // ---- plumbing ---------------------------------------------------------------------------------------------------

  private identity(req: IncomingMessage): Identity | "invalid" {
    const socket = req.socket as TLSSocket;
    const cert = socket.getPeerCertificate?.();
    if (!cert || Object.keys(cert).length === 0) return ANONYMOUS;
    if (!socket.authorized) return "invalid";
    const subject = cert.subject as unknown as Record<string, string | string[]> | undefined;
    const cn = subject?.CN;
    const org = subject?.O;
    const groups = org === undefined ? [] : Array.isArray(org) ? org : [org];
    return { user: Array.isArray(cn) ? cn[0]! : (cn ?? ""), groups: [...groups, "system:authenticated"] };
  }

  private send(res: ServerResponse, code: number, body: unknown, contentType = "application/json"): void {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(code, {
      "content-type": contentType,
      [SIMULATED_HEADER]: "simulated kube-apiserver",
      "audit-id": randomBytes(8).toString("hex"),
      "cache-control": "no-cache, private",
    });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (process.env.CAIRN_TWIN_KUBE_DEBUG)
      process.stderr.write(
        `twin kube ${req.method} ${req.url} ct=${req.headers["content-type"]} accept=${req.headers.accept}\n`,
      );
    try {
      await this.options.waitReachable?.();
      const who = this.identity(req);
      if (who === "invalid") throw unauthorized();
      const url = new URL(req.url ?? "/", "https://twin");
      await this.route(who, req, res, url);
    } catch (e) {
      if (res.headersSent) {
        res.end();
        return;
      }
      const err =
        e instanceof ApiError
          ? e
          : e instanceof EtcdUnavailable
            ? unavailable(`etcdserver: request timed out (simulated: ${e.message})`)
            : e instanceof PatchError
              ? new ApiError(422, "Invalid", e.message)
              : new ApiError(500, "InternalError", `Internal error occurred: ${(e as Error).message}`);
      this.send(res, err.code, err.status());
    }
  }

  private async body(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  private async jsonBody(req: IncomingMessage): Promise<unknown> {
    const type = String(req.headers["content-type"] ?? "application/json");
    if (type.includes("protobuf")) {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      try {
        return decodeKubeProtobuf(Buffer.concat(chunks));
      } catch (e) {
        throw new ApiError(
          415,
          "UnsupportedMediaType",
          `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (${(e as Error).message})`,
        );
      }
    }
    const text = await this.body(req);
    try {
      if (type.includes("yaml")) return parseYaml(text, "the request body") as unknown;
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw badRequest(
        `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (${(e as Error).message})`,
      );
    }
  }

  /**
   * Reloads the CRD-defined types when a CRD changed since the last look: a keys-only range (no values) tells
   * whether any did, so a request pays for decoding CRDs only after one changed.
   */
  private async refreshTypes(): Promise<void> {
    const crdType = this.types.find("apiextensions.k8s.io", "v1", "customresourcedefinitions")!;
    const keys = await this.store.kv.range(keyPrefix(crdType), { prefix: true, keysOnly: true });
    const signature = keys.kvs.map((kv) => `${kv.key}@${kv.modRevision}`).join(",");
    if (signature === this.crdSignature) return;
    const { items } = await this.store.list(crdType);
    this.crdSignature = signature;
    this.crdHash = createHash("sha256").update(signature).digest("hex").slice(0, 16);
    this.types.setCrds(items.filter((c) => !meta(c).deletionTimestamp));
  }

  // ---- routing ----------------------------------------------------------------------------------------------------

  private async route(who: Identity, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const segs = path.split("/").filter((s) => s);
    const isResource = (segs[0] === "api" && segs.length >= 3) || (segs[0] === "apis" && segs.length >= 4);
    if (!isResource) {
      const denied = authorize(who, {
        verb: "get",
        group: "",
        resource: "",
        subresource: undefined,
        namespace: undefined,
        name: undefined,
        path,
      });
      if (denied !== undefined) throw this.pathForbidden(who, path);
      return this.nonResource(req, res, path, url);
    }
    const [group, version, rest] =
      segs[0] === "api" ? ["", segs[1]!, segs.slice(2)] : [segs[1]!, segs[2]!, segs.slice(3)];
    // Built-in types shadow CRDs (kube-apiserver's built-in handlers come first), so only a request for a type
    // that is not built in needs the current CRDs: `kubectl get nodes` costs one etcd read, not two.
    if (!isBuiltin(group, version, rest)) await this.refreshTypes();
    let watchPrefix = false;
    if (rest[0] === "watch") {
      watchPrefix = true;
      rest.shift();
    }
    let namespace: string | undefined;
    let resource: string;
    let name: string | undefined;
    let sub: string | undefined;
    if (
      rest[0] === "namespaces" &&
      rest.length >= 3 &&
      this.types.find(group, version, rest[2]!)?.namespaced
    ) {
      namespace = rest[1]!;
      [resource, name, sub] = [rest[2]!, rest[3], rest[4]];
    } else {
      [resource, name, sub] = [rest[0]!, rest[1], rest[2]];
    }
    const type = this.types.find(group, version, resource);
    if (!type) throw new ApiError(404, "NotFound", "the server could not find the requested resource");
    if (sub && !type.subresources.includes(sub))
      throw new ApiError(404, "NotFound", "the server could not find the requested resource");
    const method = req.method ?? "GET";
    const watch =
      watchPrefix || url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1";
    const verb =
      method === "GET"
        ? watch
          ? "watch"
          : name
            ? "get"
            : "list"
        : method === "POST"
          ? "create"
          : method === "PUT"
            ? "update"
            : method === "PATCH"
              ? "patch"
              : method === "DELETE"
                ? name
                  ? "delete"
                  : "deletecollection"
                : "";
    const denied = authorize(who, {
      verb: sub === "eviction" ? "create" : verb,
      group,
      resource,
      subresource: sub,
      namespace,
      name,
    });
    if (denied !== undefined)
      throw forbidden(who.user, verb, sub ? `${resource}/${sub}` : resource, group, name, namespace, denied);
    if (
      type.namespaced &&
      namespace &&
      method !== "GET" &&
      method !== "DELETE" &&
      resource !== "namespaces"
    ) {
      await this.requireNamespace(namespace);
    }
    const ctx: RequestContext = { who, req, res, url, type, namespace, name, sub };
    if (sub === "eviction" && method === "POST") return this.evict(ctx);
    if (sub === "log" && method === "GET") return this.podLog(ctx);
    if (sub === "scale") return this.scale(ctx);
    switch (verb) {
      case "watch":
        return this.watch(ctx);
      case "list":
        return this.list(ctx);
      case "get": {
        const obj = await this.store.mustGet(type, namespace, name!);
        if (wantsTable(req))
          return this.send(
            res,
            200,
            toTable(
              type,
              [obj],
              { resourceVersion: meta(obj).resourceVersion },
              (url.searchParams.get("includeObject") ?? "Metadata") as "None" | "Metadata" | "Object",
            ),
          );
        return this.send(res, 200, obj);
      }
      case "create":
        if (name) throw methodNotAllowed();
        return this.create(ctx);
      case "update":
        if (!name) throw methodNotAllowed();
        return this.update(ctx);
      case "patch":
        if (!name) throw methodNotAllowed();
        return this.patch(ctx);
      case "delete":
        return this.remove(ctx);
      case "deletecollection":
        return this.removeCollection(ctx);
      default:
        throw methodNotAllowed();
    }
  }

  private pathForbidden(who: Identity, path: string): ApiError {
    return new ApiError(403, "Forbidden", `forbidden: User "${who.user}" cannot get path "${path}"`);
  }

  private async requireNamespace(namespace: string): Promise<void> {
    const nsType = this.types.find("", "v1", "namespaces")!;
    const ns = await this.store.get(nsType, undefined, namespace);
    if (!ns) throw notFound("namespaces", "", namespace);
    if (meta(ns).deletionTimestamp)
      throw new ApiError(
        403,
        "Forbidden",
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
  }

  // ---- non-resource endpoints ---------------------------------------------------------------------------------------

  private versionInfo(): Obj {
    const [major, minor] = this.options.kubernetesVersion.split(".");
    return {
      major,
      minor,
      emulationMajor: major,
      emulationMinor: minor,
      minCompatibilityMajor: major,
      minCompatibilityMinor: String(Math.max(0, Number(minor) - 1)),
      gitVersion: `v${this.options.kubernetesVersion}-twin`,
      gitCommit: "0000000000000000000000000000000000000000",
      gitTreeState: "clean",
      buildDate: "1970-01-01T00:00:00Z",
      goVersion: "simulated (cairn twin)",
      compiler: "gc",
      platform: "linux/amd64",
    };
  }

  private async nonResource(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    url: URL,
  ): Promise<void> {
    if (path === "/version") return this.send(res, 200, this.versionInfo());
    const health = /^\/(readyz|livez|healthz)(\/.*)?$/.exec(path);
    if (health) {
      // Ready means the storage answers, as kube-apiserver's etcd check does.
      let ok = true;
      try {
        await this.store.kv.revision();
      } catch {
        ok = false;
      }
      if (url.searchParams.has("verbose")) {
        const checks = [
          "ping",
          "log",
          "etcd",
          "poststarthook/start-apiextensions-controllers",
          "poststarthook/crd-informer-synced",
        ];
        const lines = checks.map((c) =>
          c === "etcd" && !ok ? `[-]${c} failed: reason withheld` : `[+]${c} ok`,
        );
        return this.send(
          res,
          ok ? 200 : 500,
          `${lines.join("\n")}\n${health[1]} check ${ok ? "passed" : "failed"} (simulated)\n`,
          "text/plain; charset=utf-8",
        );
      }
      return this.send(
        res,
        ok ? 200 : 500,
        ok ? "ok" : `[-]etcd failed: reason withheld\n${health[1]} check failed`,
        "text/plain; charset=utf-8",
      );
    }
    await this.refreshTypes();
    if (path === "/api") {
      return this.send(res, 200, {
        kind: "APIVersions",
        versions: ["v1"],
        serverAddressByClientCIDRs: [
          { clientCIDR: "0.0.0.0/0", serverAddress: `${this.options.address}:${this.options.port}` },
        ],
      });
    }
    if (path === "/apis") {
      return this.send(res, 200, {
        kind: "APIGroupList",
        apiVersion: "v1",
        groups: this.types
          .groupVersions()
          .filter((g) => g.group !== "")
          .map((g) => this.apiGroup(g.group, g.versions)),
      });
    }
    const segs = path.split("/").filter((s) => s);
    if (segs[0] === "api" && segs.length === 2) return this.send(res, 200, this.resourceList("", segs[1]!));
    if (segs[0] === "apis" && segs.length === 2) {
      const g = this.types.groupVersions().find((x) => x.group === segs[1]);
      if (!g) throw new ApiError(404, "NotFound", "the server could not find the requested resource");
      return this.send(res, 200, { apiVersion: "v1", ...this.apiGroup(g.group, g.versions) });
    }
    if (segs[0] === "apis" && segs.length === 3)
      return this.send(res, 200, this.resourceList(segs[1]!, segs[2]!));
    if (path === "/openapi/v3") return this.send(res, 200, this.openApiIndex());
    if (segs[0] === "openapi" && segs[1] === "v3")
      return this.send(res, 200, this.openApiGroupVersion(segs.slice(2).join("/")));
    void req;
    throw new ApiError(404, "NotFound", "the server could not find the requested resource");
  }

  private apiGroup(group: string, versions: string[]): Obj {
    const gvs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
    return { kind: "APIGroup", name: group, versions: gvs, preferredVersion: gvs[0] };
  }

  private resourceList(group: string, version: string): Obj {
    const types = this.types.all().filter((t) => t.group === group && t.version === version);
    if (types.length === 0)
      throw new ApiError(404, "NotFound", "the server could not find the requested resource");
    const resources: Obj[] = [];
    for (const t of types) {
      resources.push({
        name: t.resource,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
        ...(t.categories.length ? { categories: t.categories } : {}),
        storageVersionHash: Buffer.from(`${t.group}/${t.resource}`).toString("base64").slice(0, 11),
      });
      for (const s of t.subresources) {
        resources.push({
          name: `${t.resource}/${s}`,
          singularName: "",
          namespaced: t.namespaced,
          ...(s === "eviction"
            ? { group: "policy", version: "v1", kind: "Eviction", verbs: ["create"] }
            : s === "scale"
              ? { group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] }
              : s === "log"
                ? { kind: "Pod", verbs: ["get"] }
                : { kind: t.kind, verbs: ["get", "patch", "update"] }),
        });
      }
    }
    return {
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion: group ? `${group}/${version}` : version,
      resources,
    };
  }

  private openApiIndex(): Obj {
    const paths: Obj = {};
    for (const g of this.types.groupVersions())
      for (const v of g.versions) {
        const p = g.group ? `apis/${g.group}/${v}` : `api/${v}`;
        paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${this.crdHash}` };
      }
    return { paths };
  }

  /**
   * The operations of one group-version, as far as kubectl reads them: PATCH operations tagged with their GVK and
   * the fieldValidation parameter, which is how kubectl learns the server validates fields itself.
   */
  private openApiGroupVersion(gvPath: string): Obj {
    const [group, version] = gvPath.startsWith("api/") ? ["", gvPath.slice(4)] : gvPath.slice(5).split("/");
    const types = this.types.all().filter((t) => t.group === group && t.version === version);
    if (types.length === 0)
      throw new ApiError(404, "NotFound", "the server could not find the requested resource");
    const paths: Obj = {};
    const params = ["dryRun", "fieldManager", "fieldValidation", "force"].map((name) => ({
      name,
      in: "query",
      schema: { type: name === "force" ? "boolean" : "string" },
    }));
    for (const t of types) {
      const base = `/${gvPath}${t.namespaced ? "/namespaces/{namespace}" : ""}/${t.resource}/{name}`;
      const gvk = { group: t.group, version: t.version, kind: t.kind };
      paths[base] = {
        get: {
          "x-kubernetes-action": "get",
          "x-kubernetes-group-version-kind": gvk,
          operationId: `read${t.kind}`,
        },
        put: { "x-kubernetes-action": "put", "x-kubernetes-group-version-kind": gvk, parameters: params },
        patch: { "x-kubernetes-action": "patch", "x-kubernetes-group-version-kind": gvk, parameters: params },
      };
    }
    return {
      openapi: "3.0.0",
      info: {
        title: "Kubernetes (simulated by the cairn twin)",
        version: `v${this.options.kubernetesVersion}-twin`,
      },
      paths,
      components: { schemas: {} },
    };
  }

  // ---- reads --------------------------------------------------------------------------------------------------------

  private async list(ctx: RequestContext): Promise<void> {
    const { type, namespace, url, req, res } = ctx;
    const labels = parseLabelSelector(url.searchParams.get("labelSelector"));
    const fields = parseFieldSelector(url.searchParams.get("fieldSelector"), type.kind);
    const { items, revision } = await this.store.listForReading(type, namespace);
    const selected = items.filter(
      (x) => matches(labels, o(meta(x).labels) as Record<string, string>) && fieldsMatch(fields, x),
    );
    const listMeta = { resourceVersion: String(revision) };
    if (wantsTable(req)) {
      const include = (url.searchParams.get("includeObject") ?? "Metadata") as "None" | "Metadata" | "Object";
      return this.send(res, 200, toTable(type, selected, listMeta, include));
    }
    this.send(res, 200, {
      kind: type.listKind,
      apiVersion: groupVersion(type),
      metadata: listMeta,
      items: selected,
    });
  }

  private async watch(ctx: RequestContext): Promise<void> {
    const { type, namespace, url, res, name } = ctx;
    const labels = parseLabelSelector(url.searchParams.get("labelSelector"));
    const fields = parseFieldSelector(url.searchParams.get("fieldSelector"), type.kind);
    if (name) fields.push({ field: "metadata.name", op: "=", value: name });
    const rvParam = url.searchParams.get("resourceVersion");
    const initial = url.searchParams.get("sendInitialEvents") === "true";
    const timeout = Number(url.searchParams.get("timeoutSeconds") ?? 1800);
    const selected = (x: Obj): boolean =>
      matches(labels, o(meta(x).labels) as Record<string, string>) && fieldsMatch(fields, x);
    let from = Number(rvParam ?? 0);
    const initialItems: Obj[] = [];
    if (!rvParam || rvParam === "0" || initial) {
      const listed = await this.store.list(type, namespace);
      from = listed.revision;
      initialItems.push(...listed.items.filter(selected));
    }
    const abort = new AbortController();
    this.watches.add(abort);
    res.writeHead(200, {
      "content-type": "application/json",
      "transfer-encoding": "chunked",
      [SIMULATED_HEADER]: "simulated kube-apiserver",
      "cache-control": "no-cache, private",
    });
    const write = (e: Obj): void => {
      if (!res.writableEnded) res.write(`${JSON.stringify(e)}\n`);
    };
    for (const item of initialItems) write({ type: "ADDED", object: item });
    if (initial)
      write({
        type: "BOOKMARK",
        object: {
          kind: type.kind,
          apiVersion: groupVersion(type),
          metadata: { resourceVersion: String(from), annotations: { "k8s.io/initial-events-end": "true" } },
        },
      });
    const timer = setTimeout(() => abort.abort(), Math.max(1, timeout) * 1000);
    res.on("close", () => abort.abort());
    // Selectors turn an object leaving the selection into DELETED, as the watch cache does.
    const inSelection = new Set(initialItems.map((x) => String(meta(x).uid)));
    try {
      await this.store.watch(
        type,
        namespace,
        from,
        (e) => {
          const uid = String(meta(e.object).uid);
          const match = selected(e.object);
          if (e.type === "DELETED") {
            if (match || inSelection.delete(uid)) write({ type: "DELETED", object: e.object });
            return;
          }
          if (match) {
            write({
              type: inSelection.has(uid) ? "MODIFIED" : e.type === "ADDED" ? "ADDED" : "MODIFIED",
              object: e.object,
            });
            inSelection.add(uid);
          } else if (inSelection.delete(uid)) write({ type: "DELETED", object: e.object });
        },
        abort.signal,
      );
    } catch (e) {
      if (e instanceof EtcdCompacted)
        write({
          type: "ERROR",
          object: new ApiError(
            410,
            "Expired",
            `too old resource version: ${from} (${e.compactRevision})`,
          ).status(),
        });
      else if (!abort.signal.aborted)
        write({ type: "ERROR", object: unavailable(String((e as Error).message)).status() });
    } finally {
      clearTimeout(timer);
      this.watches.delete(abort);
      if (!res.writableEnded) res.end();
    }
  }

  private podLog(ctx: RequestContext): void {
    this.send(
      ctx.res,
      200,
      `twin (simulated): pod ${ctx.namespace}/${ctx.name} runs no real container, so it has no log\n`,
      "text/plain",
    );
  }

  // ---- writes -------------------------------------------------------------------------------------------------------

  /** Validates `obj` for `type`; returns the object to store (unknown fields dropped unless strict). */
  private admit(ctx: RequestContext, obj: Obj, name: string): Obj {
    const strictness = ctx.url.searchParams.get("fieldValidation") ?? "Warn";
    const result = validateObject(ctx.type, obj);
    if (result.unknownFields.length > 0) {
      if (strictness === "Strict")
        throw badRequest(
          `${ctx.type.kind} in version "${ctx.type.version}" cannot be handled as a ${ctx.type.kind}: strict decoding error: ${result.unknownFields.map((f) => `unknown field "${f}"`).join(", ")}`,
        );
      if (strictness === "Warn")
        ctx.res.setHeader(
          "warning",
          result.unknownFields.map((f) => `299 - "unknown field \\"${f}\\""`).join(", "),
        );
      pruneFields(obj, result.unknownFields);
    }
    if (result.causes.length > 0) throw invalid(ctx.type.kind, ctx.type.group, name, result.causes);
    return obj;
  }

  private checkKind(ctx: RequestContext, obj: Obj): void {
    const apiVersion = groupVersion(ctx.type);
    if (
      (obj.kind !== undefined && obj.kind !== ctx.type.kind) ||
      (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion)
    )
      throw badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`,
      );
    obj.apiVersion = apiVersion;
    obj.kind = ctx.type.kind;
  }

  private manager(ctx: RequestContext): string {
    return ctx.url.searchParams.get("fieldManager") ?? userAgentManager(ctx.req);
  }

  private recordUpdate(ctx: RequestContext, before: Obj | undefined, after: Obj): void {
    if (ctx.sub === "status") {
      meta(after).managedFields = before ? meta(before).managedFields : meta(after).managedFields;
      return;
    }
    meta(after).managedFields = recordUpdate(
      before,
      after,
      this.manager(ctx),
      groupVersion(ctx.type),
      ctx.sub,
      !ctx.type.crd,
    );
  }

  private async create(ctx: RequestContext): Promise<void> {
    const obj = o(await this.jsonBody(ctx.req));
    this.checkKind(ctx, obj);
    const m = meta(obj);
    if (ctx.type.namespaced) {
      if (m.namespace !== undefined && ctx.namespace !== undefined && m.namespace !== ctx.namespace)
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      m.namespace = ctx.namespace ?? m.namespace ?? "default";
    }
    if (!m.name && typeof m.generateName === "string")
      m.name = `${m.generateName}${randomBytes(3).toString("hex").slice(0, 5)}`;
    this.admit(ctx, obj, String(m.name ?? ""));
    defaults(ctx.type, obj);
    delete meta(obj).managedFields;
    this.recordUpdate(ctx, undefined, obj);
    if (ctx.url.searchParams.get("dryRun") === "All") return this.send(ctx.res, 201, obj);
    const created = await this.store.create(
      ctx.type,
      ctx.type.namespaced ? String(m.namespace) : undefined,
      obj,
    );
    this.send(ctx.res, 201, created);
  }

  /** The stored object with `next` written over it, keeping what the endpoint (main or status) may not change. */
  private merged(ctx: RequestContext, current: Obj, next: Obj): Obj {
    const hasStatusSub = ctx.type.subresources.includes("status");
    if (ctx.sub === "status") {
      const out = structuredClone(current);
      out.status = next.status;
      const nm = meta(next);
      // The status endpoint may also change labels and annotations in kube-apiserver; keep it to status here.
      void nm;
      return out;
    }
    if (hasStatusSub) next.status = current.status;
    if (next.status === undefined) delete next.status;
    return next;
  }

  private async write(ctx: RequestContext, current: Obj, next: Obj, applied = false): Promise<void> {
    this.checkKind(ctx, next);
    const nm = meta(next);
    const cm = meta(current);
    if (nm.name !== undefined && nm.name !== cm.name)
      throw badRequest(
        `the name of the object (${String(nm.name)}) does not match the name on the URL (${String(cm.name)})`,
      );
    nm.name = cm.name;
    if (ctx.type.namespaced) nm.namespace = cm.namespace;
    const rv = nm.resourceVersion;
    if (rv !== undefined && rv !== "" && rv !== cm.resourceVersion)
      throw conflict(
        ctx.type.resource,
        ctx.type.group,
        String(cm.name),
        "the object has been modified; please apply your changes to the latest version and try again",
      );
    nm.resourceVersion = cm.resourceVersion;
    const out = this.merged(ctx, current, next);
    this.admit(ctx, out, String(cm.name));
    defaults(ctx.type, out);
    // A write that sets managedFields itself (kubectl migrating client-side to server-side apply) is taken as is.
    const ownFields =
      meta(out).managedFields !== undefined &&
      JSON.stringify(meta(out).managedFields) !== JSON.stringify(cm.managedFields);
    if (!applied && !ownFields) {
      meta(out).managedFields = cm.managedFields;
      this.recordUpdate(ctx, current, out);
    }
    if (ctx.url.searchParams.get("dryRun") === "All") return this.send(ctx.res, 200, out);
    this.send(ctx.res, 200, await this.store.replace(ctx.type, current, out));
  }

  private async update(ctx: RequestContext): Promise<void> {
    const next = o(await this.jsonBody(ctx.req));
    const current = await this.store.mustGet(ctx.type, ctx.namespace, ctx.name!);
    await this.write(ctx, current, next);
  }

  private async patch(ctx: RequestContext): Promise<void> {
    const contentType = String(ctx.req.headers["content-type"] ?? "")
      .split(";")[0]!
      .trim();
    const text = await this.body(ctx.req);
    let patch: unknown;
    try {
      patch =
        contentType === "application/apply-patch+yaml" ? parseYaml(text, "the patch") : JSON.parse(text);
    } catch (e) {
      throw badRequest(`error decoding patch: ${(e as Error).message}`);
    }
    // kube-apiserver's GuaranteedUpdate: a patch without a resourceVersion precondition applies to the latest
    // object, so one that lost a race with another writer (a kubelet's status post) is applied again, never a 409.
    const precondition = !Array.isArray(patch) && o(o(patch).metadata).resourceVersion !== undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.patchOnce(ctx, contentType, patch);
      } catch (e) {
        if (precondition || attempt >= 50 || !lostWriteRace(e)) throw e;
      }
    }
  }

  private async patchOnce(ctx: RequestContext, contentType: string, patch: unknown): Promise<void> {
    const current = await this.store.get(ctx.type, ctx.namespace, ctx.name!);
    if (contentType === "application/apply-patch+yaml") {
      const manager = ctx.url.searchParams.get("fieldManager");
      if (!manager)
        throw badRequest(
          'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        );
      const force = ctx.url.searchParams.get("force") === "true";
      const applied = o(patch);
      this.checkKind(ctx, applied);
      const result = serverSideApply(
        current,
        applied,
        manager,
        force,
        groupVersion(ctx.type),
        ctx.sub,
        !ctx.type.crd,
      );
      if (!current) {
        const m = meta(result);
        if (ctx.type.namespaced) m.namespace = ctx.namespace ?? m.namespace ?? "default";
        this.admit(ctx, result, String(m.name ?? ""));
        defaults(ctx.type, result);
        if (ctx.url.searchParams.get("dryRun") === "All") return this.send(ctx.res, 201, result);
        return this.send(
          ctx.res,
          201,
          await this.store.create(ctx.type, ctx.type.namespaced ? String(m.namespace) : undefined, result),
        );
      }
      return this.write(ctx, current, result, true);
    }
    if (!current) throw notFound(ctx.type.resource, ctx.type.group, ctx.name!);
    const base = structuredClone(current);
    let next: Obj;
    if (contentType === "application/json-patch+json") next = applyJsonPatch(base, patch);
    else if (contentType === "application/merge-patch+json") next = o(applyMergePatch(base, patch));
    else if (contentType === "application/strategic-merge-patch+json") {
      if (ctx.type.crd)
        throw new ApiError(
          415,
          "UnsupportedMediaType",
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
        );
      next = o(applyStrategicMergePatch(base, patch));
    } else
      throw new ApiError(
        415,
        "UnsupportedMediaType",
        `the media type "${contentType}" is not supported for PATCH`,
      );
    // A patch that carries a resourceVersion is a precondition; one that does not applies to the latest.
    const patchRv = o(o(patch).metadata).resourceVersion;
    if (patchRv === undefined) meta(next).resourceVersion = meta(current).resourceVersion;
    await this.write(ctx, current, next);
  }

  private deleteOptions(ctx: RequestContext, body: Obj): { rv?: number } {
    const pre = o(body.preconditions);
    const rv = pre.resourceVersion ?? undefined;
    return rv === undefined ? {} : { rv: Number(rv) };
  }

  private async remove(ctx: RequestContext): Promise<void> {
    const text = await this.body(ctx.req);
    const body = text ? o(JSON.parse(text)) : {};
    const { rv } = this.deleteOptions(ctx, body);
    if (
      ctx.url.searchParams.get("dryRun") === "All" ||
      (Array.isArray(body.dryRun) && body.dryRun.includes("All"))
    )
      return this.send(ctx.res, 200, await this.store.mustGet(ctx.type, ctx.namespace, ctx.name!));
    if (ctx.type.resource === "namespaces") return this.deleteNamespace(ctx);
    const { object, gone } = await this.store.delete(ctx.type, ctx.namespace, ctx.name!, rv);
    if (!gone) return this.send(ctx.res, 200, object);
    this.send(ctx.res, 200, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      details: { name: ctx.name, group: ctx.type.group, kind: ctx.type.resource, uid: meta(object).uid },
    });
  }

  /** A namespace deletes its contents first (the namespace controller's job), then itself. */
  private async deleteNamespace(ctx: RequestContext): Promise<void> {
    const current = await this.store.mustGet(ctx.type, undefined, ctx.name!);
    if (["default", "kube-system", "kube-public", "kube-node-lease"].includes(ctx.name!))
      throw new ApiError(
        403,
        "Forbidden",
        `namespaces "${ctx.name}" is forbidden: this namespace may not be deleted`,
      );
    for (const t of this.types.all().filter((x) => x.namespaced)) {
      const { items } = await this.store.list(t, ctx.name);
      for (const item of items)
        await this.store.delete(t, ctx.name, String(meta(item).name)).catch(() => undefined);
    }
    await this.store.delete(ctx.type, undefined, ctx.name!);
    const out = structuredClone(current);
    meta(out).deletionTimestamp = now3339();
    out.status = { phase: "Terminating" };
    this.send(ctx.res, 200, out);
  }

  private async removeCollection(ctx: RequestContext): Promise<void> {
    const labels = parseLabelSelector(ctx.url.searchParams.get("labelSelector"));
    const fields = parseFieldSelector(ctx.url.searchParams.get("fieldSelector"), ctx.type.kind);
    const { items, revision } = await this.store.list(ctx.type, ctx.namespace);
    const gone: Obj[] = [];
    for (const x of items)
      if (matches(labels, o(meta(x).labels) as Record<string, string>) && fieldsMatch(fields, x)) {
        await this.store
          .delete(ctx.type, meta(x).namespace as string | undefined, String(meta(x).name))
          .catch(() => undefined);
        gone.push(x);
      }
    this.send(ctx.res, 200, {
      kind: ctx.type.listKind,
      apiVersion: groupVersion(ctx.type),
      metadata: { resourceVersion: String(revision) },
      items: gone,
    });
  }

  // ---- subresources -------------------------------------------------------------------------------------------------

  /** policy/v1 Eviction: deletes the pod unless a PodDisruptionBudget would be violated (429, as the real one). */
  private async evict(ctx: RequestContext): Promise<void> {
    const body = o(await this.jsonBody(ctx.req));
    if (body.kind !== undefined && body.kind !== "Eviction")
      throw badRequest(`expected Eviction, got ${String(body.kind)}`);
    const pod = await this.store.mustGet(ctx.type, ctx.namespace, ctx.name!);
    const pdbType = this.types.find("policy", "v1", "poddisruptionbudgets")!;
    const { items: pdbs } = await this.store.list(pdbType, ctx.namespace);
    const matching = pdbs.filter((p) =>
      matches(labelSelectorOf(o(p.spec).selector), o(meta(pod).labels) as Record<string, string>),
    );
    if (matching.length > 1)
      throw new ApiError(
        500,
        "InternalError",
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
      );
    if (matching.length === 1) {
      const { items: pods } = await this.store.list(ctx.type, ctx.namespace);
      const blocker = evictionBlocker(matching[0]!, pod, pods);
      if (blocker)
        throw tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", [
          { reason: "DisruptionBudget", message: blocker },
        ]);
    }
    if (ctx.url.searchParams.get("dryRun") !== "All")
      await this.store.delete(ctx.type, ctx.namespace, ctx.name!).catch(() => undefined);
    this.send(ctx.res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
  }

  /** autoscaling/v1 Scale of Deployments, ReplicaSets and StatefulSets (kubectl scale). */
  private async scale(ctx: RequestContext): Promise<void> {
    const current = await this.store.mustGet(ctx.type, ctx.namespace, ctx.name!);
    const toScale = (x: Obj): Obj => ({
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: meta(x).name,
        namespace: meta(x).namespace,
        uid: meta(x).uid,
        resourceVersion: meta(x).resourceVersion,
        creationTimestamp: meta(x).creationTimestamp,
      },
      spec: { replicas: o(x.spec).replicas ?? 1 },
      status: { replicas: o(x.status).replicas ?? 0, selector: selectorText(o(o(x.spec).selector)) },
    });
    const method = ctx.req.method ?? "GET";
    if (method === "GET") return this.send(ctx.res, 200, toScale(current));
    const body = o(await this.jsonBody(ctx.req));
    let scale = toScale(current);
    if (method === "PUT") scale = body;
    else if (method === "PATCH") {
      const ct = String(ctx.req.headers["content-type"] ?? "");
      scale = ct.includes("json-patch") ? applyJsonPatch(scale, body) : o(applyMergePatch(scale, body));
    } else throw methodNotAllowed();
    const replicas = o(scale.spec).replicas;
    if (typeof replicas !== "number" || replicas < 0)
      throw invalid("Scale", "autoscaling", ctx.name!, [
        {
          reason: "FieldValueInvalid",
          message: `Invalid value: ${String(replicas)}: must be greater than or equal to 0`,
          field: "spec.replicas",
        },
      ]);
    const next = structuredClone(current);
    o(next.spec).replicas = replicas;
    const stored = await this.store.replace(ctx.type, current, next);
    this.send(ctx.res, 200, toScale(stored));
  }
}

interface RequestContext {
  who: Identity;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  sub: string | undefined;
}

/** Whether a resource path (after /api/v1 or /apis/<group>/<version>) names a built-in type. */
function isBuiltin(group: string, version: string, rest: readonly string[]): boolean {
  const r = rest[0] === "watch" ? rest.slice(1) : rest;
  const resource = r[0] === "namespaces" && r.length >= 3 ? r[2] : r[0];
  return BUILTIN_TYPES.some((t) => t.group === group && t.version === version && t.resource === resource);
}

function wantsTable(req: IncomingMessage): boolean {
  return /as=Table/.test(String(req.headers.accept ?? ""));
}

function userAgentManager(req: IncomingMessage): string {
  // kube-apiserver derives the manager from the user agent's program name when none is given.
  return String(req.headers["user-agent"] ?? "unknown").split("/")[0] || "unknown";
}

function selectorText(sel: Obj): string {
  return Object.entries(o(sel.matchLabels))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(",");
}
