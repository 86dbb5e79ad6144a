// Durations on the command line: Go's time.ParseDuration syntax ("24h", "8760h", "1h30m") as talosctl takes them,
// plus "d" for days since certificate lifetimes are mostly counted in days ("365d").
import { UserError } from "../errors.js";

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export function parseDurationMs(text: string, flag = "duration"): number {
  const trimmed = text.trim();
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = part.exec(trimmed)) !== null) {
    total += Number(m[1]) * (UNITS[m[2] ?? ""] ?? 0);
    matched = part.lastIndex;
  }
  if (trimmed === "" || matched !== trimmed.length || total <= 0)
    throw new UserError(`${flag} "${text}" is not a positive duration`, {
      hint: 'use a number with a unit: ms, s, m, h or d, e.g. "24h", "365d" or "1h30m"',
    });
  return Math.round(total);
}
