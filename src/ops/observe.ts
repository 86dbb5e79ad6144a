// Live observations the upgrade planner and gates need: each node's running version (and installed schematic, as
// cairn recorded it), and etcd as each control plane sees it. Every call is bounded; an unreachable node is an
// observation, not an exception.
import type { TalosClient } from "../talos/api/client.js";
import { methods } from "../talos/api/messages.js";
import { RESOURCE_TYPES } from "../talos/api/resources.js";
import type { ClusterAccess } from "./access.js";
import { withNodeClient, type NodeClients } from "./node-clients.js";
import { brief, withTimeout } from "./support.js";

/** What is known about one spec node right now. */
interface ObservedNode {
  name: string;
  /** Answered the Talos API. */
  reachable: boolean;
  /** Running Talos version ("v1.12.11"), when reachable. */
  version?: string;
  /** Installed Image Factory schematic ID, when cairn knows it (its state) or the node reports it. */
  schematicId?: string;
  /** Why the node could not be observed. */
  error?: string;
}

export interface ObservedEtcdMember {
  id: string;
  hostname: string;
  peerUrls: string[];
  isLearner: boolean;
}

/** etcd as seen from each control plane (EtcdStatus) plus one member list. */
export interface ObservedEtcd {
  members: ObservedEtcdMember[];
  /** Per control-plane node: its member's status, or the error reaching it. */
  status: Record<
    string,
    { memberId: string; leader: string; errors: string[]; isLearner: boolean } | { error: string }
  >;
  /** Why the member list could not be read. */
  error?: string;
}

export interface ObservedCluster {
  nodes: ObservedNode[];
  etcd?: ObservedEtcd;
  /** Address each node is dialled at (matches etcd peer URLs when hostnames differ). */
  addresses?: Record<string, string>;
}

/** State section where cairn records what each node was last installed from (the schematic is not observable). */
const INSTALLED_SECTION = "talosInstalled";
/** State section of an in-flight upgrade (its node list), so an interrupted run rebuilds the same plan. */
export const UPGRADE_SECTION = "talosUpgrade";

export interface InstalledRecord {
  version: string;
  image: string;
  schematicId: string;
  at: string;
}

export interface UpgradeRecord {
  to: string;
  nodes: string[];
  startedAt: string;
}

export function installedRecords(access: ClusterAccess): Record<string, InstalledRecord> {
  return (access.stateSection.get(INSTALLED_SECTION) as Record<string, InstalledRecord> | undefined) ?? {};
}

export function recordInstalled(access: ClusterAccess, node: string, rec: InstalledRecord): void {
  const all = { ...installedRecords(access), [node]: rec };
  access.stateSection.set(INSTALLED_SECTION, all);
}

export async function nodeVersion(client: TalosClient, timeoutMs = 5000): Promise<string> {
  const [r] = await withTimeout(client.version(), timeoutMs, "Version");
  if (!r) throw new Error("Version: empty reply");
  if (!r.ok) throw r.error;
  const tag = r.value.version?.tag;
  if (!tag) throw new Error("Version: no version tag in the reply");
  return tag;
}

/** The node's boot ID (/proc/sys/kernel/random/boot_id), or undefined when it cannot be read. */
export async function bootId(client: TalosClient, timeoutMs: number): Promise<string | undefined> {
  const read = async (): Promise<string> => {
    let text = "";
    for await (const d of client.transport.serverStream(
      methods.read,
      { path: "/proc/sys/kernel/random/boot_id" },
      undefined,
      { idempotent: true, timeoutMs },
    ))
      text += Buffer.from(d.bytes).toString("utf8");
    return text.trim();
  };
  try {
    return (await withTimeout(read(), timeoutMs, "Read boot_id")) || undefined;
  } catch {
    return undefined;
  }
}

