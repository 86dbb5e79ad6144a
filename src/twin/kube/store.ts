// Object storage semantics on top of etcd (what kube-apiserver's generic registry does): uid, creationTimestamp and
// generation on write, resourceVersion = etcd mod_revision on read, optimistic concurrency through etcd
// transactions, and watches from a resourceVersion. Shared by the API servers and the simulated controllers.
import { randomUUID } from "node:crypto";
import type { EtcdKv } from "./etcd-kv.js";
import { type KeyValue, type WatchEvent } from "./etcd-kv.js";
import { keyPrefix, objectKey, type ResourceType } from "./resources.js";
import { WatchCache } from "./watch-cache.js";
import { alreadyExists, conflict, notFound } from "./status.js";

export type Obj = Record<string, unknown>;
export const o = (v: unknown): Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};

export const meta = (x: Obj): Obj => {
  if (typeof x.metadata !== "object" || x.metadata === null) x.metadata = {};
  return x.metadata as Obj;
};

/** An object as read: the stored JSON with resourceVersion filled from the etcd revision. */
function decode(kv: KeyValue, apiVersion?: string): Obj {
  const obj = JSON.parse(kv.value) as Obj;
  meta(obj).resourceVersion = String(kv.modRevision);
  if (apiVersion) obj.apiVersion = apiVersion;
  return obj;
}

function encode(obj: Obj): string {
  const copy = { ...obj, metadata: { ...meta(obj) } };
  delete (copy.metadata as Obj).resourceVersion;
  delete (copy.metadata as Obj).selfLink;
  return JSON.stringify(copy);
}

/** What kube-apiserver counts as a change of desired state: everything but metadata and status. */
function specOf(obj: Obj): string {
  const rest = { ...obj };
  delete rest.metadata;
  delete rest.status;
  return JSON.stringify(rest);
}

export interface StoredEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: Obj;
  revision: number;
}

const rfc3339 = (d = new Date()): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");
export const now3339 = rfc3339;

export class ObjectStore {
  readonly kv: EtcdKv;
  private readonly cache: WatchCache;
  constructor(kv: EtcdKv) {
    this.kv = kv;
    this.cache = new WatchCache(kv);
  }

  /** Stops the watch cache's etcd watch (a stopped API server or replaced controllers). */
  close(): void {
    this.cache.close();
  }

  apiVersionOf(type: ResourceType): string {
    return type.group ? `${type.group}/${type.version}` : type.version;
  }

  async get(type: ResourceType, namespace: string | undefined, name: string): Promise<Obj | undefined> {
    const kv = await this.kv.get(objectKey(type, namespace, name));
    return kv ? decode(kv, this.apiVersionOf(type)) : undefined;
  }

  async mustGet(type: ResourceType, namespace: string | undefined, name: string): Promise<Obj> {
    const obj = await this.get(type, namespace, name);
    if (!obj) throw notFound(type.resource, type.group, name);
    return obj;
  }

  /** A consistent list: from the watch cache once it has seen etcd's current revision, else from etcd. */
  async list(type: ResourceType, namespace?: string): Promise<{ items: Obj[]; revision: number }> {
    const apiVersion = this.apiVersionOf(type);
    const { kvs, revision } = await this.consistentRange(type, namespace);
    return { items: kvs.map((kv) => decode(kv, apiVersion)), revision };
  }

  /**
   * The same list for reading only (the API server's list responses): each object's top level and metadata are
   * its own, everything below is shared with the watch cache and frozen, so nothing is parsed twice.
   */
  async listForReading(type: ResourceType, namespace?: string): Promise<{ items: Obj[]; revision: number }> {
    const apiVersion = this.apiVersionOf(type);
    const { kvs, revision, cached } = await this.consistentRange(type, namespace);
    const items = kvs.map((kv) => {
      if (!cached) return decode(kv, apiVersion);
      const shared = this.cache.parsed(kv);
      return {
        ...shared,
        apiVersion,
        metadata: { ...o(shared.metadata), resourceVersion: String(kv.modRevision) },
      };
    });
    return { items, revision };
  }

  private async consistentRange(
    type: ResourceType,
    namespace: string | undefined,
  ): Promise<{ kvs: KeyValue[]; revision: number; cached: boolean }> {
    const prefix = keyPrefix(type, type.namespaced ? namespace : undefined);
    const hit = await this.cache.range(prefix, await this.kv.revision());
    if (hit) return { ...hit, cached: true };
    const r = await this.kv.range(prefix, { prefix: true });
    return { kvs: r.kvs, revision: r.revision, cached: false };
  }

  /** Creates the object; metadata.name must be set (generateName is resolved by the caller). */
  async create(type: ResourceType, namespace: string | undefined, input: Obj): Promise<Obj> {
    const obj = structuredClone(input);
    const m = meta(obj);
    m.uid = randomUUID();
    m.creationTimestamp = rfc3339();
    if (type.namespaced) m.namespace = namespace;
    else delete m.namespace;
    delete m.resourceVersion;
    delete m.deletionTimestamp;
    m.generation = 1;
    obj.apiVersion = this.apiVersionOf(type);
    obj.kind = type.kind;
    const name = String(m.name);
    const rev = await this.kv.putIf(objectKey(type, namespace, name), encode(obj), 0);
    if (rev === undefined) throw alreadyExists(type.resource, type.group, name);
    m.resourceVersion = String(rev);
    return obj;
  }

