// How operations reach a cluster: the model, the artefacts the spec gives (in memory, synthesised once), the
// machines' provider (the real one, or the twin standing in for it), Talos clients, and cairn's record of the
// cluster. Opening a cluster reads files and nothing else: it writes no byte and starts no process, so `plan`,
// `diff`, `status` and `health` leave everything as they found it. Commands that change things write through
// `write` only while they hold the cluster's lock.
import type { Model, ModelNode } from "../clusterspec/model.js";
import type { Lock } from "../engine/lock.js";
import { UserError } from "../errors.js";
import type { Artefact } from "../io/artefact.js";
import { writeArtefacts, type WrittenArtefact } from "../io/writer.js";
import type { ProviderTarget } from "../providers/types.js";
import { TalosClient } from "../talos/api/client.js";
import type { ClusterPaths } from "./paths.js";
import { configHash, type CairnState } from "./state.js";

/** Talos API client credentials (from the cluster's talosconfig). */
export interface TalosCredentials {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** Where cairn's record of the cluster lives: the state file, or memory in tests. */
export interface StateStore {
  read(): CairnState;
  update(mutate: (s: CairnState) => void): CairnState;
}

export interface ClusterAccess {
  model: Model;
  paths: ClusterPaths;
  /** The machines: the spec's provider, or the twin. */
  target: ProviderTarget;
  /** True when the machines are simulated (the twin): every user-facing line says so. */
  simulated: boolean;
  /** Every artefact the spec gives now (synthesised in memory; written only by commands that change things). */
  artefacts: readonly Artefact[];
  /**
   * The cluster's secrets do not exist yet: the artefacts come from a new identity that is written only when an
   * apply or render creates it.
   */
  newIdentity: boolean;
  /** The machine config the spec gives a node, with its hash (secret material: never print it). */
  config(node: string): { text: string; hash: string } | undefined;
  /**
   * The config the spec gives a node when it runs another Talos release and/or Kubernetes version: rendered with
   * the cluster's secrets for that release's contract (a node converted after crossing it, an upgrade that keeps
   * the Kubernetes the cluster runs). The spec's own versions give exactly `config(node)`. Undefined when this
   * access has no identity to render with; a spec that does not render for that release throws its UserError.
   */
  renderConfig(
    node: string,
    versions: { talosVersion?: string; kubernetesVersion?: string },
  ): { text: string; hash: string } | undefined;
  /** The address cairn dials for a node's Talos API. */
  addressOf(node: string): string;
  /** Where the node answers in maintenance mode. */
  maintenanceAddressOf(node: string): string;
  /** mTLS client with every control plane as an endpoint. */
  client(): Promise<TalosClient>;
  /** mTLS client whose only endpoint is this node (no apid forwarding; fails fast: callers poll). */
  nodeClient(node: string): Promise<TalosClient>;
  /** Maintenance-mode client straight to one node; pins the fingerprint when one is known. */
  insecureClient(
    node: string,
    fingerprint?: string,
    onFingerprint?: (fingerprint: string) => void,
  ): TalosClient;
  readState(): CairnState;
  /** Atomic read-modify-write of the state file. */
  updateState(mutate: (s: CairnState) => void): CairnState;
  /** One named section of the state (each operation owns its own). */
  stateSection: { get(key: string): unknown; set(key: string, value: unknown): void };
  /** Puts artefacts on disk through the one writer; only while the command holds the cluster's lock. */
  write(artefacts: readonly Artefact[]): WrittenArtefact[];
  /** Hands the access the lock the command took; `write` refuses without it. */
  holdLock(lock: Lock): void;
  /** Things the user should know about how the cluster was opened, one line each. */
  notices: string[];
  /** Closes `closer` with the access (clients an operation opens lazily and shares, e.g. Kubernetes). */
  onClose(closer: () => void): void;
  /** Closes every client opened through this access. */
  close(): Promise<void>;
}

export interface AccessParts {
  model: Model;
  paths: ClusterPaths;
  target: ProviderTarget;
  artefacts: readonly Artefact[];
  newIdentity?: boolean;
  /** Talos client credentials; absent when there is no talosconfig to use (only maintenance-mode calls work). */
  credentials: TalosCredentials | undefined;
  state: StateStore;
  notices?: string[];
  /** Client timeouts (tests shorten them). */
  connectTimeoutMs?: number;
  /** Renders a node's config for other versions (see ClusterAccess.renderConfig); absent: it cannot. */
  render?: (node: string, versions: { talosVersion: string; kubernetesVersion: string }) => string;
}

const sameVersion = (a: string, b: string): boolean => a.replace(/^v/, "") === b.replace(/^v/, "");

/** Binds the parts of an opened cluster into the one access type every operation uses. */
export function createClusterAccess(parts: AccessParts): ClusterAccess {
  const { model, target } = parts;
  const byName = new Map<string, ModelNode>(model.nodes.map((n) => [n.name, n]));
  const configs = new Map<string, { text: string; hash: string }>();
  for (const a of parts.artefacts)
    if (a.kind === "machineconfig" && a.node)
      configs.set(a.node, { text: a.content, hash: configHash(a.content) });
  const addressOf = (name: string): string => {
    const a = target.address(name) ?? parts.state.read().nodes[name]?.address;
    if (a) return a;
    if (target.simulated)
      throw new UserError(`node ${name} has no twin slot yet`, { hint: "`cairn apply --twin` gives it one" });
    throw new UserError(`node ${name} has no address cairn can dial`, {
      hint: byName.has(name)
        ? "give its management interface a static address (or `static.address` for a machine in maintenance mode)"
        : "it is not in the spec and cairn has no record of its address",
    });
  };
  const maintenanceAddressOf = (name: string): string => target.maintenanceAddress(name) ?? addressOf(name);
  const credentials = (): TalosCredentials => {
    if (!parts.credentials)
      throw new UserError(`there is no talosconfig for ${model.name} yet`, {
        hint: "`cairn apply` (or `cairn render`) creates the cluster's credentials",
      });
    return parts.credentials;
  };
  const connectTimeoutMs = parts.connectTimeoutMs ?? 3000;
  // Every client still open; a client closed by its user leaves the set (pollers open many short-lived ones).
  const opened = new Set<TalosClient>();
  const track = (c: TalosClient): TalosClient => {
    opened.add(c);
    const close = c.close.bind(c);
    c.close = () => {
      opened.delete(c);
      close();
    };
    return c;
  };
  const rendered = new Map<string, { text: string; hash: string } | undefined>();
  let shared: TalosClient | undefined;
  let lock: Lock | undefined;
  const closers: (() => void)[] = [];
  return {
    model,
    paths: parts.paths,
    target,
    simulated: target.simulated,
    artefacts: parts.artefacts,
    newIdentity: parts.newIdentity ?? false,
    config: (node) => configs.get(node),
    renderConfig(node, versions) {
      const talosVersion = versions.talosVersion ?? model.talosVersion;
      const kubernetesVersion = versions.kubernetesVersion ?? model.kubernetesVersion;
      if (sameVersion(talosVersion, model.talosVersion) && kubernetesVersion === model.kubernetesVersion)
        return configs.get(node);
      const key = `${node}@${talosVersion}/${kubernetesVersion}`;
      if (!rendered.has(key)) {
        const text = parts.render?.(node, { talosVersion, kubernetesVersion });
        rendered.set(key, text === undefined ? undefined : { text, hash: configHash(text) });
      }
      return rendered.get(key);
    },
    addressOf,
    maintenanceAddressOf,
    async client() {
      if (shared) return shared;
      const endpoints = model.nodes.filter((n) => n.role === "controlplane").map((n) => addressOf(n.name));
      shared = track(
        TalosClient.mtls(credentials(), { endpoints, connectTimeoutMs: connectTimeoutMs + 2000 }),
      );
      return shared;
    },
    async nodeClient(node) {
      return track(
        TalosClient.mtls(credentials(), {
          endpoints: [addressOf(node)],
          connectTimeoutMs,
          // Callers poll nodes that are rebooting; they retry themselves, so fail fast here.
          retry: { attempts: 1 },
        }),
      );
    },
    insecureClient(node, fingerprint, onFingerprint) {
      return track(
        TalosClient.insecure({
          ...(onFingerprint ? { onFingerprint: (_endpoint: string, fp: string) => onFingerprint(fp) } : {}),
          endpoints: [maintenanceAddressOf(node)],
          connectTimeoutMs,
          retry: { attempts: 1 },
          ...(fingerprint ? { fingerprint } : {}),
        }),
      );
    },
    readState: () => parts.state.read(),
    updateState: (mutate) => parts.state.update(mutate),
    stateSection: {
      get: (k) => parts.state.read()[k],
      set: (k, v) =>
        void parts.state.update((s) => {
          if (v === undefined) delete s[k];
          else s[k] = v;
        }),
    },
    write(artefacts) {
      if (!lock) throw new Error("write: the cluster's lock is not held");
      return writeArtefacts(parts.paths.dir, artefacts, lock);
    },
    holdLock(l) {
      lock = l;
    },
    notices: parts.notices ?? [],
    onClose(closer) {
      closers.push(closer);
    },
    async close() {
      for (const c of [...opened]) c.close();
      shared = undefined;
      for (const c of closers.splice(0)) c();
      await target.close?.();
    },
  };
}