async function observeNodes(
  access: ClusterAccess,
  timeoutMs: number,
  clients: NodeClients | undefined,
): Promise<ObservedNode[]> {
  const installed = installedRecords(access);
  return Promise.all(
    access.model.nodes.map(async (n): Promise<ObservedNode> => {
      try {
        const version = await withNodeClient(access, n.name, clients, (c) => nodeVersion(c, timeoutMs));
        const rec = installed[n.name];
        // A record of another version predates an upgrade cairn did not do; its schematic is unknown then.
        const schematicId = rec && rec.version === version ? rec.schematicId : undefined;
        return { name: n.name, reachable: true, version, ...(schematicId ? { schematicId } : {}) };
      } catch (e) {
        return { name: n.name, reachable: false, error: brief(e) };
      }
    }),
  );
}

export async function observeEtcd(
  access: ClusterAccess,
  timeoutMs = 5000,
  clients?: NodeClients,
): Promise<ObservedEtcd> {
  const cps = access.model.nodes.filter((n) => n.role === "controlplane").map((n) => n.name);
  const status: ObservedEtcd["status"] = {};
  let members: ObservedEtcd["members"] | undefined;
  let listError: string | undefined;
  // One control plane's member status, and the member list from the first that answers.
  const etcdLook = async (c: TalosClient, cp: string): Promise<void> => {
    const [r] = await withTimeout(c.etcdStatus(), timeoutMs, "EtcdStatus");
    if (!r) throw new Error("EtcdStatus: empty reply");
    if (!r.ok) throw r.error;
    const s = r.value.member_status;
    status[cp] = {
      memberId: s?.member_id ?? "0",
      leader: s?.leader ?? "0",
      errors: s?.errors ?? [],
      isLearner: s?.is_learner ?? false,
    };
    if (!members) {
      const [m] = await withTimeout(c.etcdMemberList(), timeoutMs, "EtcdMemberList");
      if (m?.ok)
        members = m.value.members.map((x) => ({
          id: x.id,
          hostname: x.hostname,
          peerUrls: x.peer_urls,
          isLearner: x.is_learner,
        }));
      else if (m) listError = m.error.message;
    }
  };
  await Promise.all(
    cps.map(async (cp) => {
      try {
        await withNodeClient(access, cp, clients, (c) => etcdLook(c, cp));
      } catch (e) {
        status[cp] = { error: brief(e) };
      }
    }),
  );
  return {
    members: members ?? [],
    status,
    ...(members ? {} : { error: listError ?? "no control plane answered" }),
  };
}

/** Every node's version and etcd as the control planes see it; `clients` shares one connection per node. */
export async function observeCluster(
  access: ClusterAccess,
  timeoutMs = 5000,
  clients?: NodeClients,
): Promise<ObservedCluster> {
  const [nodes, etcd] = await Promise.all([
    observeNodes(access, timeoutMs, clients),
    observeEtcd(access, timeoutMs, clients),
  ]);
  const addresses: Record<string, string> = {};
  for (const n of access.model.nodes) {
    try {
      addresses[n.name] = access.addressOf(n.name);
    } catch {
      // no dial address: matching by hostname only
    }
  }
  return { nodes, etcd, addresses };
}

/**
 * The node's running machine config text (COSI MachineConfigs, id v1alpha1; sensitive: admin only). Read raw from
 * yaml_spec: a config with several documents is not one YAML document, so the generic resource parser cannot.
 */
export async function runningConfig(client: TalosClient, timeoutMs = 5000): Promise<string> {
  const rt = RESOURCE_TYPES.machineConfigs;
  const reply = await withTimeout(
    client.transport.unary(
      methods.cosiGet,
      { namespace: rt.namespace, type: rt.type, id: rt.singleton },
      undefined,
      {
        idempotent: true,
        timeoutMs,
      },
    ),
    timeoutMs + 1000,
    "MachineConfig",
  );
  const text = reply.resource?.spec?.yaml_spec;
  if (!text) throw new Error("MachineConfig: the node returned no config");
  return text;
}
