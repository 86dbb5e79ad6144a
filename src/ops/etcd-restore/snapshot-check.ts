// Structural proof that a file is an etcd database, read without etcd: an etcd snapshot is a bbolt file (optionally
// followed by the 32-byte SHA-256 etcd's Snapshot API appends). A restore must never wipe a member for a file that
// is not one, whatever the flags say, so this check is separate from (and not skippable like) the hash check.
// Facts of the format (bbolt's on-disk layout): pages of `pageSize` bytes, each with a 16-byte header
// (id u64, flags u16, count u16, overflow u32); pages 0 and 1 are meta pages whose body (from byte 16) is
// magic u32 = 0xED0CDAED, version u32 = 2, pageSize u32, flags u32, root bucket {pgid u64, sequence u64},
// freelist pgid u64, high-water pgid u64, txid u64, checksum u64 = FNV-1a 64 of the 56 meta bytes before it.
// Leaf elements are {flags u32, pos u32, ksize u32, vsize u32}, branch elements {pos u32, ksize u32, pgid u64},
// `pos` counted from the element itself; a leaf value with flag 1 is a bucket header {root pgid u64, sequence u64},
// inline (a page image follows) when its root is 0. Pure.
import { createHash } from "node:crypto";

const MAGIC = 0xed0cdaed;
const VERSION = 2;
const PAGE_HEADER = 16;
const META_BYTES = 64; // magic … checksum
const FLAG_BRANCH = 0x01;
const FLAG_LEAF = 0x02;
const FLAG_META = 0x04;
const FLAG_FREELIST = 0x10;
const BUCKET_LEAF = 0x01;
const NO_FREELIST = 0xffffffffffffffffn;
const HASH_BYTES = 32;
/** Buckets every etcd v3 backend holds: mvcc keys, consistent index and term, cluster membership. */
const REQUIRED_BUCKETS = ["key", "meta", "members"] as const;

export interface SnapshotStructure {
  /** The file is a whole etcd database; when false, `problem` says what is wrong and nothing may be restored. */
  ok: boolean;
  problem?: string;
  pageSize?: number;
  /** Transaction id of the meta page in use. */
  txid?: number;
  /** The database length in bytes (without the hash trailer). */
  dbBytes?: number;
  /** Top-level buckets found in the root bucket. */
  buckets?: string[];
  /** The file ends with etcd's 32-byte SHA-256 of the database. */
  hashTrailer: boolean;
  /** Whether that trailer matches (undefined without a trailer). */
  hashMatches?: boolean;
}

interface Meta {
  pageSize: number;
  root: bigint;
  freelist: bigint;
  hwm: bigint;
  txid: bigint;
}

/** FNV-1a 64-bit, as Go's hash/fnv New64a. */
function fnv1a64(data: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of data) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

function readMeta(data: Buffer, offset: number, which: string): Meta | string {
  if (data.length < offset + PAGE_HEADER + META_BYTES) return `${which} meta page is cut off`;
  if ((data.readUInt16LE(offset + 8) & FLAG_META) === 0)
    return `${which} meta page is not marked as a meta page`;
  const m = offset + PAGE_HEADER;
  if (data.readUInt32LE(m) !== MAGIC) return `${which} meta page has no bbolt magic (not an etcd database)`;
  const version = data.readUInt32LE(m + 4);
  if (version !== VERSION) return `${which} meta page has bbolt version ${version}, expected ${VERSION}`;
  const sum = data.readBigUInt64LE(m + 56);
  if (fnv1a64(data.subarray(m, m + 56)) !== sum) return `${which} meta page fails its checksum (corrupt)`;
  return {
    pageSize: data.readUInt32LE(m + 8),
    root: data.readBigUInt64LE(m + 16),
    freelist: data.readBigUInt64LE(m + 32),
    hwm: data.readBigUInt64LE(m + 40),
    txid: data.readBigUInt64LE(m + 48),
  };
}

class Corrupt extends Error {}

