// The grpc-js side of a twin node: one server per node and boot, speaking raw protobuf bytes so apid's
// one-to-many proxying can be done at the wire level as Talos does. Maintenance servers ask for no client
// certificate; normal servers require one signed by the node's accepted CAs, check its extended key usage at the
// TLS layer (like apid's VerifyPeerCertificate) and take roles from its Subject O.
import * as grpc from "@grpc/grpc-js";
import type { Server as NetServer } from "node:net";
import type { TLSSocket } from "node:tls";
import { talosRoot, SERVICES } from "../talos/api/messages.js";
import { clientIdentity } from "./certs.js";
import { implementation, RpcError, type Impl } from "./handlers.js";
import type { CallContext, TwinNode, NodeMode } from "./node.js";
import { ALL_ROLES, parseRoles } from "./rbac.js";
import { appendStreamMetadata, appendUnaryMetadata, streamErrorMessage, unaryErrorReply } from "./wire.js";

const MAX_MESSAGE = 32 * 1024 * 1024;
const identity = (b: Buffer): Buffer => b;

/** Methods and their streaming shape, from the .proto declarations. */
function serviceMethods(): {
  service: string;
  name: string;
  path: string;
  requestStream: boolean;
  responseStream: boolean;
}[] {
  const out = [];
  for (const service of SERVICES) {
    const svc = talosRoot().lookupService(service);
    for (const [name, m] of Object.entries(svc.methods)) {
      out.push({
        service,
        name,
        path: `/${service}/${name}`,
        requestStream: Boolean(m.requestStream),
        responseStream: Boolean(m.responseStream),
      });
    }
  }
  return out;
}

function grpcStatusName(code: number): string {
  return (grpc.status as unknown as Record<number, string>)[code] ?? String(code);
}

/** The error string Go's grpc status prints, which Talos puts in metadata.error. */
export function goErrorString(code: number, message: string): string {
  const name = grpcStatusName(code)
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _u: string, c: string) => c.toUpperCase());
  const goName = name === "Ok" ? "OK" : name;
  return `rpc error: code = ${goName} desc = ${message}`;
}

function toRpcError(e: unknown): RpcError {
  if (e instanceof RpcError) return e;
  return new RpcError(grpc.status.INTERNAL, e instanceof Error ? e.message : String(e));
}

export async function startNodeServer(node: TwinNode, mode: NodeMode): Promise<grpc.Server> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": MAX_MESSAGE,
    "grpc.max_send_message_length": MAX_MESSAGE,
  });
  const byService = new Map<string, Record<string, grpc.MethodDefinition<Buffer, Buffer>>>();
  const impls = new Map<string, grpc.UntypedHandleCall>();
  for (const m of serviceMethods()) {
    const def = byService.get(m.service) ?? {};
    def[m.name] = {
      path: m.path,
      requestStream: m.requestStream,
      responseStream: m.responseStream,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    };
    byService.set(m.service, def);
    impls.set(`${m.service}/${m.name}`, handlerFor(node, mode, m.path, m.requestStream, m.responseStream));
  }
  for (const [service, def] of byService) {
    const impl: grpc.UntypedServiceImplementation = {};
    for (const name of Object.keys(def)) impl[name] = impls.get(`${service}/${name}`)!;
    server.addService(def, impl);
  }

  const id = node.identity!;
  const pair = { private_key: Buffer.from(id.key), cert_chain: Buffer.from(id.cert) };
  let creds: grpc.ServerCredentials;
  if (mode === "maintenance") {
    // No client certificates are asked for; pass our own cert as the CA list, or grpc-js would parse the whole
    // system root store into every node's TLS context (most of a 100-node start-up).
    creds = grpc.ServerCredentials.createSsl(Buffer.from(id.cert), [pair], false);
  } else {
    const config = node.config!;
    const roots = [config.osCa.crt, ...config.acceptedCAs].join("\n");
    creds = grpc.ServerCredentials.createSsl(Buffer.from(roots), [pair], true);
  }
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`${node.address}:50000`, creds, (err) => (err ? reject(err) : resolve())),
  );
  if (mode === "normal" && node.config!.checkExtKeyUsage) hookExtKeyUsageCheck(server);
  return server;
}

/**
 * apid's verifyExtKeyUsage runs inside the TLS handshake: a non-CA client certificate whose ExtKeyUsage is not
 * exactly [clientAuth] never gets a connection. grpc-js has no hook for that, so reach the http2 servers it made.
 */
function hookExtKeyUsageCheck(server: grpc.Server): void {
  const servers = (server as unknown as { http2Servers?: Map<NetServer, unknown> }).http2Servers;
  if (!servers) return;
  for (const s of servers.keys()) {
    s.prependListener("secureConnection", (socket: TLSSocket) => {
      if (!extKeyUsageAcceptable(socket)) socket.destroy();
    });
  }
}

