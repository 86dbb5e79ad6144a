// `cairn diff`: drift between what runs and what cairn.yaml says. Per node: the running Talos version against the
// spec's, and the running machine config (COSI MachineConfigs) against the config rendered from the spec, as
// field-level diffs with every secret value redacted (keys, tokens, certificates never reach the output).
import { diffConfigs, formatChanges, type ConfigChange } from "./config-diff.js";
import { normaliseTalosVersion } from "../talos/versions.js";
import type { ProviderDrift, ProviderObservation } from "../providers/types.js";
import type { ClusterAccess } from "./access.js";
import { nodeVersion, runningConfig } from "./observe.js";
import { brief } from "./support.js";

export interface NodeDrift {
  node: string;
  /** Could not be compared (unreachable, no rendered config). */
  error?: string;
  version?: { running: string; desired: string };
  /** running → desired, redacted. */
  config: ConfigChange[];
}

export interface DriftReport {
  cluster: string;
  simulated: boolean;
  drifted: boolean;
  errors: boolean;
  nodes: NodeDrift[];
  /** The machines' own drift at the provider (VM config, firewall rules), normalised by the provider. */
  machines?: ProviderDrift[];
}

/** Pure: one node's drift from its observed version/config and the desired ones. */
export function nodeDrift(
  node: string,
  running: { version: string; config: string },
  desired: { version: string; config: string },
): NodeDrift {
  const r = normaliseTalosVersion(running.version) ?? running.version;
  const d = normaliseTalosVersion(desired.version) ?? desired.version;
  return {
    node,
    ...(r !== d ? { version: { running: r, desired: d } } : {}),
    config: diffConfigs(running.config, desired.config),
  };
}

export async function detectDrift(
  access: ClusterAccess,
  options: { timeoutMs?: number; observed?: ProviderObservation } = {},
): Promise<DriftReport> {
  const machines = options.observed && access.target.drift ? access.target.drift(options.observed) : [];
  const t = options.timeoutMs ?? 5000;
  const nodes = await Promise.all(
    access.model.nodes.map(async (n): Promise<NodeDrift> => {
      const desired = access.config(n.name)?.text;
      if (desired === undefined) return { node: n.name, error: "the spec gives it no config", config: [] };
      let c;
      try {
        c = await access.nodeClient(n.name);
        const [version, config] = await Promise.all([nodeVersion(c, t), runningConfig(c, t)]);
        return nodeDrift(
          n.name,
          { version, config },
          { version: access.model.talosVersion, config: desired },
        );
      } catch (e) {
        return { node: n.name, error: brief(e), config: [] };
      } finally {
        c?.close();
      }
    }),
  );
  return {
    cluster: access.model.name,
    simulated: access.simulated,
    drifted: machines.length > 0 || nodes.some((n) => n.version !== undefined || n.config.length > 0),
    errors: nodes.some((n) => n.error !== undefined),
    nodes,
    machines,
  };
}

export function formatDrift(r: DriftReport): string {
  const lines: string[] = [];
  for (const m of r.machines ?? []) {
    lines.push(`${m.subject}: the machine drifted`);
    for (const c of m.changes) lines.push(`  ${c}`);
  }
  for (const n of r.nodes) {
    if (n.error) {
      lines.push(`${n.node}: cannot compare: ${n.error}`);
      continue;
    }
    if (!n.version && n.config.length === 0) {
      lines.push(`${n.node}: in sync`);
      continue;
    }
    lines.push(`${n.node}: drifted`);
    if (n.version) lines.push(`  version: running ${n.version.running}, spec ${n.version.desired}`);
    if (n.config.length) {
      lines.push(`  machine config (running → spec), ${n.config.length} field(s):`);
      for (const l of formatChanges(n.config)) lines.push(`    ${l}`);
    }
  }
  const sim = r.simulated ? " (SIMULATED on the twin)" : "";
  lines.push(
    r.drifted
      ? `cluster ${r.cluster}${sim}: drift found — \`cairn plan\` shows how apply would converge it`
      : r.errors
        ? `cluster ${r.cluster}${sim}: no drift on the nodes that answered`
        : `cluster ${r.cluster}${sim}: no drift`,
  );
  return lines.join("\n") + "\n";
}