/** Walks a bucket's page tree checking every page it reaches; returns the bucket names of its leaves when asked. */
class Walker {
  private visited = new Set<number>();
  private budget: number;
  private readonly db: Buffer;
  private readonly pageSize: number;
  private readonly hwm: number;
  constructor(db: Buffer, pageSize: number, hwm: number) {
    this.db = db;
    this.pageSize = pageSize;
    this.hwm = hwm;
    // Bounds the work on hostile input: every page at most once, nested inline buckets counted too.
    this.budget = hwm * 4 + 1024;
  }

  page(pgid: number, what: string): { base: number; end: number; flags: number; count: number } {
    if (pgid < 2 || pgid >= this.hwm)
      throw new Corrupt(`${what} points at page ${pgid}, outside the database`);
    if (this.visited.has(pgid)) throw new Corrupt(`${what}: page ${pgid} is reached twice (a cycle)`);
    this.visited.add(pgid);
    const base = pgid * this.pageSize;
    if (base + PAGE_HEADER > this.db.length)
      throw new Corrupt(`page ${pgid} lies past the end of the file (truncated)`);
    const id = this.db.readBigUInt64LE(base);
    if (id !== BigInt(pgid)) throw new Corrupt(`page ${pgid} carries id ${id} (corrupt)`);
    const flags = this.db.readUInt16LE(base + 8);
    const count = this.db.readUInt16LE(base + 10);
    const overflow = this.db.readUInt32LE(base + 12);
    const end = base + (overflow + 1) * this.pageSize;
    if (pgid + overflow >= this.hwm || end > this.db.length)
      throw new Corrupt(`page ${pgid} runs past the end of the database (truncated)`);
    for (let i = 1; i <= overflow; i++) this.visited.add(pgid + i);
    return { base, end, flags, count };
  }

  /** Checks the tree rooted at `pgid` (or an inline page image); returns the names of sub-buckets in it. */
  bucket(pgid: number, what: string, inline?: { base: number; end: number }): string[] {
    if (--this.budget < 0) throw new Corrupt("too many buckets for the database size (corrupt)");
    let base: number, end: number, flags: number, count: number;
    if (inline) {
      ({ base, end } = inline);
      if (end - base < PAGE_HEADER) throw new Corrupt(`${what}: inline bucket is cut off`);
      flags = this.db.readUInt16LE(base + 8);
      count = this.db.readUInt16LE(base + 10);
      if (flags !== FLAG_LEAF) throw new Corrupt(`${what}: inline bucket is not a leaf page`);
    } else ({ base, end, flags, count } = this.page(pgid, what));
    const names: string[] = [];
    if (flags === FLAG_BRANCH) {
      if (count === 0) throw new Corrupt(`branch page ${pgid} of ${what} is empty`);
      for (let i = 0; i < count; i++) {
        const el = base + PAGE_HEADER + i * 16;
        if (el + 16 > end) throw new Corrupt(`branch page ${pgid} of ${what} has more elements than fit`);
        const pos = this.db.readUInt32LE(el);
        const ksize = this.db.readUInt32LE(el + 4);
        if (el + pos + ksize > end)
          throw new Corrupt(`a key on branch page ${pgid} of ${what} lies outside it`);
        const child = this.db.readBigUInt64LE(el + 8);
        names.push(...this.bucket(Number(child), what));
      }
      return names;
    }
    if (flags !== FLAG_LEAF)
      throw new Corrupt(`page ${pgid} of ${what} has flags 0x${flags.toString(16)}, not a branch or leaf`);
    for (let i = 0; i < count; i++) {
      const el = base + PAGE_HEADER + i * 16;
      if (el + 16 > end) throw new Corrupt(`leaf page ${pgid} of ${what} has more elements than fit`);
      const eflags = this.db.readUInt32LE(el);
      const pos = this.db.readUInt32LE(el + 4);
      const ksize = this.db.readUInt32LE(el + 8);
      const vsize = this.db.readUInt32LE(el + 12);
      const k = el + pos;
      const v = k + ksize;
      if (v + vsize > end)
        throw new Corrupt(`a key or value on leaf page ${pgid} of ${what} lies outside it`);
      if ((eflags & BUCKET_LEAF) === 0) continue;
      if (vsize < 16) throw new Corrupt(`a bucket header on leaf page ${pgid} of ${what} is cut off`);
      const name = this.db.toString("latin1", k, v);
      const root = this.db.readBigUInt64LE(v);
      names.push(name);
      const sub = `bucket ${JSON.stringify(name)}`;
      if (root === 0n) this.bucket(0, sub, { base: v + 16, end: v + vsize });
      else this.bucket(Number(root), sub);
    }
    return names;
  }
}

