// UPIDs name PVE tasks: UPID:{node}:{pid}:{pstart}:{starttime}:{type}:{id}:{user}: (note the trailing colon).
// The node in the UPID is the one to poll, which may differ from the node the request was sent to.

export interface Upid {
  text: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}

// pid and pstart are hex (pstart may have 9 digits); user may contain '!' (API tokens) and '@'.
const UPID_RE =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/;

export function parseUpid(text: string): Upid | undefined {
  const m = UPID_RE.exec(text);
  if (!m) return undefined;
  return {
    text,
    node: m[1]!,
    pid: Number.parseInt(m[3]!, 16),
    pstart: Number.parseInt(m[4]!, 16),
    starttime: Number.parseInt(m[5]!, 16),
    type: m[6]!,
    id: m[7]!,
    user: m[8]!,
  };
}

export function formatUpid(u: Omit<Upid, "text">): string {
  const hex = (n: number, w: number): string => n.toString(16).toUpperCase().padStart(w, "0");
  return `UPID:${u.node}:${hex(u.pid, 8)}:${hex(u.pstart, 8)}:${hex(u.starttime, 8)}:${u.type}:${u.id}:${u.user}:`;
}

/** PVE's upid_status_is_error, inverted: "OK" and "WARNINGS: N" are success, anything else is the error text. */
export function taskSucceeded(exitstatus: string | undefined): boolean {
  return exitstatus === "OK" || (exitstatus !== undefined && /^WARNINGS: \d+$/.test(exitstatus));
}
