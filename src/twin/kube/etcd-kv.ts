// The simulated kube-apiserver's storage: the control plane's real etcd member, through etcd 3.4's v3 JSON gateway
// (the same one src/twin/etcd.ts uses for membership). Keys follow kube-apiserver's layout (/registry/<resource>/…),
// values are the objects as JSON (kube-apiserver stores custom resources as JSON too), and resourceVersion is the
// etcd mod_revision, so optimistic concurrency, list revisions and watch resumption are etcd's own.
import { CairnError } from "../../errors.js";
import { clientUrl } from "../etcd.js";

export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** The store revision the range was read at (a list's resourceVersion). */
  revision: number;
  more: boolean;
}

export interface WatchEvent {
  type: "PUT" | "DELETE";
  kv: KeyValue;
  prev: KeyValue | undefined;
}

/** The etcd member could not be reached or answered with an error (the API server turns it into a 5xx). */
export class EtcdUnavailable extends CairnError {
  constructor(message: string) {
    super("twin-kube-etcd", message);
  }
}

/** A watch asked for a revision etcd has compacted away (the API server answers 410 Gone). */
export class EtcdCompacted extends CairnError {
  readonly compactRevision: number;
  constructor(compactRevision: number) {
    super("twin-kube-etcd", `etcdserver: mvcc: required revision has been compacted`);
    this.compactRevision = compactRevision;
  }
}

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string | undefined): string => (s ? Buffer.from(s, "base64").toString("utf8") : "");

/** The end of a prefix range, base64: the prefix with its last byte incremented (etcd's `--prefix`). */
function prefixEndB64(prefix: string): string {
  const bytes = Buffer.from(prefix, "utf8");
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      bytes[i]!++;
      return bytes.subarray(0, i + 1).toString("base64");
    }
  }
  return Buffer.from([0]).toString("base64");
}

interface RawKv {
  key?: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
}

function kvOf(raw: RawKv): KeyValue {
  return {
    key: unb64(raw.key),
    value: unb64(raw.value),
    createRevision: Number(raw.create_revision ?? 0),
    modRevision: Number(raw.mod_revision ?? 0),
  };
}

const keyB64 = b64;

/** One etcd member's KV API (the member the API server of this control plane uses, as kube-apiserver does). */
export class EtcdKv {
  readonly address: string;
  private readonly timeoutMs: number;

  constructor(address: string, timeoutMs = 10_000) {
    this.address = address;
    this.timeoutMs = timeoutMs;
  }

