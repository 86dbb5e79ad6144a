// The gRPC layer under the Talos client: one grpc-js channel per endpoint, failover across endpoints, connect-then-
// call, retries with backoff on UNAVAILABLE, node targeting metadata, and mapping of gRPC failures to typed errors.
// Closing the transport ends everything it started: calls in flight are cancelled, connection waits and backoff
// sleeps end, so a caller that has its answer (a verdict, a timeout) never waits for a hung node's deadline.
import { Client, connectivityState, Metadata, status as Status, type ServiceError } from "@grpc/grpc-js";
import {
  ClientCertificateRefused,
  FingerprintMismatch,
  TalosChannelCredentials,
  type HandshakeObserver,
  type TlsMode,
} from "./credentials.js";
import {
  TalosApiError,
  TalosCallError,
  TalosCertificateError,
  TalosClientCertificateRefusedError,
  TalosClientClosedError,
  TalosMaintenanceModeError,
  TalosPermissionDeniedError,
  TalosTimeoutError,
  TalosUnreachableError,
  TalosVersionMismatchError,
} from "./errors.js";
import type { Input, MethodDef } from "./messages.js";

const DEFAULT_PORT = 50000;
/** Talos' constants.GRPCMaxMessageSize. */
const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/**
 * Which machines a call is about. `nodes` is apid's one-to-many proxying (replies per node, errors inline); `node`
 * is one-to-one (the only form COSI accepts); none talks to the endpoint itself.
 */
export type Targeting = { nodes: readonly string[] } | { node: string } | undefined;

export interface RetryPolicy {
  /** Total attempts per endpoint round, including the first. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface TransportOptions {
  endpoints: readonly string[];
  tls: TlsMode;
  /** Deadline for unary calls. Default 60 s. */
  timeoutMs?: number;
  /** How long to wait for one endpoint's TLS connection. Default 10 s. */
  connectTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Maintenance mode: called with each endpoint's certificate fingerprint as soon as it is seen. */
  onFingerprint?: (endpoint: string, fingerprint: string) => void;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

export interface CallOptions {
  /** Retry on UNAVAILABLE after the request may have reached the node. Only for calls safe to repeat. */
  idempotent: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 4, initialDelayMs: 250, maxDelayMs: 4000 };

/** "10.0.0.1" → "10.0.0.1:50000", "::1" → "[::1]:50000"; explicit ports are kept. */
function normalizeEndpoint(endpoint: string): string {
  let e = endpoint.trim();
  e = e.replace(/^(https?|tcp|dns):\/\/\/?/, "");
  if (e.startsWith("[")) return e.includes("]:") ? e : `${e}:${DEFAULT_PORT}`;
  const colons = (e.match(/:/g) ?? []).length;
  if (colons > 1) return `[${e}]:${DEFAULT_PORT}`;
  if (colons === 1) return e;
  return `${e}:${DEFAULT_PORT}`;
}

function targetingMetadata(targeting: Targeting): Metadata {
  const md = new Metadata();
  if (targeting && "nodes" in targeting) for (const n of targeting.nodes) md.add("nodes", n);
  else if (targeting && "node" in targeting) md.set("node", targeting.node);
  return md;
}

function isServiceError(e: unknown): e is ServiceError {
  return (
    typeof e === "object" && e !== null && "code" in e && typeof (e as { code: unknown }).code === "number"
  );
}

class ConnectFailure extends Error {
  constructor(
    readonly endpoint: string,
    readonly reason: Error | undefined,
  ) {
    super(reason?.message ?? "connection refused or timed out");
  }
}

export class TalosTransport implements HandshakeObserver {
  readonly endpoints: readonly string[];
  readonly tls: TlsMode;
  private readonly options: TransportOptions;
  private readonly retry: RetryPolicy;
  private readonly credentials: TalosChannelCredentials;
  private readonly clients = new Map<string, Client>();
  private readonly lastFailure = new Map<string, Error>();
  private readonly fingerprints = new Map<string, string>();
  /** The endpoint that last worked is tried first. */
  private preferred = 0;
  private closed = false;
  /** How to end each call in flight, connection wait and backoff sleep; run by close(). */
  private readonly pending = new Set<() => void>();