function extKeyUsageAcceptable(socket: TLSSocket): boolean {
  const peer = socket.getPeerCertificate();
  if (!peer?.raw) return false;
  const id = clientIdentity(peer.raw);
  return id.isCa || (id.extKeyUsages.length === 1 && id.extKeyUsages[0] === "clientAuth");
}

interface AnyCall {
  metadata: grpc.Metadata;
  getAuthContext(): { sslPeerCertificate?: { raw?: Buffer } } | null;
  on(event: "cancelled", listener: () => void): unknown;
}

function makeContext(node: TwinNode, mode: NodeMode, path: string, call: AnyCall): CallContext {
  let cancel!: () => void;
  let isCancelled = false;
  const cancelled = new Promise<void>((r) => (cancel = r));
  call.on("cancelled", () => {
    isCancelled = true;
    cancel();
  });
  let roles: Set<string>;
  if (mode === "maintenance") {
    roles = new Set(["os:reader"]);
  } else {
    const raw = call.getAuthContext()?.sslPeerCertificate?.raw;
    const config = node.config!;
    if (!raw) throw new RpcError(grpc.status.UNAUTHENTICATED, "client certificate is required");
    const id = clientIdentity(raw);
    if (
      config.checkExtKeyUsage &&
      !id.isCa &&
      !(id.extKeyUsages.length === 1 && id.extKeyUsages[0] === "clientAuth")
    )
      throw new RpcError(
        grpc.status.UNAUTHENTICATED,
        "client certificate extended key usage must be exactly clientAuth",
      );
    if (!config.rbac) roles = new Set(ALL_ROLES);
    else {
      roles = parseRoles(id.roles);
      // An impersonator (apid forwarding for another apid) passes the caller's roles in talos-role metadata.
      if (roles.has("os:impersonator")) roles = parseRoles(call.metadata.get("talos-role").map(String));
    }
  }
  return { node, mode, path, roles, metadata: call.metadata, cancelled, isCancelled: () => isCancelled };
}