  /**
   * Replaces the stored object with `next` if it still is at `expectedRv` (Conflict otherwise). Keeps uid and
   * creationTimestamp, bumps generation when the desired state changed. A set deletionTimestamp with no
   * finalizers left deletes the object.
   */
  async replace(type: ResourceType, current: Obj, nextInput: Obj): Promise<Obj> {
    const next = structuredClone(nextInput);
    const cm = meta(current);
    const nm = meta(next);
    const name = String(cm.name);
    const ns = cm.namespace as string | undefined;
    nm.uid = cm.uid;
    nm.creationTimestamp = cm.creationTimestamp;
    nm.name = cm.name;
    if (type.namespaced) nm.namespace = ns;
    if (cm.deletionTimestamp) nm.deletionTimestamp = cm.deletionTimestamp;
    nm.generation = Number(cm.generation ?? 1) + (specOf(current) !== specOf(next) ? 1 : 0);
    next.apiVersion = this.apiVersionOf(type);
    next.kind = type.kind;
    const key = objectKey(type, ns, name);
    const expected = Number(cm.resourceVersion);
    if (nm.deletionTimestamp && (!Array.isArray(nm.finalizers) || nm.finalizers.length === 0)) {
      const rev = await this.kv.deleteIf(key, expected);
      if (rev === undefined)
        throw conflict(
          type.resource,
          type.group,
          name,
          "the object has been modified; please apply your changes to the latest version and try again",
        );
      nm.resourceVersion = String(rev);
      return next;
    }
    const rev = await this.kv.putIf(key, encode(next), expected);
    if (rev === undefined) {
      if (!(await this.kv.get(key))) throw notFound(type.resource, type.group, name);
      throw conflict(
        type.resource,
        type.group,
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
      );
    }
    nm.resourceVersion = String(rev);
    return next;
  }

  /** Read-modify-write with retries on conflicts (controllers and server-side defaulting use it). */
  async update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    mutate: (current: Obj) => Obj | undefined,
  ): Promise<Obj | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.get(type, namespace, name);
      if (!current) return undefined;
      const next = mutate(structuredClone(current));
      if (!next || JSON.stringify(next) === JSON.stringify(current)) return current;
      try {
        return await this.replace(type, current, next);
      } catch (e) {
        if ((e as { reason?: string }).reason !== "Conflict") throw e;
      }
    }
    return undefined;
  }

  /**
   * Deletes the object (at `expectedRv` when given). With finalizers it only gets a deletionTimestamp, as in
   * kube-apiserver; the last finalizer's removal deletes it.
   */
  async delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    expectedRv?: number,
  ): Promise<{ object: Obj; gone: boolean }> {
    const key = objectKey(type, namespace, name);
    for (let attempt = 0; attempt < 5; attempt++) {
      const kv = await this.kv.get(key);
      if (!kv) throw notFound(type.resource, type.group, name);
      const current = decode(kv, this.apiVersionOf(type));
      if (expectedRv !== undefined && kv.modRevision !== expectedRv)
        throw conflict(
          type.resource,
          type.group,
          name,
          `the ResourceVersion in the precondition (${expectedRv}) does not match the ResourceVersion in record (${kv.modRevision}). The object might have been modified`,
        );
      const finalizers = meta(current).finalizers;
      if (Array.isArray(finalizers) && finalizers.length > 0) {
        if (meta(current).deletionTimestamp) return { object: current, gone: false };
        const next = structuredClone(current);
        meta(next).deletionTimestamp = rfc3339();
        meta(next).deletionGracePeriodSeconds = 0;
        const rev = await this.kv.putIf(key, encode(next), kv.modRevision);
        if (rev === undefined) continue;
        meta(next).resourceVersion = String(rev);
        return { object: next, gone: false };
      }
      const rev = await this.kv.deleteIf(key, kv.modRevision);
      if (rev === undefined) continue;
      return { object: current, gone: true };
    }
    throw conflict(type.resource, type.group, name, "the object kept changing while being deleted");
  }

  /** Watches a type (in a namespace) from `fromRv` (exclusive); resolves when `signal` aborts. */
  watch(
    type: ResourceType,
    namespace: string | undefined,
    fromRv: number,
    onEvent: (e: StoredEvent) => void,
    signal: AbortSignal,
    onCreated?: () => void,
  ): Promise<void> {
    const apiVersion = this.apiVersionOf(type);
    return this.kv.watch(
      keyPrefix(type, type.namespaced ? namespace : undefined),
      fromRv,
      (e: WatchEvent) => {
        if (e.type === "DELETE") {
          if (!e.prev) return;
          const obj = decode(e.prev, apiVersion);
          meta(obj).resourceVersion = String(e.kv.modRevision);
          onEvent({ type: "DELETED", object: obj, revision: e.kv.modRevision });
        } else {
          const obj = decode(e.kv, apiVersion);
          onEvent({
            type: e.kv.createRevision === e.kv.modRevision ? "ADDED" : "MODIFIED",
            object: obj,
            revision: e.kv.modRevision,
          });
        }
      },
      signal,
      onCreated,
    );
  }
}
