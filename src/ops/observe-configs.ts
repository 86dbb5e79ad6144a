// What each running node reports about itself: the machine config it runs (COSI MachineConfigs) and its Talos
// version. Plans compare the spec with this, as `cairn diff` does, so `plan` and `diff` cannot disagree; cairn's
// own record is only a hint for a node that does not answer. Bounded; an unreachable node is an observation.
import type { ClusterAccess } from "./access.js";
import { withNodeClient, type NodeClients } from "./node-clients.js";
import { nodeVersion, runningConfig } from "./observe.js";
import { brief } from "./support.js";

/** A node that answered: the config it runs (secret material: never print it) and its Talos version. */
export interface NodeReport {
  config: string;
  talosVersion: string;
}

export type Reported = Record<string, NodeReport | { unreachable: string }>;

export const reportOf = (r: Reported, node: string): NodeReport | undefined => {
  const x = r[node];
  return x && "config" in x ? x : undefined;
};

export async function observeConfigs(
  access: ClusterAccess,
  nodes: readonly string[],
  timeoutMs = 5000,
  clients?: NodeClients,
): Promise<Reported> {
  const out: Reported = {};
  await Promise.all(
    nodes.map(async (node) => {
      try {
        const [talosVersion, config] = await withNodeClient(access, node, clients, (c) =>
          Promise.all([nodeVersion(c, timeoutMs), runningConfig(c, timeoutMs)]),
        );
        out[node] = { config, talosVersion };
      } catch (e) {
        out[node] = { unreachable: brief(e) };
      }
    }),
  );
  return out;
}
