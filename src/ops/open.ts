// Opening a cluster: the spec loaded and checked once, the cluster's identity read (or a new one made in memory),
// every artefact synthesised, the machines' provider bound. Only reads: nothing is written and nothing started
// here; commands that change things write the artefacts through the access once they hold the lock.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { requireModel } from "../clusterspec/load.js";
import type { Diagnostic } from "../clusterspec/diagnostics.js";
import type { Model } from "../clusterspec/model.js";
import { UserError } from "../errors.js";
import type { Artefact } from "../io/artefact.js";
import { providerTarget } from "../providers/registry.js";
import type { NodeBootImage } from "../providers/types.js";
import { modelAtTalosVersion, nodeInstallerImage, renderNodeConfig } from "../render/machine-configs.js";
import { KUBECONFIG_PATH, synthesize, TALOSCONFIG_PATH } from "../render/synthesize.js";
import { readSecretsBundleFile, renderSecretsBundleFile } from "../talos/secrets/files.js";
import { generateSecretsBundle } from "../talos/secrets/generate.js";
import type { SecretsBundle } from "../talos/secrets/bundle.js";
import { validateSecretsBundle, type BundleAuthorities } from "../talos/secrets/validate.js";
import { parseTalosconfig } from "../talos/talosconfig.js";
import { createClusterAccess, type ClusterAccess, type StateStore, type TalosCredentials } from "./access.js";
import { pinKubernetes, recordedKubernetes } from "./kubernetes-pin.js";
import { clusterPaths, type ClusterPaths } from "./paths.js";
import { configHash, readState, updateState, type CairnState } from "./state.js";

export interface LoadedCluster {
  file: string;
  model: Model;
  warnings: Diagnostic[];
  paths: ClusterPaths;
  simulated: boolean;
}

export interface ClusterOptions {
  file: string;
  /** Work on the twin standing in for the spec's machines. */
  simulated: boolean;
  /** Per-cluster directory; default `.cairn/<cluster>` next to the spec. */
  dir?: string;
  /** A newly started twin's loopback subnet, simulated reboot time and Talos version. */
  twin?: { subnet?: string; rebootMs?: number; talosVersion?: string };
}

/** The spec, loaded and checked once per command (a UserError listing every problem when it is invalid). */
export function loadCluster(options: ClusterOptions): LoadedCluster {
  const { model, warnings } = requireModel(options.file);
  return {
    file: options.file,
    model,
    warnings,
    paths: clusterPaths(options.file, model.name, options.dir, options.simulated),
    simulated: options.simulated,
  };
}

export interface IdentityOptions {
  /** The secrets file (default `<dir>/secrets.yaml`); may be age-encrypted. */
  secrets?: string;
  ageIdentity?: string;
  /** Encrypt a new identity's secrets file to these age recipients. */
  ageRecipients?: readonly string[];
  /** Make a new identity even though configs from older secrets exist (render --new-secrets). */
  newSecrets?: boolean;
  now?: Date;
}

export interface Identity {
  bundle: SecretsBundle;
  authorities: BundleAuthorities;
  /** A new identity's secrets file, not written yet. */
  created?: { path: string; content: string };
}

/** The cluster's secrets: read (and decrypted) when they exist, otherwise a new bundle made in memory. */
export async function readIdentity(
  model: Model,
  outDir: string,
  options: IdentityOptions = {},
): Promise<Identity> {
  const secretsPath = resolve(options.secrets ?? join(outDir, "secrets.yaml"));
  if (existsSync(secretsPath)) {
    if (options.newSecrets)
      throw new UserError(`${secretsPath} exists; cairn never replaces cluster secrets in place`, {
        hint: "move it away first if you really mean to build a new cluster identity (nodes configured from it will reject new credentials)",
      });
    const { bundle, authorities } = await readSecretsBundleFile(
      secretsPath,
      options.ageIdentity ? { identityFile: options.ageIdentity } : {},
    );
    return { bundle, authorities };
  }
  const nodesDir = join(outDir, "nodes");
  if (!options.newSecrets && existsSync(nodesDir) && readdirSync(nodesDir).some((f) => f.endsWith(".yaml")))
    throw new UserError(
      `${secretsPath} is missing, but ${nodesDir} holds configs rendered from earlier secrets`,
      {
        hint: "restore the secrets file (or pass --secrets FILE); to deliberately start a new cluster identity, pass --new-secrets",
      },
    );
  const bundle = await generateSecretsBundle({ now: options.now ?? new Date(), contract: model.contract });
  const content = await renderSecretsBundleFile(
    bundle,
    options.ageRecipients?.length ? { recipients: options.ageRecipients } : {},
  );
  const rel = relative(outDir, secretsPath);
  return {
    bundle,
    authorities: validateSecretsBundle(bundle, secretsPath),
    created: { path: rel.startsWith("..") ? secretsPath : rel, content },
  };
}

/** The credential files the output directory holds now, for reuse while still good. */
function readPrevious(outDir: string): Map<string, string> {
  const previous = new Map<string, string>();
  for (const p of [TALOSCONFIG_PATH, KUBECONFIG_PATH]) {
    const file = join(outDir, p);
    if (existsSync(file)) previous.set(p, readFileSync(file, "utf8"));
  }
  return previous;
}

