// Loads cairn's own Talos API .proto files with protobufjs and exposes typed codecs and gRPC method definitions.
// Both sides use this module: the client (client.ts) and the simulated fleet's grpc-js server (src/twin/).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ServiceDefinition, MethodDefinition as GrpcMethodDefinition } from "@grpc/grpc-js";
import protobuf from "protobufjs";
import type * as T from "./types.js";
import type { Input } from "./types.js";

export type { Input } from "./types.js";

const PROTO_FILES = [
  "common/common.proto",
  "machine/machine.proto",
  "machine/lifecycle.proto",
  "cluster/cluster.proto",
  "cosi/state.proto",
];

/**
 * The folder holding the .proto files. From src/ they sit next to this module; a build copies them to dist/ (see
 * scripts/copy-assets.js), and a repository checkout running dist/ without that copy falls back to src/.
 */
export function protoDir(): string {
  const candidates = [
    new URL("./proto/", import.meta.url),
    new URL("../../../src/talos/api/proto/", import.meta.url),
  ];
  for (const url of candidates) {
    const dir = fileURLToPath(url);
    if (existsSync(`${dir}common/common.proto`)) return dir;
  }
  throw new Error(`Talos API .proto files not found next to ${fileURLToPath(import.meta.url)}`);
}

let cachedRoot: protobuf.Root | undefined;

/** The protobufjs root with every cairn Talos message, loaded once on first use. */
export function talosRoot(): protobuf.Root {
  if (cachedRoot) return cachedRoot;
  const dir = protoDir();
  const root = new protobuf.Root();
  // Imports are written relative to the proto folder ("common/common.proto"), like upstream's include path.
  root.resolvePath = (_origin, target) => (target.startsWith("/") ? target : `${dir}${target}`);
  root.loadSync(PROTO_FILES, { keepCase: true });
  root.resolveAll();
  cachedRoot = root;
  return root;
}

export interface Codec<V> {
  readonly typeName: string;
  encode(value: Input<V>): Buffer;
  decode(bytes: Uint8Array): V;
}

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
};

const codecCache = new Map<string, Codec<unknown>>();