/** Proves (or refutes) that `data` is a complete etcd bbolt database, with or without etcd's hash trailer. */
export function checkSnapshotStructure(data: Buffer): SnapshotStructure {
  const fail = (problem: string, extra: Partial<SnapshotStructure> = {}): SnapshotStructure => ({
    ok: false,
    problem,
    hashTrailer: false,
    ...extra,
  });
  if (data.length < 2 * (PAGE_HEADER + META_BYTES))
    return fail(`only ${data.length} bytes: too small for an etcd database`);
  const m0 = readMeta(data, 0, "the first");
  if (typeof m0 === "string") return fail(m0);
  const pageSize = m0.pageSize;
  if (pageSize < 512 || pageSize > 1 << 16 || (pageSize & (pageSize - 1)) !== 0)
    return fail(`the page size ${pageSize} is not one bbolt writes (corrupt)`);
  const m1 = readMeta(data, pageSize, "the second");
  if (typeof m1 === "string") return fail(m1);
  if (m1.pageSize !== pageSize) return fail("the two meta pages disagree on the page size (corrupt)");
  const meta = m1.txid > m0.txid ? m1 : m0;
  // etcd writes the database then its SHA-256; anything else left over means a cut or padded file.
  const rest = data.length % pageSize;
  const hashTrailer = rest === HASH_BYTES;
  if (rest !== 0 && !hashTrailer)
    return fail(`${data.length} bytes is not a whole number of ${pageSize}-byte pages (truncated or padded)`);
  const db = hashTrailer ? data.subarray(0, data.length - HASH_BYTES) : data;
  const hwm = Number(meta.hwm);
  if (!Number.isSafeInteger(hwm) || hwm < 3)
    return fail("the meta page's page count is impossible (corrupt)");
  if (hwm * pageSize > db.length)
    return fail(`the database needs ${hwm * pageSize} bytes but the file holds ${db.length} (truncated)`, {
      hashTrailer,
    });
  const walker = new Walker(db, pageSize, hwm);
  let buckets: string[];
  try {
    if (meta.freelist !== NO_FREELIST) {
      const f = walker.page(Number(meta.freelist), "the freelist");
      if (f.flags !== FLAG_FREELIST) throw new Corrupt("the freelist page is not marked as one (corrupt)");
    }
    buckets = walker.bucket(Number(meta.root), "the root bucket");
  } catch (e) {
    if (e instanceof Corrupt) return fail(e.message, { hashTrailer, pageSize });
    throw e;
  }
  const missing = REQUIRED_BUCKETS.filter((b) => !buckets.includes(b));
  if (missing.length)
    return fail(
      `a bbolt database, but not etcd's: no ${missing.map((b) => `"${b}"`).join(", ")} bucket (found ${buckets.map((b) => JSON.stringify(b)).join(", ") || "none"})`,
      { hashTrailer, pageSize, buckets },
    );
  const hashMatches = hashTrailer
    ? createHash("sha256")
        .update(db)
        .digest()
        .equals(data.subarray(data.length - HASH_BYTES))
    : undefined;
  return {
    ok: true,
    pageSize,
    txid: Number(meta.txid),
    dbBytes: db.length,
    buckets,
    hashTrailer,
    ...(hashMatches === undefined ? {} : { hashMatches }),
  };
}
