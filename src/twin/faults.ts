// The faults a twin node accepts, as the CLI spells them: crash, hang, slow-reboot=DURATION, refuse-upgrade,
// partition, heal — and the workload faults of the node's simulated Kubernetes: crash-loop=NAMESPACE/NAME and
// image-pull=NAMESPACE/NAME (a Deployment, DaemonSet, Job or Pod; heal clears them).
import { UserError } from "../errors.js";

export type Fault =
  | { kind: "crash" }
  | { kind: "hang" }
  | { kind: "slow-reboot"; ms: number }
  | { kind: "refuse-upgrade" }
  | { kind: "partition" }
  | { kind: "crash-loop"; workload: string }
  | { kind: "image-pull"; workload: string }
  | { kind: "heal" };

const FAULT_KINDS = [
  "crash",
  "hang",
  "slow-reboot=DURATION",
  "refuse-upgrade",
  "partition",
  "crash-loop=NAMESPACE/NAME",
  "image-pull=NAMESPACE/NAME",
  "heal",
] as const;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go-style duration such as "2s", "1m30s", "500ms". */
export function parseDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    matched = re.lastIndex;
  }
  return matched === text.length && text.length > 0 ? total : undefined;
}

export function parseFault(text: string): Fault {
  const [kind, arg] = text.split("=", 2) as [string, string | undefined];
  switch (kind) {
    case "crash":
    case "hang":
    case "refuse-upgrade":
    case "partition":
    case "heal":
      if (arg !== undefined) break;
      return { kind };
    case "crash-loop":
    case "image-pull": {
      if (arg === undefined || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(arg))
        throw new UserError(`${kind} needs a workload, e.g. ${kind}=kube-system/coredns (got "${text}")`, {
          hint: "name a Deployment, DaemonSet, Job or Pod as NAMESPACE/NAME; `heal` clears workload faults",
        });
      return { kind, workload: arg };
    }
    case "slow-reboot": {
      const ms = arg === undefined ? undefined : parseDuration(arg);
      if (ms === undefined)
        throw new UserError(`slow-reboot needs a duration, e.g. slow-reboot=30s (got "${text}")`, {
          hint: "durations use Go syntax: 500ms, 30s, 2m",
        });
      return { kind, ms };
    }
  }
  throw new UserError(`unknown fault "${text}"`, { hint: `faults are: ${FAULT_KINDS.join(", ")}` });
}
