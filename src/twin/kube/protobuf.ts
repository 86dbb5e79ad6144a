// kubectl's typed clients send some request bodies as Kubernetes protobuf (`application/vnd.kubernetes.protobuf`:
// the "k8s\0" magic, a runtime.Unknown envelope, the object's message) and do not fall back to JSON. The simulated
// API speaks JSON; this decodes the few messages those clients write (Eviction from `kubectl drain`, Namespace from
// `kubectl create namespace`, DeleteOptions) into their JSON form. Field numbers are those of k8s.io/api's
// generated.proto files.
import protobuf from "protobufjs";

type Obj = Record<string, unknown>;
type Fields = Map<number, (Buffer | bigint)[]>;

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

function fields(buf: Uint8Array): Fields {
  const r = protobuf.Reader.create(buf);
  const out: Fields = new Map();
  while (r.pos < r.len) {
    const tag = r.uint32();
    const no = tag >>> 3;
    const wire = tag & 7;
    let v: Buffer | bigint;
    if (wire === 0) v = BigInt(r.int64().toString());
    else if (wire === 2) v = Buffer.from(r.bytes());
    else {
      r.skipType(wire);
      continue;
    }
    out.set(no, [...(out.get(no) ?? []), v]);
  }
  return out;
}

const str = (f: Fields, n: number): string | undefined => {
  const v = f.get(n)?.[0];
  return Buffer.isBuffer(v) ? v.toString("utf8") : undefined;
};
const strs = (f: Fields, n: number): string[] =>
  (f.get(n) ?? []).filter(Buffer.isBuffer).map((b) => b.toString("utf8"));
const msg = (f: Fields, n: number): Fields | undefined => {
  const v = f.get(n)?.[0];
  return Buffer.isBuffer(v) ? fields(v) : undefined;
};
const int = (f: Fields, n: number): number | undefined => {
  const v = f.get(n)?.[0];
  return typeof v === "bigint" ? Number(v) : undefined;
};

function map(f: Fields, n: number): Record<string, string> | undefined {
  const entries = (f.get(n) ?? []).filter(Buffer.isBuffer).map(fields);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map((e) => [str(e, 1) ?? "", str(e, 2) ?? ""]));
}

function compact(o: Obj): Obj {
  for (const k of Object.keys(o))
    if (o[k] === undefined || (Array.isArray(o[k]) && (o[k] as unknown[]).length === 0)) delete o[k];
  return o;
}

function objectMeta(f: Fields | undefined): Obj {
  if (!f) return {};
  return compact({
    name: str(f, 1),
    generateName: str(f, 2),
    namespace: str(f, 3),
    uid: str(f, 5),
    resourceVersion: str(f, 6),
    labels: map(f, 11),
    annotations: map(f, 12),
    finalizers: strs(f, 14),
  });
}

function deleteOptions(f: Fields | undefined): Obj | undefined {
  if (!f) return undefined;
  const pre = msg(f, 2);
  return compact({
    gracePeriodSeconds: int(f, 1),
    preconditions: pre ? compact({ uid: str(pre, 1), resourceVersion: str(pre, 2) }) : undefined,
    propagationPolicy: str(f, 4),
    dryRun: strs(f, 5),
  });
}

class UnsupportedProtobuf extends Error {}

/** Decodes a Kubernetes protobuf request body into the JSON object it stands for. */
export function decodeKubeProtobuf(body: Buffer): Obj {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC))
    throw new UnsupportedProtobuf("not a Kubernetes protobuf message (no k8s magic)");
  const unknown = fields(body.subarray(4));
  const typeMeta = msg(unknown, 1);
  const apiVersion = typeMeta ? str(typeMeta, 1) : undefined;
  const kind = typeMeta ? str(typeMeta, 2) : undefined;
  const raw = unknown.get(2)?.[0];
  const obj = Buffer.isBuffer(raw) ? fields(raw) : new Map<number, (Buffer | bigint)[]>();
  switch (kind) {
    case "Eviction":
      return compact({
        apiVersion,
        kind,
        metadata: objectMeta(msg(obj, 1)),
        deleteOptions: deleteOptions(msg(obj, 2)),
      });
    case "Namespace": {
      const spec = msg(obj, 2);
      return compact({
        apiVersion,
        kind,
        metadata: objectMeta(msg(obj, 1)),
        spec: spec ? compact({ finalizers: strs(spec, 1) }) : undefined,
      });
    }
    case "DeleteOptions":
      return { apiVersion, kind, ...deleteOptions(obj) };
    default:
      throw new UnsupportedProtobuf(`the twin's simulated API reads ${kind ?? "this"} only as JSON`);
  }
}