  constructor(options: TransportOptions) {
    if (options.endpoints.length === 0) throw new TypeError("TalosTransport needs at least one endpoint");
    this.options = options;
    this.endpoints = options.endpoints.map(normalizeEndpoint);
    this.tls = options.tls;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.credentials = new TalosChannelCredentials(options.tls, this);
  }

  // HandshakeObserver
  fingerprint(endpoint: string, fingerprint: string): void {
    if (this.fingerprints.get(endpoint) !== fingerprint) this.options.onFingerprint?.(endpoint, fingerprint);
    this.fingerprints.set(endpoint, fingerprint);
  }

  failure(endpoint: string, error: Error): void {
    this.lastFailure.set(endpoint, error);
  }

  /** Certificate fingerprints seen so far (maintenance mode), by endpoint. */
  observedFingerprints(): ReadonlyMap<string, string> {
    return this.fingerprints;
  }

  /**
   * Ends the transport: every pending call is cancelled (its promise rejects with TalosClientClosedError), and the
   * channels close, so nothing of this client keeps the process alive. grpc-js' own close leaves started calls
   * running until their deadline, which is why the calls are tracked here.
   */
  close(): void {
    this.closed = true;
    for (const end of [...this.pending]) end();
    this.pending.clear();
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Registers how to end something in flight; returns its deregistration. */
  private track(end: () => void): () => void {
    this.pending.add(end);
    return () => void this.pending.delete(end);
  }

  /** Runs `cancel` when the signal aborts; returns the listener's removal (long-lived signals must not pile up). */
  private onAbort(signal: AbortSignal | undefined, cancel: () => void): () => void {
    if (!signal) return () => undefined;
    if (signal.aborted) {
      cancel();
      return () => undefined;
    }
    signal.addEventListener("abort", cancel, { once: true });
    return () => signal.removeEventListener("abort", cancel);
  }

  /**
   * Cancels `call` when the transport closes or the signal aborts; returns the release of both hooks, for when the
   * call has settled.
   */
  private bindCancel(call: { cancel(): void }, signal: AbortSignal | undefined): () => void {
    const cancel = (): void => call.cancel();
    const untrack = this.track(cancel);
    const unlisten = this.onAbort(signal, cancel);
    return () => {
      untrack();
      unlisten();
    };
  }

  private client(endpoint: string): Client {
    let c = this.clients.get(endpoint);
    if (!c) {
      c = new Client(endpoint, this.credentials, {
        "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
        "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
        // Our own connector decides TLS; keep the authority header as the endpoint for apid's logs.
        "grpc.default_authority": endpoint,
        // Backoff between reconnects is ours; a shorter channel backoff keeps failover snappy.
        "grpc.initial_reconnect_backoff_ms": 200,
        "grpc.max_reconnect_backoff_ms": 2000,
      });
      this.clients.set(endpoint, c);
    }
    return c;
  }

  /** Resolves when the endpoint's channel is READY; rejects as soon as a connection attempt fails. */
  private connect(endpoint: string, signal?: AbortSignal): Promise<Client> {
    const client = this.client(endpoint);
    const channel = client.getChannel();
    const deadline = Date.now() + (this.options.connectTimeoutMs ?? 10_000);
    this.lastFailure.delete(endpoint);
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (f: () => void): void => {
        if (settled) return;
        settled = true;
        untrack();
        f();
      };
      const untrack = this.track(() => settle(() => reject(new ConnectFailure(endpoint, undefined))));
      const check = (): void => {
        if (settled) return;
        if (signal?.aborted) return settle(() => reject(signal.reason));
        const state = channel.getConnectivityState(true);
        if (state === connectivityState.READY) return settle(() => resolve(client));
        if (state === connectivityState.TRANSIENT_FAILURE || state === connectivityState.SHUTDOWN)
          return settle(() => reject(new ConnectFailure(endpoint, this.lastFailure.get(endpoint))));
        if (Date.now() >= deadline)
          return settle(() => reject(new ConnectFailure(endpoint, new Error("connection timed out"))));
        channel.watchConnectivityState(state, deadline, (err) => {
          if (err)
            return settle(() => reject(new ConnectFailure(endpoint, new Error("connection timed out"))));
          check();
        });
      };
      check();
    });
  }

