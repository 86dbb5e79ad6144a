// etcd's health as cairn judges it before and between disruptive steps: every control plane a healthy voting
// member, one leader they agree on, no alarms, and a quorum left when one member goes down. Pure.
import type { ObservedEtcd, ObservedEtcdMember } from "./observe.js";

function etcdMemberOf(
  node: string,
  address: string | undefined,
  members: readonly ObservedEtcdMember[],
): ObservedEtcdMember | undefined {
  return members.find(
    (m) =>
      m.hostname === node ||
      (address !== undefined &&
        m.peerUrls.some((u) => u.replace(/^\w+:\/\//, "").replace(/:\d+$/, "") === address)),
  );
}

/**
 * etcd pre-flight: every control plane answers with a healthy member, every control plane is a voting member,
 * and (unless `margin` is false) taking one member down still leaves a quorum. Returns blockers and warnings.
 * A gate between steps sets `margin: false`: there every member healthy is the bar, and a cluster left with two
 * members (a forced removal) is healthy even though it could not lose one more.
 */
export function etcdPreflight(
  controlPlanes: readonly string[],
  etcd: ObservedEtcd | undefined,
  addresses: Record<string, string> = {},
  options: { margin?: boolean } = {},
): { blockers: string[]; warnings: string[]; leader?: string } {
  const blockers: string[] = [];
  const warnings: string[] = [];
  if (controlPlanes.length === 0) return { blockers, warnings };
  if (!etcd)
    return { blockers: ["etcd was not observed; cannot check its health before upgrading"], warnings };
  if (etcd.error) blockers.push(`etcd member list could not be read: ${etcd.error}`);
  let healthy = 0;
  const leaders = new Set<string>();
  for (const cp of controlPlanes) {
    const s = etcd.status[cp];
    const member = etcdMemberOf(cp, addresses[cp], etcd.members);
    if (!member && !etcd.error) blockers.push(`control plane ${cp} is not an etcd member`);
    else if (member?.isLearner) blockers.push(`control plane ${cp} is still an etcd learner (joining)`);
    if (!s) {
      blockers.push(`etcd on ${cp} was not observed`);
      continue;
    }
    if ("error" in s) {
      blockers.push(`etcd on ${cp} is unreachable: ${s.error}`);
      continue;
    }
    if (s.errors.length) blockers.push(`etcd on ${cp} reports errors (alarms): ${s.errors.join("; ")}`);
    else if (s.leader === "0" || s.leader === "") blockers.push(`etcd on ${cp} has no leader`);
    else {
      healthy++;
      leaders.add(s.leader);
    }
  }
  if (leaders.size > 1) blockers.push(`etcd members disagree on the leader (${[...leaders].join(", ")})`);
  const foreign = etcd.members.filter(
    (m) => !controlPlanes.some((cp) => etcdMemberOf(cp, addresses[cp], [m]) !== undefined),
  );
  if (foreign.length)
    warnings.push(
      `etcd has members that are not control planes of the spec: ${foreign.map((m) => m.hostname || m.id).join(", ")}`,
    );
  const size = Math.max(etcd.members.length, controlPlanes.length);
  const quorum = Math.floor(size / 2) + 1;
  // One control plane rebooting takes one healthy member away: what stays must still be a quorum.
  if ((options.margin ?? true) && size > 1 && healthy - 1 < quorum && blockers.length === 0)
    blockers.push(
      `etcd quorum margin is too small: ${healthy} of ${size} members healthy, and upgrading one leaves fewer than ${quorum}`,
    );
  if (size === 1)
    warnings.push(
      "a single control plane: etcd and the Kubernetes API are unavailable while it reboots (its data is kept)",
    );
  const leaderId = [...leaders][0];
  const leader = leaderId
    ? controlPlanes.find((cp) => {
        const s = etcd.status[cp];
        return s && !("error" in s) && s.memberId === leaderId;
      })
    : undefined;
  return { blockers, warnings, ...(leader ? { leader } : {}) };
}
