// The simulated API server's watch cache, as far as lists need one: a copy of the member's /registry keys, kept
// current by one etcd watch over the whole keyspace. kube-apiserver answers lists from its watch cache too
// (ConsistentListFromCache, on by default since 1.31): a list at the current revision first waits until the cache
// has seen that revision, so it reads what etcd would return, without moving every object through etcd's JSON
// gateway on each list. Watching every key (not only /registry/) means any write advances the cache's revision, so
// "caught up" is always reachable. When the watch breaks (member stopped, restored from a snapshot, compacted) the
// copy is dropped and rebuilt from a fresh range; until then, and whenever it cannot catch up in time, lists read
// etcd directly.
import type { EtcdKv, KeyValue } from "./etcd-kv.js";

const REGISTRY = "/registry/";

export class WatchCache {
  private readonly kv: EtcdKv;
  private entries = new Map<string, KeyValue>();
  private revision = 0;
  private state: "idle" | "starting" | "ready" = "idle";
  private abort: AbortController | undefined;
  private readonly waiters = new Set<() => void>();
  private retryAt = 0;
  private closed = false;
  private readonly parsedValues = new WeakMap<KeyValue, Record<string, unknown>>();

  constructor(kv: EtcdKv) {
    this.kv = kv;
  }

  /**
   * The keys under `prefix` (etcd's order) at a revision ≥ `atLeast`, and that revision; undefined when the cache
   * cannot answer: not built yet (building starts), broken, or not caught up within `waitMs`.
   */
  async range(
    prefix: string,
    atLeast: number,
    waitMs = 250,
  ): Promise<{ kvs: KeyValue[]; revision: number } | undefined> {
    if (this.state !== "ready") {
      this.start();
      return undefined;
    }
    if (this.revision < atLeast) await this.caughtUp(atLeast, waitMs);
    if (this.state !== "ready" || this.revision < atLeast) return undefined;
    const kvs: KeyValue[] = [];
    for (const [key, kv] of this.entries) if (key.startsWith(prefix)) kvs.push(kv);
    // Kubernetes keys are ASCII (DNS names), where string order is etcd's byte order.
    kvs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { kvs, revision: this.revision };
  }

  /**
   * A cached value as a parsed, deeply frozen object, parsed once per stored version (the watch replaces a key's
   * KeyValue on each change, so the parse lives exactly as long as that version).
   */
  parsed(kv: KeyValue): Record<string, unknown> {
    let obj = this.parsedValues.get(kv);
    if (!obj) {
      obj = deepFreeze(JSON.parse(kv.value) as Record<string, unknown>);
      this.parsedValues.set(kv, obj);
    }
    return obj;
  }

  close(): void {
    this.closed = true;
    this.abort?.abort();
    this.reset();
  }

  private caughtUp(atLeast: number, waitMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        if (this.state === "ready" && this.revision < atLeast) return;
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(done);
        resolve();
      }, waitMs);
      this.waiters.add(done);
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  private reset(): void {
    this.state = "idle";
    this.entries = new Map();
    this.revision = 0;
    this.notify();
  }

  private start(): void {
    if (this.closed || this.state !== "idle" || Date.now() < this.retryAt) return;
    this.state = "starting";
    const abort = new AbortController();
    this.abort = abort;
    void (async () => {
      const listed = await this.kv.range(REGISTRY, { prefix: true });
      const entries = new Map(listed.kvs.map((kv) => [kv.key, kv]));
      let revision = listed.revision;
      await this.kv.watch(
        "",
        listed.revision,
        (e, headerRevision) => {
          if (e.kv.key.startsWith(REGISTRY)) {
            if (e.type === "DELETE") entries.delete(e.kv.key);
            else entries.set(e.kv.key, e.kv);
          }
          revision = Math.max(revision, headerRevision, e.kv.modRevision);
          if (this.abort === abort && this.state === "ready") {
            this.revision = revision;
            this.notify();
          }
        },
        abort.signal,
        () => {
          if (this.abort !== abort || abort.signal.aborted) return;
          this.entries = entries;
          this.revision = revision;
          this.state = "ready";
          this.notify();
        },
      );
    })()
      .catch(() => undefined)
      .finally(() => {
        if (this.abort !== abort) return;
        this.abort = undefined;
        // Rebuilt on the next list after a short pause, not in a loop against a member that is down.
        this.retryAt = Date.now() + 500;
        this.reset();
      });
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