  /** Backoff between rounds; close() ends it early. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const untrack = this.track(() => {
        clearTimeout(timer);
        resolve();
      });
      const done = (): void => {
        untrack();
        resolve();
      };
      if (this.options.sleep) void this.options.sleep(ms).then(done, done);
      else timer = setTimeout(done, ms);
    });
  }

  private order(): string[] {
    const n = this.endpoints.length;
    return Array.from({ length: n }, (_, i) => this.endpoints[(this.preferred + i) % n]!);
  }

  /**
   * Runs `call` on a connected endpoint. A failed connection fails over to the next endpoint (the request was not
   * sent, so this is safe for any call); UNAVAILABLE from the call itself is retried only for idempotent calls.
   * After each round over all endpoints, waits with exponential backoff.
   */
  private async withEndpoint<R>(
    method: MethodDef<unknown, unknown>,
    opts: CallOptions,
    call: (client: Client, endpoint: string) => Promise<R>,
  ): Promise<R> {
    let lastError: unknown;
    let delay = this.retry.initialDelayMs;
    const closed = (): TalosClientClosedError => new TalosClientClosedError(method.path);
    for (let attempt = 0; attempt < this.retry.attempts; attempt++) {
      if (attempt > 0) {
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.retry.maxDelayMs);
      }
      for (const endpoint of this.order()) {
        if (this.closed) throw closed();
        let client: Client;
        try {
          client = await this.connect(endpoint, opts.signal);
        } catch (e) {
          if (this.closed) throw closed();
          if (!(e instanceof ConnectFailure)) throw e;
          if (e.reason instanceof ClientCertificateRefused)
            throw new TalosClientCertificateRefusedError(endpoint, e.reason.detail);
          // A wrong certificate will not fix itself by retrying.
          if (e.reason instanceof FingerprintMismatch)
            throw new TalosCertificateError(
              `refusing ${endpoint}: ${e.reason.message}`,
              endpoint,
              e.reason.observed,
              {
                hint: "the node's certificate changed or this is not the machine you meant; check its console",
              },
            );
          if (e.reason && isTlsVerificationError(e.reason))
            throw new TalosCertificateError(
              `TLS verification of ${endpoint} failed: ${e.reason.message}`,
              endpoint,
              undefined,
              {
                hint: "the talosconfig's CA must have signed the node's certificate, and the endpoint must be one of its IP SANs",
              },
            );
          lastError = e;
          continue;
        }
        try {
          const result = await call(client, endpoint);
          this.preferred = this.endpoints.indexOf(endpoint);
          return result;
        } catch (e) {
          if (this.closed) throw closed();
          // TLS 1.3 reports a refused client certificate after the handshake: the call sees a dropped connection.
          const refusal = this.lastFailure.get(endpoint);
          if (
            refusal instanceof ClientCertificateRefused &&
            isServiceError(e) &&
            e.code === Status.UNAVAILABLE
          )
            throw new TalosClientCertificateRefusedError(endpoint, refusal.detail);
          if (isServiceError(e) && e.code === Status.UNAVAILABLE && opts.idempotent) {
            lastError = e;
            continue;
          }
          throw mapError(e, method, endpoint, opts.timeoutMs ?? this.options.timeoutMs ?? 60_000);
        }
      }
    }
    const message = lastError instanceof Error ? lastError.message : String(lastError);
    throw new TalosUnreachableError(this.endpoints, message, { cause: lastError });
  }

  private callOptions(timeoutMs: number | undefined): { deadline?: Date } {
    return timeoutMs === undefined || timeoutMs <= 0 ? {} : { deadline: new Date(Date.now() + timeoutMs) };
  }

  async unary<Req, Res>(
    method: MethodDef<Req, Res>,
    request: Input<Req>,
    targeting: Targeting,
    opts: CallOptions,
  ): Promise<Res> {
    const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs ?? 60_000;
    return this.withEndpoint(method as MethodDef<unknown, unknown>, opts, (client) => {
      return new Promise<Res>((resolve, reject) => {
        let release = (): void => undefined;
        const call = client.makeUnaryRequest<Input<Req>, Res>(
          method.path,
          (v) => method.request.encode(v),
          (b) => method.response.decode(b),
          request,
          targetingMetadata(targeting),
          this.callOptions(timeoutMs),
          (err, value) => {
            release();
            if (err) reject(err);
            else resolve(value as Res);
          },
        );
        release = this.bindCancel(call, opts.signal);
      });
    });
  }

  /**
   * A server stream. Establishing it (until the first message) gets failover and, for idempotent calls, retries;
   * a failure after data arrived is thrown to the consumer as a typed error.
   */
  async *serverStream<Req, Res>(
    method: MethodDef<Req, Res>,
    request: Input<Req>,
    targeting: Targeting,
    opts: CallOptions,
  ): AsyncGenerator<Res> {
    type Started = {
      first: IteratorResult<Res>;
      iterator: AsyncIterator<Res>;
      endpoint: string;
      /** Cancels the call and drops its registrations. */
      end: () => void;
    };
    const started = await this.withEndpoint<Started>(
      method as MethodDef<unknown, unknown>,
      opts,
      async (client, endpoint) => {
        const call = client.makeServerStreamRequest<Input<Req>, Res>(
          method.path,
          (v) => method.request.encode(v),
          (b) => method.response.decode(b),
          request,
          targetingMetadata(targeting),
          this.callOptions(opts.timeoutMs),
        );
        const release = this.bindCancel(call, opts.signal);
        const end = (): void => {
          release();
          call.cancel();
        };
        try {
          const iterator = (call as AsyncIterable<Res>)[Symbol.asyncIterator]();
          const first = await iterator.next();
          return { first, iterator, endpoint, end };
        } catch (e) {
          end();
          throw e;
        }
      },
    );
    const { iterator, endpoint } = started;
    try {
      let next = started.first;
      while (!next.done) {
        yield next.value;
        next = await iterator.next();
      }
    } catch (e) {
      if (opts.signal?.aborted) return;
      if (this.closed) throw new TalosClientClosedError(method.path);
      throw mapError(e, method as MethodDef<unknown, unknown>, endpoint, opts.timeoutMs ?? 0);
    } finally {
      started.end();
    }
  }

  /** A client stream: sends every chunk (honouring back-pressure), then waits for the single reply. */
  async clientStream<Req, Res>(
    method: MethodDef<Req, Res>,
    requests: AsyncIterable<Input<Req>> | Iterable<Input<Req>>,
    targeting: Targeting,
    opts: CallOptions,
  ): Promise<Res> {
    return this.withEndpoint(method as MethodDef<unknown, unknown>, opts, (client) => {
      return new Promise<Res>((resolve, reject) => {
        let release = (): void => undefined;
        const call = client.makeClientStreamRequest<Input<Req>, Res>(
          method.path,
          (v) => method.request.encode(v),
          (b) => method.response.decode(b),
          targetingMetadata(targeting),
          this.callOptions(opts.timeoutMs),
          (err, value) => {
            release();
            if (err) reject(err);
            else resolve(value as Res);
          },
        );
        release = this.bindCancel(call, opts.signal);
        void (async () => {
          try {
            for await (const chunk of requests) {
              if (!call.write(chunk)) await new Promise((r) => call.once("drain", r));
            }
            call.end();
          } catch (e) {
            call.cancel();
            reject(e);
          }
        })();
      });
    });
  }
}

