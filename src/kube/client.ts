// The Kubernetes client boundary: a thin typed client over node:https (no client library: cairn needs a dozen calls
// and mTLS with its own admin certificate, and @kubernetes/client-node would bring a large dependency tree for that).
// TLS is always verified against the kubeconfig's CA. Requests go to the cluster endpoint (VIP or load balancer)
// first and fail over to each control plane's address when an endpoint cannot be reached; HTTP answers, even
// errors, never cause a failover (the API spoke, and every member would say the same).
import { Agent, request as httpsRequest } from "node:https";
import type { IncomingMessage } from "node:http";
import { KubeApiError, KubeUnreachable, type StatusCause } from "./errors.js";
import type { KubeCredentials } from "./kubeconfig.js";

export interface KubeClientOptions {
  /** Servers in the order to try, e.g. [cluster endpoint, https://cp1:6443, …]; the credentials' server if empty. */
  endpoints?: string[];
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Connection timeout per endpoint before failing over (default 3 s). */
  connectTimeoutMs?: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Content type of the body (default application/json). */
  contentType?: string;
  timeoutMs?: number;
  /** Return the body text instead of parsing JSON. */
  text?: boolean;
  /** Accept header (default application/json). */
  accept?: string;
}

type Obj = Record<string, unknown>;

/** A kube-apiserver list response. */
export interface KubeList<T = Obj> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

const CONNECT_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EPIPE",
  "CONNECT_TIMEOUT",
]);

class ConnectError extends Error {
  readonly code: string;
  /** The request went out on a kept-alive connection the server had already closed: it was never served. */
  readonly staleSocket: boolean;
  constructor(code: string, message: string, staleSocket = false) {
    super(message);
    this.code = code;
    this.staleSocket = staleSocket;
  }
}

export class KubeClient {
  readonly endpoints: string[];
  private readonly creds: KubeCredentials;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly agent: Agent;
  private preferred = 0;

