// The cluster lock: one file created exclusively, naming its holder, so two applies never run at once. A lock
// left by a process that died on this host is stale and taken over (with a warning); a lock held from another
// host cannot be judged from here and is always respected.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { randomBytes } from "node:crypto";
import { CairnError } from "../errors.js";

export interface LockHolder {
  pid: number;
  host: string;
  operation: string;
  /** ISO timestamp. */
  startedAt: string;
  /** Random per acquisition, so a release never removes someone else's lock. */
  token: string;
}

export class LockedError extends CairnError {
  readonly holder: LockHolder | undefined;
  readonly path: string;

  constructor(path: string, holder: LockHolder | undefined) {
    const who = holder
      ? `another cairn ${holder.operation} (pid ${holder.pid} on host ${holder.host}, started ${clock(holder.startedAt)})`
      : "another cairn process";
    super("locked", `${who} is running on this cluster`, {
      hint: holder
        ? `wait for it to finish; if that process is gone (e.g. its machine crashed), remove ${path}`
        : `if no cairn process is running, remove ${path}`,
    });
    this.name = "LockedError";
    this.holder = holder;
    this.path = path;
  }
}

export interface Lock {
  path: string;
  holder: LockHolder;
  /** The dead holder whose stale lock was taken over, if any. */
  tookOver?: LockHolder;
  /** A sentence for a warning event when a stale lock was taken over. */
  warning?: string;
  /** Removes the lock if it is still ours; idempotent. */
  release(): void;
}

export interface AcquireOptions {
  operation: string;
  /** For tests: whether the holder process is still running on this host. */
  isAlive?(holder: LockHolder): boolean;
  now?(): number;
}

/** A lock file with no readable holder younger than this may be mid-write by its creator: respect it. */
const UNREADABLE_GRACE_MS = 10_000;

export function acquireLock(path: string, options: AcquireOptions): Lock {
  const isAlive = options.isAlive ?? holderAlive;
  const now = options.now ?? Date.now;
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    operation: options.operation,
    startedAt: new Date(now()).toISOString(),
    token: randomBytes(8).toString("hex"),
  };
  mkdirSync(dirname(path), { recursive: true });
  let tookOver: LockHolder | undefined;
  // Two tries: the second after taking over a stale lock (another process may win that race; then it is locked).
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryCreate(path, holder)) return makeLock(path, holder, tookOver);
    const existing = readHolder(path);
    if (existing === "missing") continue; // released between our create and read: try again
    if (existing === "unreadable") {
      if (now() - mtime(path) < UNREADABLE_GRACE_MS) throw new LockedError(path, undefined);
      if (!removeIfUnchanged(path, undefined)) throw new LockedError(path, undefined);
      continue;
    }
    if (existing.host !== holder.host || isAlive(existing)) throw new LockedError(path, existing);
    if (!removeIfUnchanged(path, existing)) throw new LockedError(path, readHolderOrUndefined(path));
    tookOver = existing;
  }
  throw new LockedError(path, readHolderOrUndefined(path));
}

function makeLock(path: string, holder: LockHolder, tookOver: LockHolder | undefined): Lock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener("exit", release);
    const current = readHolder(path);
    if (typeof current === "object" && current.token === holder.token) {
      try {
        unlinkSync(path);
      } catch {
        /* already gone */
      }
    }
  };
  // Last resort for paths that skip `finally` (process.exit from a signal handler); SIGKILL leaves a stale lock,
  // which the next run on this host takes over.
  process.on("exit", release);
  const lock: Lock = { path, holder, release };
  if (tookOver) {
    lock.tookOver = tookOver;
    lock.warning =
      `took over a stale lock: cairn ${tookOver.operation} (pid ${tookOver.pid} on host ${tookOver.host}, ` +
      `started ${clock(tookOver.startedAt)}) is no longer running`;
  }
  return lock;
}

function tryCreate(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new CairnError("lock", `cannot create the lock ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(path: string): LockHolder | "missing" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw e;
  }
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid === "number" && typeof v.host === "string") {
      return {
        pid: v.pid,
        host: v.host,
        operation: typeof v.operation === "string" ? v.operation : "operation",
        startedAt: typeof v.startedAt === "string" ? v.startedAt : "",
        token: typeof v.token === "string" ? v.token : "",
      };
    }
  } catch {
    /* fall through */
  }
  return "unreadable";
}

function readHolderOrUndefined(path: string): LockHolder | undefined {
  const h = readHolder(path);
  return typeof h === "object" ? h : undefined;
}

/**
 * Removes a stale lock only if it is still the one judged stale: move it aside atomically, then check what was
 * moved; if a live process had replaced it in between, put it back.
 */
function removeIfUnchanged(path: string, judged: LockHolder | undefined): boolean {
  const aside = `${path}.stale.${randomBytes(6).toString("hex")}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return true; // someone else removed it: fine
    throw e;
  }
  const moved = readHolder(aside);
  const same =
    judged === undefined ? moved === "unreadable" : typeof moved === "object" && sameHolder(moved, judged);
  if (!same) {
    try {
      renameSync(aside, path);
    } catch {
      /* best effort */
    }
    return false;
  }
  try {
    unlinkSync(aside);
  } catch {
    /* best effort */
  }
  return true;
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt && a.token === b.token;
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Whether the lock's holder still runs here: its pid exists and, where /proc tells, that process started before
 * the lock was taken (otherwise the pid was reused by an unrelated process after the holder died).
 */
function holderAlive(holder: LockHolder): boolean {
  if (!pidAlive(holder.pid)) return false;
  const started = processStartMs(holder.pid);
  const locked = Date.parse(holder.startedAt);
  if (started === undefined || Number.isNaN(locked)) return true;
  // The real holder always started before it locked; the margin absorbs wall-clock steps (NTP) since then. Erring
  // towards "alive" only costs a refusal; erring towards "stale" would let two applies run.
  return started <= locked + 60_000;
}

/** Linux: a process's start time from /proc (boot time + start ticks at the usual 100 Hz); undefined elsewhere. */
function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: fields after the last ")" are fixed.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]); // field 22 overall: starttime
    const btime = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1];
    if (!Number.isFinite(ticks) || btime === undefined) return undefined;
    return Number(btime) * 1000 + (ticks / 100) * 1000;
  } catch {
    return undefined;
  }
}

/** Whether a process exists on this host (EPERM: it exists but is not ours). */
function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** "14:02:11" in local time, as the user would read it on their clock; with the date when not today. */
function clock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "at an unknown time";
  const p = (n: number): string => String(n).padStart(2, "0");
  if (d.toDateString() !== new Date().toDateString())
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