/** A codec for one message type by its full name, e.g. "machine.VersionResponse". */
export function codec<V>(typeName: string): Codec<V> {
  const cached = codecCache.get(typeName);
  if (cached) return cached as Codec<V>;
  const type = talosRoot().lookupType(typeName);
  const made: Codec<V> = {
    typeName,
    encode(value) {
      const bytes = type.encode(type.fromObject(value as Record<string, unknown>)).finish();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    decode(bytes) {
      return type.toObject(type.decode(bytes), TO_OBJECT) as V;
    },
  };
  codecCache.set(typeName, made as Codec<unknown>);
  return made;
}

export type StreamKind = "unary" | "server-stream" | "client-stream" | "bidi";

export interface MethodDef<Req, Res> {
  /** gRPC path, e.g. "/machine.MachineService/Version". */
  readonly path: string;
  readonly service: string;
  readonly name: string;
  readonly kind: StreamKind;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly request: Codec<Req>;
  readonly response: Codec<Res>;
}

function method<Req, Res>(service: string, name: string): MethodDef<Req, Res> {
  let resolved: MethodDef<Req, Res> | undefined;
  // Resolved lazily so importing this module does not read the .proto files (CLI cold start).
  const get = (): MethodDef<Req, Res> => {
    if (resolved) return resolved;
    const svc = talosRoot().lookupService(service);
    const m = svc.methods[name];
    if (!m) throw new Error(`${service} has no method ${name}`);
    m.resolve();
    const requestStream = Boolean(m.requestStream);
    const responseStream = Boolean(m.responseStream);
    const kind: StreamKind = requestStream
      ? responseStream
        ? "bidi"
        : "client-stream"
      : responseStream
        ? "server-stream"
        : "unary";
    resolved = {
      path: `/${service}/${name}`,
      service,
      name,
      kind,
      requestStream,
      responseStream,
      request: codec<Req>(m.resolvedRequestType!.fullName.slice(1)),
      response: codec<Res>(m.resolvedResponseType!.fullName.slice(1)),
    };
    return resolved;
  };
  return {
    path: `/${service}/${name}`,
    service,
    name,
    get kind() {
      return get().kind;
    },
    get requestStream() {
      return get().requestStream;
    },
    get responseStream() {
      return get().responseStream;
    },
    get request() {
      return get().request;
    },
    get response() {
      return get().response;
    },
  };
}

const MS = "machine.MachineService";

/** Every RPC cairn makes, keyed by a short name. Paths and types match the Talos API. */
export const methods = {
  applyConfiguration: method<T.ApplyConfigurationRequest, T.Envelope<T.ApplyConfiguration>>(
    MS,
    "ApplyConfiguration",
  ),
  bootstrap: method<T.BootstrapRequest, T.Envelope<T.WithMetadata>>(MS, "Bootstrap"),
  dmesg: method<T.DmesgRequest, T.Data>(MS, "Dmesg"),
  events: method<T.EventsRequest, T.MachineEvent>(MS, "Events"),
  etcdMemberList: method<{ query_local: boolean }, T.Envelope<T.EtcdMembers>>(MS, "EtcdMemberList"),
  etcdRemoveMemberByID: method<{ member_id: string }, T.Envelope<T.WithMetadata>>(MS, "EtcdRemoveMemberByID"),
  etcdLeaveCluster: method<Record<string, never>, T.Envelope<T.WithMetadata>>(MS, "EtcdLeaveCluster"),
  etcdForfeitLeadership: method<Record<string, never>, T.Envelope<T.EtcdForfeitLeadership>>(
    MS,
    "EtcdForfeitLeadership",
  ),
  etcdRecover: method<T.Data, T.Envelope<T.WithMetadata>>(MS, "EtcdRecover"),
  etcdSnapshot: method<Record<string, never>, T.Data>(MS, "EtcdSnapshot"),
  etcdStatus: method<Record<string, never>, T.Envelope<T.EtcdStatus>>(MS, "EtcdStatus"),
  kubeconfig: method<Record<string, never>, T.Data>(MS, "Kubeconfig"),
  logs: method<T.LogsRequest, T.Data>(MS, "Logs"),
  read: method<T.ReadRequest, T.Data>(MS, "Read"),
  reboot: method<T.RebootRequest, T.Envelope<T.ActorReply>>(MS, "Reboot"),
  reset: method<T.ResetRequest, T.Envelope<T.ActorReply>>(MS, "Reset"),
  serviceList: method<Record<string, never>, T.Envelope<T.ServiceList>>(MS, "ServiceList"),
  shutdown: method<T.ShutdownRequest, T.Envelope<T.ActorReply>>(MS, "Shutdown"),
  upgradeLegacy: method<T.UpgradeRequest, T.Envelope<T.Upgrade>>(MS, "Upgrade"),
  version: method<Record<string, never>, T.Envelope<T.Version>>(MS, "Version"),
  lifecycleUpgrade: method<T.LifecycleServiceUpgradeRequest, T.LifecycleServiceUpgradeResponse>(
    "machine.LifecycleService",
    "Upgrade",
  ),
  imagePull: method<T.ImageServicePullRequest, T.ImageServicePullResponse>("machine.ImageService", "Pull"),
  healthCheck: method<T.HealthCheckRequest, T.HealthCheckProgress>("cluster.ClusterService", "HealthCheck"),
  cosiGet: method<T.GetRequest, T.GetResponse>("cosi.resource.State", "Get"),
  cosiList: method<T.ListRequest, T.ListResponse>("cosi.resource.State", "List"),
  cosiWatch: method<T.WatchRequest, T.WatchResponse>("cosi.resource.State", "Watch"),
} as const;

export type TalosMethods = typeof methods;
export type MethodName = keyof TalosMethods;

/** The services declared in the .proto files, for grpc-js `server.addService(serviceDefinition(name), impl)`. */
export const SERVICES = [
  "machine.MachineService",
  "machine.LifecycleService",
  "machine.ImageService",
  "cluster.ClusterService",
  "cosi.resource.State",
] as const;
export type ServiceName = (typeof SERVICES)[number];

/** grpc-js MethodDefinition for one method: serializers use the plain-object shapes of types.ts. */
export function grpcMethod<Req, Res>(
  def: MethodDef<Req, Res>,
): GrpcMethodDefinition<Input<Req>, Res> & {
  requestDeserialize(b: Buffer): Req;
  responseSerialize(v: Input<Res>): Buffer;
} {
  return {
    path: def.path,
    requestStream: def.requestStream,
    responseStream: def.responseStream,
    originalName: def.name.charAt(0).toLowerCase() + def.name.slice(1),
    requestSerialize: (v: Input<Req>) => def.request.encode(v),
    requestDeserialize: (b: Buffer) => def.request.decode(b),
    responseSerialize: (v: Input<Res>) => def.response.encode(v),
    responseDeserialize: (b: Buffer) => def.response.decode(b),
  } as GrpcMethodDefinition<Input<Req>, Res> & {
    requestDeserialize(b: Buffer): Req;
    responseSerialize(v: Input<Res>): Buffer;
  };
}

/**
 * A grpc-js ServiceDefinition for a whole service, built from the .proto declaration. Handler keys are the proto
 * method names ("Version", "EtcdSnapshot", …).
 */
export function serviceDefinition(service: ServiceName): ServiceDefinition {
  const svc = talosRoot().lookupService(service);
  const out: Record<string, GrpcMethodDefinition<unknown, unknown>> = {};
  for (const name of Object.keys(svc.methods)) {
    out[name] = grpcMethod(method<unknown, unknown>(service, name)) as GrpcMethodDefinition<unknown, unknown>;
  }
  return out as ServiceDefinition;
}

/** The full proto name of an event payload from its Any type URL ("talos/runtime/machine.X" → "machine.X"). */
export function anyTypeName(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf("/") + 1);
}

/** Decodes an Any whose type is declared in cairn's protos; undefined for types cairn does not know. */
export function decodeAny<V = Record<string, unknown>>(any: T.Any): V | undefined {
  const name = anyTypeName(any.type_url);
  try {
    talosRoot().lookupType(name);
  } catch {
    return undefined;
  }
  return codec<V>(name).decode(any.value);
}

/** Packs a message into an Any with Talos' event type URL prefix ("talos/runtime/"). */
export function encodeAny(typeName: string, value: unknown, prefix = "talos/runtime/"): T.Any {
  return { type_url: `${prefix}${typeName}`, value: codec(typeName).encode(value as never) };
}

export function timestampToDate(ts: T.Timestamp | null | undefined): Date | undefined {
  if (!ts) return undefined;
  return new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6));
}

export function dateToTimestamp(d: Date): T.Timestamp {
  const ms = d.getTime();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

export function msToDuration(ms: number): T.Duration {
  return { seconds: String(Math.floor(ms / 1000)), nanos: Math.round((ms % 1000) * 1e6) };
}

export function durationToMs(d: T.Duration | null | undefined): number {
  if (!d) return 0;
  return Number(d.seconds) * 1000 + d.nanos / 1e6;
}