/** Reads `@file` patches relative to the spec's directory. */
function patchReader(specFile: string): (p: string) => string {
  const specDir = dirname(resolve(specFile));
  return (p) => {
    try {
      return readFileSync(resolve(specDir, p), "utf8");
    } catch (e) {
      throw new UserError(
        `config patch file ${p} (relative to ${specDir}) cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  };
}

/** Every artefact of the cluster for an output directory, from its identity (synthesis; nothing written). */
export async function desiredArtefacts(
  loaded: Pick<LoadedCluster, "file" | "model">,
  outDir: string,
  identity: Identity,
  now: Date,
): Promise<Artefact[]> {
  return synthesize({
    model: loaded.model,
    secrets: identity.bundle,
    authorities: identity.authorities,
    ...(identity.created ? { newSecrets: identity.created } : {}),
    previous: readPrevious(outDir),
    now,
    readFile: patchReader(loaded.file),
  });
}

function fileStateStore(paths: ClusterPaths, cluster: string, simulated: boolean): StateStore {
  return {
    read: () => readState(paths.state, cluster, simulated),
    update: (mutate) => updateState(paths.state, cluster, simulated, mutate),
  };
}

/** Each node's machine config with its hash, from the synthesised artefacts (what providers seed first boots with). */
function machineConfigs(artefacts: readonly Artefact[]): Map<string, { text: string; hash: string }> {
  const out = new Map<string, { text: string; hash: string }>();
  for (const a of artefacts)
    if (a.kind === "machineconfig" && a.node)
      out.set(a.node, { text: a.content, hash: configHash(a.content) });
  return out;
}

/** The Image Factory image a node boots: its schematic (as the renderer derives it), platform and format. */
export function bootImageOf(model: Model, node: string): NodeBootImage | undefined {
  const n = model.nodes.find((x) => x.name === node);
  if (!n) return undefined;
  return {
    schematicId: nodeInstallerImage(model, n).id,
    talosVersion: model.talosVersion,
    platform: model.image.platform,
    format: model.image.format,
    secureBoot: n.schematic.secureBoot ?? false,
    extensions: [...(n.schematic.extensions ?? [])],
  };
}

/** A provider's own section of the state. */
function providerSection(state: StateStore, type: string): { get(): unknown; set(v: unknown): void } {
  return {
    get: () => state.read().providers?.[type],
    set: (v) =>
      void state.update((s: CairnState) => {
        s.providers = { ...(s.providers ?? {}), [type]: v };
      }),
  };
}

export interface OpenOptions extends IdentityOptions {
  now?: Date;
  /**
   * Synthesise the spec's artefacts (default). Commands that only talk to the nodes (status, health, etcd
   * snapshot) skip it and use the talosconfig on disk.
   */
  synthesize?: boolean;
}

/** Opens a loaded cluster for an operation: identity, artefacts, provider, clients. Writes nothing. */
export async function openCluster(
  loaded: LoadedCluster,
  options: OpenOptions & Pick<ClusterOptions, "twin"> = {},
): Promise<ClusterAccess> {
  const { paths, simulated } = loaded;
  const now = options.now ?? new Date();
  const state = fileStateStore(paths, loaded.model.name, simulated);
  // Fails early on a state file this cairn cannot use (newer schema, other cluster, real vs simulated). A spec that
  // leaves kubernetes.version out keeps the Kubernetes the cluster runs, not the Talos release's default.
  const pinned = pinKubernetes(loaded.model, recordedKubernetes(state.read(), paths.applied));
  const model = pinned.model;
  let artefacts: Artefact[] = [];
  let newIdentity = !existsSync(resolve(options.secrets ?? paths.secrets));
  let render: ((node: string, v: { talosVersion: string; kubernetesVersion: string }) => string) | undefined;
  if (options.synthesize !== false) {
    const identity = await readIdentity(model, paths.dir, options);
    artefacts = await desiredArtefacts({ file: loaded.file, model }, paths.dir, identity, now);
    newIdentity = identity.created !== undefined;
    const readFile = patchReader(loaded.file);
    render = (node, v) => {
      const at = modelAtTalosVersion({ ...model, kubernetesVersion: v.kubernetesVersion }, v.talosVersion);
      const n = at.nodes.find((x) => x.name === node);
      if (!n) throw new UserError(`node ${node} is not in the spec`);
      return renderNodeConfig(at, identity.bundle, n, readFile).text;
    };
  }
  const type = simulated ? "twin" : model.spec.provider.type;
  const configs = machineConfigs(artefacts);
  const target = providerTarget(
    {
      model,
      state: providerSection(state, type),
      known: () => state.read().nodes,
      dir: paths.dir,
      ...(options.twin ? { twin: options.twin } : {}),
      ...(options.synthesize !== false ? { config: (node: string) => configs.get(node) } : {}),
      bootImage: (node) => bootImageOf(model, node),
      env: process.env,
      specDir: dirname(resolve(loaded.file)),
    },
    { simulated },
  );
  const talosconfig =
    artefacts.find((a) => a.kind === "talosconfig")?.content ??
    (existsSync(paths.talosconfig) ? readFileSync(paths.talosconfig, "utf8") : undefined);
  let credentials: TalosCredentials | undefined;
  if (talosconfig) {
    const ctx = parseTalosconfig(talosconfig, model.name, paths.talosconfig);
    credentials = { caPem: ctx.caPem, certPem: ctx.certPem, keyPem: ctx.keyPem };
  }
  return createClusterAccess({
    model,
    paths,
    target,
    artefacts,
    newIdentity,
    credentials,
    state,
    ...(pinned.notice ? { notices: [pinned.notice] } : {}),
    ...(render ? { render } : {}),
  });
}
