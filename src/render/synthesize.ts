// Synthesis: model + secrets (+ what the directory held before) → every artefact of a cluster, as values. Pure
// apart from key generation for new client certificates (the clock and randomness come in): nothing here reads or
// writes a file, starts a process or looks at the network. Rendering twice gives the same bytes: credentials that
// are still good for this cluster are carried over from `previous` unchanged.
import type { Model } from "../clusterspec/model.js";
import { buildAdminKubeconfig, kubeconfigExpiry } from "../talos/kubeconfig.js";
import type { ReadFile } from "../talos/patch/index.js";
import { parseCertificate, type RandomSource } from "../talos/pki/index.js";
import type { SecretsBundle } from "../talos/secrets/bundle.js";
import type { BundleAuthorities } from "../talos/secrets/validate.js";
import { buildTalosconfig, parseTalosconfig } from "../talos/talosconfig.js";
import { nodeConfigPath, SECRET_MODE, type Artefact } from "../io/artefact.js";
import { gitopsTree } from "../gitops/index.js";
import { renderMachineConfigs } from "./machine-configs.js";

export interface SynthesisInput {
  model: Model;
  secrets: SecretsBundle;
  authorities: BundleAuthorities;
  /**
   * A new cluster identity to create: the secrets file's content (plain or age-encrypted) and where it goes
   * (relative to the output directory, or absolute). Absent when the secrets already exist.
   */
  newSecrets?: { path: string; content: string };
  /** What the output directory holds now, by relative path (talosconfig, kubeconfig): reused while still good. */
  previous: ReadonlyMap<string, string>;
  now: Date;
  /** Reads `@file` config patches (relative to the spec). */
  readFile: ReadFile;
  random?: RandomSource;
}

/** Client credentials are renewed when they expire within this window, as `cairn health` warns. */
export const RENEW_WITHIN_MS = 30 * 24 * 3600 * 1000;

export const TALOSCONFIG_PATH = "talosconfig";
export const GITOPS_DIR = "gitops";
export const KUBECONFIG_PATH = "kubeconfig";

/** Every artefact of the cluster, in write order (secrets first). Throws a UserError before returning if a config is invalid. */
export async function synthesize(input: SynthesisInput): Promise<Artefact[]> {
  const { model, authorities, now } = input;
  const out: Artefact[] = [];
  if (input.newSecrets)
    out.push({
      path: input.newSecrets.path,
      content: input.newSecrets.content,
      mode: SECRET_MODE,
      sensitive: true,
      kind: "secrets",
      note: "new cluster secrets",
      createOnly: true,
    });

  for (const r of renderMachineConfigs(model, input.secrets, input.readFile))
    out.push({
      path: nodeConfigPath(r.node),
      content: r.text,
      mode: SECRET_MODE,
      sensitive: true,
      kind: "machineconfig",
      node: r.node,
    });

  const endpoints = model.nodes.filter((n) => n.role === "controlplane" && n.address).map((n) => n.address!);
  const oldTalos = input.previous.get(TALOSCONFIG_PATH);
  if (oldTalos !== undefined && reusableTalosconfig(oldTalos, model, authorities.os.certPem, endpoints, now))
    out.push(credential(TALOSCONFIG_PATH, oldTalos, "talosconfig"));
  else {
    const t = await buildTalosconfig(authorities.os, {
      context: model.name,
      endpoints,
      now,
      ...(input.random ? { random: input.random } : {}),
    });
    out.push({
      ...credential(TALOSCONFIG_PATH, t.text, "talosconfig"),
      note: `client certificate valid until ${t.cert.notAfter.toISOString()}`,
    });
  }

  const oldKube = input.previous.get(KUBECONFIG_PATH);
  if (oldKube !== undefined && reusableKubeconfig(oldKube, model, now))
    out.push(credential(KUBECONFIG_PATH, oldKube, "kubeconfig"));
  else {
    const k = await buildAdminKubeconfig(authorities.k8s, {
      clusterName: model.name,
      endpoint: model.endpoint.url,
      now,
      ...(input.random ? { random: input.random } : {}),
    });
    out.push({
      ...credential(KUBECONFIG_PATH, k.text, "kubeconfig"),
      note: `admin certificate valid until ${k.cert.notAfter.toISOString()}`,
    });
  }

  // The platform add-ons as a Flux tree: plain files meant to be committed (no secret in them).
  for (const f of gitopsTree(model).files)
    out.push({
      path: `${GITOPS_DIR}/${f.path}`,
      content: f.content,
      mode: 0o644,
      sensitive: false,
      kind: "gitops",
    });
  return out;
}

function credential(path: string, content: string, kind: "talosconfig" | "kubeconfig"): Artefact {
  return { path, content, mode: SECRET_MODE, sensitive: true, kind };
}

function reusableTalosconfig(
  text: string,
  model: Model,
  caPem: string,
  endpoints: string[],
  now: Date,
): boolean {
  try {
    const ctx = parseTalosconfig(text, model.name, TALOSCONFIG_PATH);
    if (ctx.caPem.trim() !== caPem.trim()) return false;
    if (JSON.stringify(ctx.endpoints) !== JSON.stringify(endpoints)) return false;
    return parseCertificate(ctx.certPem).notAfter.getTime() - now.getTime() > RENEW_WITHIN_MS;
  } catch {
    return false;
  }
}

function reusableKubeconfig(text: string, model: Model, now: Date): boolean {
  try {
    if (!text.includes(`server: ${model.endpoint.url}`)) return false;
    const expiry = kubeconfigExpiry(text, undefined, KUBECONFIG_PATH);
    return !!expiry && expiry.getTime() - now.getTime() > RENEW_WITHIN_MS;
  } catch {
    return false;
  }
}

/** The machine config a synthesis holds for a node. */
export function configOf(artefacts: readonly Artefact[], node: string): string | undefined {
  return artefacts.find((a) => a.kind === "machineconfig" && a.node === node)?.content;
}