/** Where a call goes: this node, one other node (`node`), or a fan-out (`nodes`). */
function targets(
  ctx: CallContext,
): { kind: "local" } | { kind: "one"; target: string } | { kind: "many"; targets: string[] } {
  if (ctx.mode === "maintenance") return { kind: "local" };
  const nodes = ctx.metadata
    .get("nodes")
    .map(String)
    .flatMap((v) => v.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  if (nodes.length > 0) return { kind: "many", targets: nodes };
  const node = ctx.metadata.get("node").map(String)[0];
  if (node) return { kind: "one", target: node };
  return { kind: "local" };
}

function handlerFor(
  node: TwinNode,
  mode: NodeMode,
  path: string,
  requestStream: boolean,
  responseStream: boolean,
): grpc.UntypedHandleCall {
  const begin = async (
    call: AnyCall,
  ): Promise<{ ctx: CallContext; route: ReturnType<typeof targets> } | RpcError> => {
    try {
      const ctx = makeContext(node, mode, path, call);
      await Promise.race([node.waitHealed(), ctx.cancelled]);
      if (ctx.isCancelled()) return new RpcError(grpc.status.CANCELLED, "context canceled");
      const route = targets(ctx);
      if (route.kind === "many" && path.startsWith("/cosi."))
        return new RpcError(
          grpc.status.INVALID_ARGUMENT,
          "one-2-many proxying is not supported for COSI methods",
        );
      return { ctx, route };
    } catch (e) {
      return toRpcError(e);
    }
  };
  const log = (
    ctx: CallContext | undefined,
    err: RpcError | undefined,
    route?: ReturnType<typeof targets>,
  ): void => {
    node.record({
      at: new Date().toISOString(),
      method: path,
      mode,
      roles: ctx ? [...ctx.roles] : [],
      ...(ctx?.metadata.get("proxyfrom")[0] ? { proxiedFrom: String(ctx.metadata.get("proxyfrom")[0]) } : {}),
      ...(route && route.kind !== "local"
        ? { forwardedTo: route.kind === "one" ? [route.target] : route.targets }
        : {}),
      code: err?.code ?? grpc.status.OK,
      ...(err ? { message: err.message } : {}),
    });
  };
  const grpcError = (e: RpcError): Partial<grpc.StatusObject> => ({ code: e.code, details: e.message });

  if (!requestStream && !responseStream) {
    return (async (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const started = await begin(call);
      if (started instanceof RpcError) {
        log(undefined, started);
        return callback(grpcError(started), null);
      }
      const { ctx, route } = started;
      try {
        let reply: Buffer;
        if (route.kind === "many") {
          const parts = await Promise.all(
            route.targets.map(async (t) => {
              try {
                return appendUnaryMetadata(await node.twin.forwardUnary(node, t, path, call.request, ctx), {
                  hostname: t,
                });
              } catch (e) {
                const err = toRpcError(e);
                return unaryErrorReply({
                  hostname: t,
                  error: goErrorString(err.code, err.message),
                  status: { code: err.code, message: err.message },
                });
              }
            }),
          );
          reply = Buffer.concat(parts);
        } else if (route.kind === "one") {
          reply = await node.twin.forwardUnary(node, route.target, path, call.request, ctx);
        } else {
          reply = await runUnary(node, mode, path, call.request, ctx);
        }
        log(ctx, undefined, route);
        callback(null, reply);
      } catch (e) {
        const err = toRpcError(e);
        log(ctx, err, route);
        callback(grpcError(err), null);
      }
    }) as grpc.handleUnaryCall<Buffer, Buffer>;
  }
  if (!requestStream && responseStream) {
    return (async (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      const started = await begin(call);
      if (started instanceof RpcError) {
        log(undefined, started);
        call.emit("error", grpcError(started));
        return;
      }
      const { ctx, route } = started;
      const send = (b: Buffer): void => void call.write(b);
      try {
        if (route.kind === "many") {
          await Promise.all(
            route.targets.map(async (t) => {
              try {
                await node.twin.forwardStream(node, t, path, call.request, ctx, (b) =>
                  send(appendStreamMetadata(b, { hostname: t })),
                );
              } catch (e) {
                const err = toRpcError(e);
                send(
                  streamErrorMessage({
                    hostname: t,
                    error: goErrorString(err.code, err.message),
                    status: { code: err.code, message: err.message },
                  }),
                );
              }
            }),
          );
        } else if (route.kind === "one") {
          await node.twin.forwardStream(node, route.target, path, call.request, ctx, send);
        } else {
          await runStream(node, mode, path, call.request, ctx, send);
        }
        log(ctx, undefined, route);
        call.end();
      } catch (e) {
        const err = toRpcError(e);
        log(ctx, err, route);
        call.emit("error", grpcError(err));
      }
    }) as grpc.handleServerStreamingCall<Buffer, Buffer>;
  }
  if (requestStream && !responseStream) {
    return (async (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const chunks: Buffer[] = [];
      const done = new Promise<void>((resolve, reject) => {
        call.on("data", (b: Buffer) => chunks.push(b));
        call.on("end", () => resolve());
        call.on("error", reject);
      });
      const started = await begin(call);
      if (started instanceof RpcError) {
        log(undefined, started);
        return callback(grpcError(started), null);
      }
      const { ctx, route } = started;
      try {
        await done;
        let reply: Buffer;
        if (route.kind === "local") reply = await runClientStream(node, mode, path, chunks, ctx);
        else if (route.kind === "one" || route.targets.length === 1)
          reply = await node.twin.forwardClientStream(
            node,
            route.kind === "one" ? route.target : route.targets[0]!,
            path,
            chunks,
            ctx,
          );
        else
          throw new RpcError(
            grpc.status.INVALID_ARGUMENT,
            "one-2-many proxying is not supported for client streaming methods",
          );
        log(ctx, undefined, route);
        callback(null, reply);
      } catch (e) {
        const err = toRpcError(e);
        log(ctx, err, route);
        callback(grpcError(err), null);
      }
    }) as grpc.handleClientStreamingCall<Buffer, Buffer>;
  }
  return ((call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    call.emit("error", { code: grpc.status.UNIMPLEMENTED, details: "not simulated by the twin" });
  }) as grpc.handleBidiStreamingCall<Buffer, Buffer>;
}

function resolve(node: TwinNode, mode: NodeMode, path: string, ctx: CallContext): Impl {
  const impl = implementation(node, mode, path, ctx);
  if (impl instanceof RpcError) throw impl;
  return impl;
}

export async function runUnary(
  node: TwinNode,
  mode: NodeMode,
  path: string,
  req: Buffer,
  ctx: CallContext,
): Promise<Buffer> {
  const impl = resolve(node, mode, path, ctx);
  if (impl.kind !== "unary") throw new RpcError(grpc.status.INTERNAL, `${path} is not unary`);
  return impl.run(req, ctx);
}

export async function runStream(
  node: TwinNode,
  mode: NodeMode,
  path: string,
  req: Buffer,
  ctx: CallContext,
  send: (b: Buffer) => void,
): Promise<void> {
  const impl = resolve(node, mode, path, ctx);
  if (impl.kind !== "server-stream")
    throw new RpcError(grpc.status.INTERNAL, `${path} is not a server stream`);
  return impl.run(req, ctx, send);
}

export async function runClientStream(
  node: TwinNode,
  mode: NodeMode,
  path: string,
  reqs: Buffer[],
  ctx: CallContext,
): Promise<Buffer> {
  const impl = resolve(node, mode, path, ctx);
  if (impl.kind !== "client-stream")
    throw new RpcError(grpc.status.INTERNAL, `${path} is not a client stream`);
  return impl.run(reqs, ctx);
}
