// The work behind `cairn talosconfig` and `cairn kubeconfig`.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { UserError } from "../errors.js";
import { readSecretsBundleFile, writeSecretFile } from "../talos/secrets/files.js";
import { buildTalosconfig } from "../talos/talosconfig.js";
import { buildAdminKubeconfig, mergeKubeconfig } from "../talos/kubeconfig.js";
import { parseDurationMs } from "./duration.js";
import type { Io } from "./output.js";

export interface TalosconfigFlags {
  file: string;
  secrets?: string;
  cluster?: string;
  endpoint: string[];
  node: string[];
  role: string[];
  ttl: string;
  out: string;
  force?: boolean;
  ageIdentity?: string;
}

export interface KubeconfigFlags {
  file: string;
  secrets?: string;
  cluster?: string;
  endpoint?: string;
  ttl: string;
  merge?: boolean;
  out?: string;
  force?: boolean;
  ageIdentity?: string;
  twin?: boolean;
}

function identity(opts: { ageIdentity?: string }) {
  return opts.ageIdentity ? { identityFile: opts.ageIdentity } : {};
}

/** Cluster name and endpoints: flags win; otherwise they come from the spec's model. */
async function clusterFacts(opts: { file: string; cluster?: string; secrets?: string }): Promise<{
  cluster: string;
  talosEndpoints: string[];
  apiEndpoint?: string;
  controlPlanes: string[];
  secrets: string;
}> {
  if (opts.cluster) {
    if (!opts.secrets)
      throw new UserError("--secrets is required with --cluster", { hint: "e.g. --secrets secrets.yaml" });
    return { cluster: opts.cluster, talosEndpoints: [], controlPlanes: [], secrets: opts.secrets };
  }
  if (!existsSync(opts.file))
    throw new UserError(`no --cluster given and no spec at ${opts.file}`, {
      hint: "pass -f cairn.yaml, or give --cluster (and --endpoint) explicitly",
    });
  const { requireModel } = await import("../clusterspec/load.js");
  const { clusterDir } = await import("../ops/paths.js");
  const { model } = requireModel(opts.file);
  return {
    cluster: model.name,
    talosEndpoints: model.nodes.filter((n) => n.role === "controlplane" && n.address).map((n) => n.address!),
    apiEndpoint: model.endpoint.url,
    controlPlanes: model.nodes.filter((n) => n.role === "controlplane").map((n) => n.name),
    secrets: opts.secrets ?? join(clusterDir(opts.file, model.name), "secrets.yaml"),
  };
}

export async function runTalosconfig(opts: TalosconfigFlags, io: Io): Promise<void> {
  const ttlMs = parseDurationMs(opts.ttl, "--ttl");
  const facts = await clusterFacts(opts);
  if (!opts.endpoint.length) opts = { ...opts, endpoint: facts.talosEndpoints };
  opts = { ...opts, cluster: facts.cluster };
  const { authorities } = await readSecretsBundleFile(facts.secrets, identity(opts));
  const { text, cert } = await buildTalosconfig(authorities.os, {
    context: facts.cluster,
    endpoints: opts.endpoint,
    nodes: opts.node,
    roles: opts.role.length ? opts.role : ["os:admin"],
    ttlMs,
    now: new Date(),
  });
  if (opts.out === "-") {
    io.out(text);
    return;
  }
  writeSecretFile(opts.out, text, opts.force);
  io.out(
    `wrote talosconfig to ${opts.out} (context ${facts.cluster}, roles ${cert.subject.organization.join(",")}, ` +
      `certificate expires ${cert.notAfter.toISOString()})\n`,
  );
  if (!opts.endpoint.length)
    io.out(
      `no --endpoint given: set one with --endpoint, or talosctl --talosconfig ${opts.out} config endpoint <ip>\n`,
    );
}

/** kubectl's lookup: the first file in $KUBECONFIG, else ~/.kube/config. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = (env.KUBECONFIG ?? "").split(delimiter).find((p) => p !== "");
  return first ?? join(homedir(), ".kube", "config");
}

/**
 * The twin rehearsal's API endpoint for a spec: the first control plane's twin address (from the rehearsal's state
 * file) at the spec endpoint's port, where that control plane's simulated kube-apiserver listens.
 */
async function twinApiEndpoint(
  file: string,
  facts: { cluster: string; apiEndpoint?: string; controlPlanes: string[] },
): Promise<string> {
  const { clusterPaths } = await import("../ops/paths.js");
  const { readState } = await import("../ops/state.js");
  const state = readState(clusterPaths(file, facts.cluster, undefined, true).state, facts.cluster, true);
  const slots = (state.providers?.twin as { slots?: Record<string, { address: string }> } | undefined)?.slots;
  const slot = facts.controlPlanes.map((n) => slots?.[n]).find((s) => s !== undefined);
  if (!slot)
    throw new UserError(`no twin rehearsal of ${facts.cluster} has placed its control planes yet`, {
      hint: `run \`cairn apply -f ${file} --twin\` first`,
    });
  const port = new URL(facts.apiEndpoint ?? "https://localhost:6443").port || "6443";
  return `https://${slot.address}:${port}`;
}

export async function runKubeconfig(opts: KubeconfigFlags, io: Io): Promise<void> {
  const ttlMs = parseDurationMs(opts.ttl, "--ttl");
  if (opts.merge && opts.out === "-")
    throw new UserError("--merge writes a file; it cannot be combined with -o -");
  if (opts.twin && (opts.cluster || opts.endpoint))
    throw new UserError("--twin takes the cluster from the spec; drop --cluster and --endpoint", {
      hint: "e.g. cairn kubeconfig -f cairn.yaml --twin -o twin.kubeconfig",
    });
  const facts = await clusterFacts(opts);
  // The twin's context gets its own name so merging it never replaces the real cluster's entries.
  if (opts.twin) facts.cluster = `${facts.cluster}-twin`;
  const endpoint = opts.twin
    ? await twinApiEndpoint(opts.file, { ...facts, cluster: facts.cluster.replace(/-twin$/, "") })
    : (opts.endpoint ?? facts.apiEndpoint);
  if (!endpoint)
    throw new UserError("--endpoint is required with --cluster", {
      hint: "e.g. --endpoint https://10.0.0.10:6443",
    });
  const { authorities } = await readSecretsBundleFile(facts.secrets, identity(opts));
  const { text, cert, contextName } = await buildAdminKubeconfig(authorities.k8s, {
    clusterName: facts.cluster,
    endpoint,
    ttlMs,
    now: new Date(),
  });
  const expiry = `certificate expires ${cert.notAfter.toISOString()}${opts.twin ? `; server ${endpoint} is the SIMULATED twin API` : ""}`;
  if (opts.out === "-") {
    io.out(text);
    io.err(`${expiry}\n`);
    return;
  }
  if (opts.merge) {
    const target = opts.out ?? defaultKubeconfigPath();
    const existing = existsSync(target) ? readFileSync(target, "utf8") : "";
    writeSecretFile(target, mergeKubeconfig(existing, text, target), true);
    io.out(`merged context ${contextName} into ${target}; ${expiry}\n`);
    return;
  }
  const target = opts.out ?? "kubeconfig";
  writeSecretFile(target, text, opts.force);
  io.out(`wrote kubeconfig to ${target} (context ${contextName}); ${expiry}\n`);
}