function isTlsVerificationError(e: Error): boolean {
  const code = (e as { code?: string }).code ?? "";
  return (
    code.startsWith("ERR_TLS_CERT") ||
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_SSL/.test(code) ||
    /certificate/i.test(e.message)
  );
}

const MAINTENANCE_MESSAGE = /not implemented in maintenance mode/i;

/** Maps a gRPC failure to the typed error the rest of cairn handles. */
function mapError(
  e: unknown,
  method: MethodDef<unknown, unknown>,
  endpoint: string,
  timeoutMs: number,
): Error {
  if (e instanceof TalosApiError) return e;
  if (!isServiceError(e)) return e instanceof Error ? e : new Error(String(e));
  const details = e.details || e.message;
  const where = { endpoint };
  switch (e.code) {
    case Status.PERMISSION_DENIED:
      return new TalosPermissionDeniedError(method.path, details, where);
    case Status.UNIMPLEMENTED:
      return MAINTENANCE_MESSAGE.test(details)
        ? new TalosMaintenanceModeError(method.path, where)
        : new TalosVersionMismatchError(method.path, details, where);
    case Status.DEADLINE_EXCEEDED:
      return new TalosTimeoutError(method.path, timeoutMs, where);
    case Status.UNAVAILABLE:
      return new TalosUnreachableError([endpoint], details, { cause: e });
    default:
      return new TalosCallError(method.path, e.code, details, where);
  }
}