  private async call<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${clientUrl(this.address)}/v3/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: signal ?? AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new EtcdUnavailable(`etcd ${this.address}: ${(e as Error).message}`);
    }
    const text = await res.text();
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new EtcdUnavailable(`etcd ${this.address} ${path}: ${res.status} ${text.slice(0, 200)}`);
    }
    if (!res.ok || typeof json.error === "string")
      throw new EtcdUnavailable(`etcd ${this.address}: ${String(json.error ?? json.message ?? text)}`);
    return json as T;
  }

  async range(
    key: string,
    options: { prefix?: boolean; limit?: number; revision?: number; keysOnly?: boolean } = {},
  ): Promise<RangeResult> {
    const res = await this.call<{ header?: { revision?: string }; kvs?: RawKv[]; more?: boolean }>(
      "kv/range",
      {
        key: keyB64(key),
        ...(options.prefix ? { range_end: prefixEndB64(key) } : {}),
        ...(options.limit ? { limit: options.limit } : {}),
        ...(options.revision ? { revision: options.revision } : {}),
        ...(options.keysOnly ? { keys_only: true } : {}),
      },
    );
    return {
      kvs: (res.kvs ?? []).map(kvOf),
      revision: Number(res.header?.revision ?? 0),
      more: res.more === true,
    };
  }

  async get(key: string): Promise<KeyValue | undefined> {
    return (await this.range(key)).kvs[0];
  }

  async revision(): Promise<number> {
    return (await this.range("/registry/\0")).revision;
  }

  /**
   * Writes `value` if the key's mod_revision is `expected` (0: the key must not exist). Returns the new revision,
   * or undefined when the comparison failed (the caller reports Conflict or AlreadyExists).
   */
  async putIf(key: string, value: string, expected: number): Promise<number | undefined> {
    const res = await this.call<{ header?: { revision?: string }; succeeded?: boolean }>("kv/txn", {
      compare: [
        expected === 0
          ? { key: keyB64(key), target: "CREATE", result: "EQUAL", create_revision: "0" }
          : { key: keyB64(key), target: "MOD", result: "EQUAL", mod_revision: String(expected) },
      ],
      success: [{ request_put: { key: keyB64(key), value: b64(value) } }],
    });
    return res.succeeded ? Number(res.header?.revision ?? 0) : undefined;
  }

  /** Deletes the key if its mod_revision is `expected`; returns the revision of the delete, or undefined. */
  async deleteIf(key: string, expected: number): Promise<number | undefined> {
    const res = await this.call<{ header?: { revision?: string }; succeeded?: boolean }>("kv/txn", {
      compare: [{ key: keyB64(key), target: "MOD", result: "EQUAL", mod_revision: String(expected) }],
      success: [{ request_delete_range: { key: keyB64(key) } }],
    });
    return res.succeeded ? Number(res.header?.revision ?? 0) : undefined;
  }

  /**
   * Streams the changes under `prefix` after `fromRevision` (exclusive) to `onEvent` until `signal` aborts or the
   * stream breaks (then the returned promise settles: resolves on abort, rejects otherwise).
   */
  async watch(
    prefix: string,
    fromRevision: number,
    onEvent: (e: WatchEvent, revision: number) => void,
    signal: AbortSignal,
    onCreated?: () => void,
  ): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${clientUrl(this.address)}/v3/watch`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          create_request: {
            // An empty prefix watches every key ("\0" to "\0" is etcd's whole keyspace).
            key: prefix ? keyB64(prefix) : keyB64("\0"),
            range_end: prefixEndB64(prefix),
            start_revision: String(fromRevision + 1),
            prev_kv: true,
          },
        }),
        signal,
      });
    } catch (e) {
      if (signal.aborted) return;
      throw new EtcdUnavailable(`etcd ${this.address} watch: ${(e as Error).message}`);
    }
    if (!res.ok || !res.body) throw new EtcdUnavailable(`etcd ${this.address} watch: HTTP ${res.status}`);
    const decoder = new TextDecoder();
    let buffered = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (!line) continue;
          const msg = JSON.parse(line) as {
            result?: {
              header?: { revision?: string };
              created?: boolean;
              canceled?: boolean;
              compact_revision?: string;
              events?: { type?: string; kv?: RawKv; prev_kv?: RawKv }[];
            };
            error?: { message?: string };
          };
          if (msg.error) throw new EtcdUnavailable(`etcd watch: ${msg.error.message ?? "error"}`);
          const r = msg.result ?? {};
          if (r.compact_revision && Number(r.compact_revision) > 0)
            throw new EtcdCompacted(Number(r.compact_revision));
          if (r.canceled) throw new EtcdUnavailable("etcd watch canceled");
          if (r.created) onCreated?.();
          for (const ev of r.events ?? [])
            onEvent(
              {
                type: ev.type === "DELETE" || (ev.type as unknown) === 1 ? "DELETE" : "PUT",
                kv: kvOf(ev.kv ?? {}),
                prev: ev.prev_kv ? kvOf(ev.prev_kv) : undefined,
              },
              Number(r.header?.revision ?? 0),
            );
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof CairnError) throw e;
      throw new EtcdUnavailable(`etcd ${this.address} watch: ${(e as Error).message}`);
    }
    if (!signal.aborted) throw new EtcdUnavailable(`etcd ${this.address} watch stream ended`);
  }
}