  constructor(creds: KubeCredentials, options: KubeClientOptions = {}) {
    this.creds = creds;
    const endpoints = options.endpoints?.length ? options.endpoints : [creds.server];
    this.endpoints = [...new Set(endpoints.map((e) => e.replace(/\/+$/, "")))];
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 3000;
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 8,
      ca: creds.caPem,
      cert: creds.certPem,
      key: creds.keyPem,
    });
  }

  /** The endpoint the last successful request used. */
  get endpoint(): string {
    return this.endpoints[this.preferred]!;
  }

  close(): void {
    this.agent.destroy();
  }

  async request<T = Obj>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const attempts: { endpoint: string; error: string }[] = [];
    for (let i = 0; i < this.endpoints.length; i++) {
      const index = (this.preferred + i) % this.endpoints.length;
      const endpoint = this.endpoints[index]!;
      try {
        const result = await this.once<T>(endpoint, method, path, options).catch((e: unknown) => {
          // A server that restarted or timed out an idle connection leaves the agent a dead socket; Node's
          // documented remedy is to send again on a fresh one (the request never reached the server).
          if (e instanceof ConnectError && e.staleSocket)
            return this.once<T>(endpoint, method, path, options);
          throw e;
        });
        this.preferred = index;
        return result;
      } catch (e) {
        if (e instanceof ConnectError) {
          attempts.push({ endpoint, error: e.message });
          continue;
        }
        throw e;
      }
    }
    throw new KubeUnreachable(attempts);
  }

  private once<T>(endpoint: string, method: string, path: string, options: RequestOptions): Promise<T> {
    const url = new URL(path, `${endpoint}/`);
    for (const [k, v] of Object.entries(options.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const body =
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body);
    return new Promise<T>((resolve, reject) => {
      let connected = false;
      let answered = false;
      const req = httpsRequest(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            accept: options.accept ?? "application/json",
            "user-agent": "cairn",
            ...(body !== undefined
              ? {
                  "content-type": options.contentType ?? "application/json",
                  "content-length": Buffer.byteLength(body),
                }
              : {}),
          },
        },
        (res: IncomingMessage) => {
          answered = true;
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (e) => reject(new ConnectError("ECONNRESET", e.message)));
          res.on("end", () => {
            clearTimeout(timer);
            const text = Buffer.concat(chunks).toString("utf8");
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) {
              if (options.text) return resolve(text as T);
              try {
                resolve((text ? JSON.parse(text) : {}) as T);
              } catch {
                reject(
                  new KubeApiError(
                    code,
                    "InvalidResponse",
                    `${method} ${url.pathname}: the answer is not JSON`,
                    [],
                    endpoint,
                  ),
                );
              }
              return;
            }
            let status: { reason?: string; message?: string; details?: { causes?: StatusCause[] } } = {};
            try {
              status = JSON.parse(text) as typeof status;
            } catch {
              status = { message: text.trim() || `HTTP ${code}` };
            }
            reject(
              new KubeApiError(
                code,
                status.reason ?? `HTTP${code}`,
                status.message ?? `HTTP ${code}`,
                status.details?.causes ?? [],
                endpoint,
              ),
            );
          });
        },
      );
      const timer = setTimeout(() => {
        req.destroy(
          connected
            ? new Error(`no answer in ${options.timeoutMs ?? this.timeoutMs} ms`)
            : new ConnectError("CONNECT_TIMEOUT", `no connection in ${this.connectTimeoutMs} ms`),
        );
      }, options.timeoutMs ?? this.timeoutMs);
      const connectTimer = setTimeout(() => {
        if (!connected)
          req.destroy(new ConnectError("CONNECT_TIMEOUT", `no connection in ${this.connectTimeoutMs} ms`));
      }, this.connectTimeoutMs);
      req.on("socket", (s) => {
        const done = (): void => {
          connected = true;
          clearTimeout(connectTimer);
        };
        if (!s.connecting && (s as { encrypted?: boolean }).encrypted) done();
        else s.once("secureConnect", done);
      });
      req.on("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        clearTimeout(connectTimer);
        if (e instanceof ConnectError) return reject(e);
        const stale = req.reusedSocket && !answered && (e.code === "ECONNRESET" || e.code === "EPIPE");
        if (!connected || CONNECT_ERRORS.has(e.code ?? ""))
          return reject(new ConnectError(e.code ?? "ECONNECT", e.message, stale));
        reject(new KubeApiError(0, "RequestFailed", `${method} ${url.pathname}: ${e.message}`, [], endpoint));
      });
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  // ---- conveniences -----------------------------------------------------------------------------------------------

  get<T = Obj>(path: string, query?: RequestOptions["query"]): Promise<T> {
    return this.request<T>("GET", path, { query });
  }

  list<T = Obj>(path: string, query?: RequestOptions["query"]): Promise<KubeList<T>> {
    return this.request<KubeList<T>>("GET", path, { query });
  }

  /** Strategic merge patch (built-ins) — or merge patch with `type: "merge"` (custom resources). */
  patch<T = Obj>(
    path: string,
    patch: unknown,
    type: "strategic" | "merge" | "json" = "strategic",
  ): Promise<T> {
    const contentType =
      type === "strategic"
        ? "application/strategic-merge-patch+json"
        : type === "merge"
          ? "application/merge-patch+json"
          : "application/json-patch+json";
    return this.request<T>("PATCH", path, { body: patch, contentType });
  }

  post<T = Obj>(path: string, body: unknown): Promise<T> {
    return this.request<T>("POST", path, { body });
  }

  delete<T = Obj>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("DELETE", path, body === undefined ? {} : { body });
  }
}

/** Endpoints in failover order: the cluster endpoint, then each control plane at the endpoint's port. */
export function failoverEndpoints(
  clusterEndpoint: string,
  controlPlaneAddresses: readonly string[],
): string[] {
  const url = new URL(clusterEndpoint);
  const port = url.port || "6443";
  const hostOf = (a: string): string => (a.includes(":") && !a.startsWith("[") ? `[${a}]` : a);
  return [
    ...new Set([
      clusterEndpoint.replace(/\/+$/, ""),
      ...controlPlaneAddresses.map((a) => `https://${hostOf(a)}:${port}`),
    ]),
  ];
}
