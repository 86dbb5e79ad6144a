// The Talos machine API client: one method per RPC cairn uses, returning per-node results for one-to-many calls.
// Transport concerns (TLS, failover, retries, error mapping) live in transport.ts.
//
// Several nodes are reached the way talosctl 1.14 reaches them: one call per node through the endpoint, each with
// the single-valued `node` header (client/multiplex), instead of apid's one-to-many `nodes` fan-out, which Talos
// deprecates together with common.Metadata (api/common/common.proto: removal planned for v2.0).
import {
  TalosApiError,
  TalosCertificateError,
  TalosClientCertificateRefusedError,
  TalosMaintenanceModeError,
  TalosNodeError,
  TalosPermissionDeniedError,
  TalosProtocolError,
  TalosUnreachableError,
  TalosVersionMismatchError,
} from "./errors.js";
import { decodeAny, methods, msToDuration } from "./messages.js";
import {
  knownResourceType,
  type EtcdMemberSpec,
  type MachineStatusSpec,
  type MemberSpec,
  type NodeAddressSpec,
  type ServiceSpec,
  type VersionSpec,
  parseResource,
  RESOURCE_TYPES,
  type ParsedResource,
  type ResourceDefinitionSpec,
  type ResourceType,
} from "./resources.js";
import { perNode, type NodeResult } from "./results.js";
import { applyStep, type ApplyStep } from "./apply-semantics.js";
import { looksSecret, redactSecrets } from "../../redact.js";
import { extractFromTarGz } from "./tar.js";
import type { TlsMode } from "./credentials.js";
import { TalosTransport, type Targeting, type TransportOptions } from "./transport.js";
import type * as T from "./types.js";

export type { NodeResult } from "./results.js";
export type { Targeting } from "./transport.js";

export type ClientOptions = TransportOptions;

export interface ConnectOptions extends Omit<TransportOptions, "tls" | "endpoints"> {
  endpoints: readonly string[];
}

export type { ApplyModeName } from "./apply-semantics.js";
import type { ApplyModeName } from "./apply-semantics.js";

const APPLY_MODES: Record<ApplyModeName, T.ApplyMode> = {
  auto: "AUTO",
  "no-reboot": "NO_REBOOT",
  reboot: "REBOOT",
  staged: "STAGED",
  try: "TRY",
};

export interface ApplyOptions {
  mode?: ApplyModeName;
  dryRun?: boolean;
  /** Only for mode "try". */
  tryModeTimeoutMs?: number;
}

export interface UpgradeOptions {
  /** Stage the upgrade for the next reboot (legacy API only). */
  stage?: boolean;
  /** Skip etcd health checks (legacy API only). */
  force?: boolean;
  rebootMode?: "default" | "powercycle";
  /** Use MachineService/Upgrade even on Talos 1.13+. */
  legacy?: boolean;
  /** Lifecycle path: install without rebooting afterwards. */
  noReboot?: boolean;
  onProgress?: (node: string, message: string) => void;
}

export interface UpgradeResult {
  node: string;
  api: "lifecycle" | "legacy";
  ok: boolean;
  error?: TalosNodeError;
  /** Legacy path: the node's ack text. */
  ack?: string;
}

export interface ResetOptions {
  graceful?: boolean;
  reboot?: boolean;
  systemLabelsToWipe?: string[];
  userDisksToWipe?: string[];
  mode?: T.WipeMode;
}

export interface LogsOptions {
  /** Container logs from the CRI namespace (talosctl -k). */
  kubernetes?: boolean;
  follow?: boolean;
  /** −1 = everything (talosctl default). */
  tailLines?: number;
  signal?: AbortSignal;
}

export interface StreamChunk {
  node: string;
  bytes: Buffer;
  error?: TalosNodeError;
}

export interface MachineEventView {
  node: string;
  id: string;
  actorId: string;
  /** Full proto name, e.g. "machine.MachineStatusEvent". */
  type: string;
  payload: Record<string, unknown> | undefined;
  error?: TalosNodeError;
}

export interface HealthCheckOptions {
  waitTimeoutMs?: number;
  controlPlaneNodes?: string[];
  workerNodes?: string[];
  forceEndpoint?: string;
  signal?: AbortSignal;
}

/** One node: the one-to-one `node` header; none: the endpoint itself answers. */
function nodeTarget(node: string | undefined): Targeting {
  return node ? { node } : undefined;
}

// Failures that say something about the endpoint, the credentials or the API rather than about one node: when every
// node failed with one of these, the caller gets it thrown (with its hint), as a single call would.
const ENDPOINT_FAILURES = [
  TalosUnreachableError,
  TalosCertificateError,
  TalosClientCertificateRefusedError,
  TalosPermissionDeniedError,
  TalosMaintenanceModeError,
  TalosVersionMismatchError,
] as const;

function asNodeError(node: string, e: TalosApiError): TalosNodeError {
  // UNAVAILABLE for one node of several means apid could not reach that node, not that the endpoint is down.
  const message = e instanceof TalosUnreachableError ? e.reason.replace(/^\d+ [A-Z_]+: /, "") : e.message;
  return new TalosNodeError(node, message, e.grpcCode, e);
}

/**
 * Runs `call` once per node (client-side fan-out); a node's failure is its own result. When all nodes failed
 * alike with an endpoint-level error, that error is thrown instead.
 */
async function fanOut<R>(
  nodes: readonly string[],
  call: (node: string) => Promise<NodeResult<R>[]>,
): Promise<NodeResult<R>[]> {
  const settled = await Promise.allSettled(nodes.map((n) => call(n)));
  const failures = settled.filter((s): s is PromiseRejectedResult => s.status === "rejected");
  for (const f of failures) if (!(f.reason instanceof TalosApiError)) throw f.reason;
  if (failures.length === nodes.length && nodes.length > 0) {
    const first = failures[0]!.reason as TalosApiError;
    const kind = ENDPOINT_FAILURES.find((k) => first instanceof k);
    if (kind && failures.every((f) => f.reason instanceof kind)) throw first;
  }
  return settled.flatMap((s, i) =>
    s.status === "fulfilled"
      ? s.value
      : [{ node: nodes[i]!, ok: false as const, error: asNodeError(nodes[i]!, s.reason as TalosApiError) }],
  );
}

function hostOfEndpoint(endpoint: string): string {
  return endpoint.startsWith("[") ? endpoint.slice(1, endpoint.indexOf("]")) : endpoint.replace(/:\d+$/, "");
}

function metadataError(node: string, m: T.WithMetadata): TalosNodeError | undefined {
  const error = m.metadata?.error || m.metadata?.status?.message;
  return error
    ? new TalosNodeError(m.metadata?.hostname || node, error, m.metadata?.status?.code)
    : undefined;
}

/**
 * Interleaves per-node streams as their items arrive. A node whose stream fails yields one `failed` item and ends;
 * the others go on. Errors that are not Talos API errors end the whole merge.
 */
async function* mergeStreams<X>(
  sources: { node: string; stream: AsyncGenerator<X> }[],
  failed: (node: string, e: TalosApiError) => X,
): AsyncGenerator<X> {
  type Step = { i: number; r: IteratorResult<X> } | { i: number; error: unknown };
  const next = (i: number): Promise<Step> =>
    sources[i]!.stream.next().then(
      (r) => ({ i, r }),
      (error: unknown) => ({ i, error }),
    );
  const pending = new Map<number, Promise<Step>>(sources.map((_, i) => [i, next(i)]));
  try {
    while (pending.size > 0) {
      const step = await Promise.race(pending.values());
      if ("error" in step) {
        pending.delete(step.i);
        if (!(step.error instanceof TalosApiError)) throw step.error;
        yield failed(sources[step.i]!.node, step.error);
        continue;
      }
      if (step.r.done) {
        pending.delete(step.i);
        continue;
      }
      pending.set(step.i, next(step.i));
      yield step.r.value;
    }
  } finally {
    for (const i of pending.keys()) void sources[i]!.stream.return(undefined);
  }
}

/**
 * The secret values of a machine config's text, read without parsing it (it may not parse): values of fields named
 * like keys, tokens and secrets, and anything that looks like key material.
 */
function configSecrets(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(
    /^\s*(?:- )?([A-Za-z]*(?:[Kk]ey|[Tt]oken|[Ss]ecret|[Pp]assword)[A-Za-z]*):[ \t]*["']?([^"'\s#]{6,})/gm,
  ))
    out.add(m[2]!);
  for (const m of text.matchAll(/[A-Za-z0-9+/=_.-]{20,}/g)) if (looksSecret(m[0])) out.add(m[0]);
  return [...out];
}

export class TalosClient {
  readonly transport: TalosTransport;

  constructor(options: ClientOptions) {
    this.transport = new TalosTransport(options);
  }

  /** mTLS with a talosconfig's CA and client certificate. */
  static mtls(
    creds: { caPem: string; certPem: string; keyPem: string },
    options: ConnectOptions,
  ): TalosClient {
    return new TalosClient({ ...options, tls: { mode: "mtls", ...creds } });
  }

  /** Maintenance mode: no verification; `fingerprint` pins the leaf's SPKI SHA-256 (base64). */
  static insecure(options: ConnectOptions & { fingerprint?: string }): TalosClient {
    const tls: TlsMode = {
      mode: "insecure",
      ...(options.fingerprint ? { fingerprint: options.fingerprint } : {}),
    };
    return new TalosClient({ ...options, tls });
  }

  close(): void {
    this.transport.close();
  }

  /** The name a reply without hostname belongs to: the single node, or the first endpoint. */
  private fallbackNode(nodes: readonly string[] | undefined): string {
    return nodes?.length === 1 ? nodes[0]! : hostOfEndpoint(this.transport.endpoints[0]!);
  }

  private async unaryPerNode<M extends T.WithMetadata>(
    method: (typeof methods)[keyof typeof methods],
    request: unknown,
    nodes: readonly string[] | undefined,
    idempotent: boolean,
    timeoutMs?: number,
  ): Promise<NodeResult<M>[]> {
    const one = async (node: string | undefined): Promise<NodeResult<M>[]> => {
      const reply = (await this.transport.unary(
        method as never,
        request as never,
        nodeTarget(node),
        timeoutMs === undefined ? { idempotent } : { idempotent, timeoutMs },
      )) as T.Envelope<M>;
      // A one-to-one reply carries no hostname: it is the node the call was for.
      return perNode<M>(reply, node ?? this.fallbackNode(undefined));
    };
    if (!nodes || nodes.length === 0) return one(undefined);
    return fanOut(nodes, one);
  }

  version(nodes?: readonly string[]): Promise<NodeResult<T.Version>[]> {
    return this.unaryPerNode(methods.version, {}, nodes, true);
  }

  /**
   * Applies a machine config. A node's error about the config may quote it (Talos' validation messages do), and the
   * config holds the node's keys and tokens: those are redacted from every error this returns or throws.
   */
  async applyConfiguration(
    config: Uint8Array | string,
    options: ApplyOptions = {},
    nodes?: readonly string[],
  ): Promise<NodeResult<T.ApplyConfiguration>[]> {
    const secrets = configSecrets(typeof config === "string" ? config : Buffer.from(config).toString("utf8"));
    const scrub = (e: Error): void => {
      e.message = redactSecrets(e.message, secrets);
    };
    let results: NodeResult<T.ApplyConfiguration>[];
    try {
      results = await this.applyConfigurationRaw(config, options, nodes);
    } catch (e) {
      if (e instanceof Error) scrub(e);
      throw e;
    }
    for (const r of results) if (!r.ok) scrub(r.error);
    return results;
  }

  private applyConfigurationRaw(
    config: Uint8Array | string,
    options: ApplyOptions,
    nodes: readonly string[] | undefined,
  ): Promise<NodeResult<T.ApplyConfiguration>[]> {
    const request: T.ApplyConfigurationRequest = {
      data: typeof config === "string" ? Buffer.from(config, "utf8") : config,
      mode: APPLY_MODES[options.mode ?? "auto"],
      dry_run: options.dryRun ?? false,
      try_mode_timeout:
        options.tryModeTimeoutMs === undefined ? null : msToDuration(options.tryModeTimeoutMs),
    };
    return this.unaryPerNode(methods.applyConfiguration, request, nodes, false);
  }

  /**
   * ApplyConfiguration as the node's Talos version wants it asked (apply-semantics.ts): on 1.14 "auto" and
   * "reboot" are sent as NO_REBOOT and, when the change needs a boot (`rebootNeeded`, or "reboot" asked), followed
   * by an explicit Reboot; older versions get the mode as asked. `rebooted` says whether cairn sent the Reboot.
   */
  async applyConfigurationFor(
    config: Uint8Array | string,
    request: {
      talosVersion: string;
      mode?: ApplyModeName;
      maintenance?: boolean;
      rebootNeeded?: readonly string[];
      dryRun?: boolean;
    },
    nodes?: readonly string[],
  ): Promise<{ step: ApplyStep; results: NodeResult<T.ApplyConfiguration>[]; rebooted: string[] }> {
    const step = applyStep(request.talosVersion, {
      wanted: request.mode ?? "auto",
      maintenance: request.maintenance ?? false,
      ...(request.rebootNeeded ? { rebootNeeded: request.rebootNeeded } : {}),
    });
    const results = await this.applyConfiguration(
      config,
      { mode: step.mode, ...(request.dryRun ? { dryRun: true } : {}) },
      nodes,
    );
    const applied = results.filter((r) => r.ok).map((r) => r.node);
    if (!step.thenReboot || request.dryRun || applied.length === 0) return { step, results, rebooted: [] };
    const reboots = await this.reboot("DEFAULT", nodes?.length ? applied : undefined);
    return { step, results, rebooted: reboots.filter((r) => r.ok).map((r) => r.node) };
  }

  bootstrap(
    options: { recoverEtcd?: boolean; recoverSkipHashCheck?: boolean } = {},
    nodes?: readonly string[],
  ): Promise<NodeResult<T.WithMetadata>[]> {
    const request: T.BootstrapRequest = {
      recover_etcd: options.recoverEtcd ?? false,
      recover_skip_hash_check: options.recoverSkipHashCheck ?? false,
    };
    return this.unaryPerNode(methods.bootstrap, request, nodes, false);
  }

  reboot(mode: T.RebootMode = "DEFAULT", nodes?: readonly string[]): Promise<NodeResult<T.ActorReply>[]> {
    return this.unaryPerNode(methods.reboot, { mode }, nodes, false);
  }

  shutdown(force = false, nodes?: readonly string[]): Promise<NodeResult<T.ActorReply>[]> {
    return this.unaryPerNode(methods.shutdown, { force }, nodes, false);
  }

  /** talosctl's defaults: graceful, no reboot, wipe everything. */
  reset(options: ResetOptions = {}, nodes?: readonly string[]): Promise<NodeResult<T.ActorReply>[]> {
    const request: T.ResetRequest = {
      graceful: options.graceful ?? true,
      reboot: options.reboot ?? false,
      system_partitions_to_wipe: (options.systemLabelsToWipe ?? []).map((label) => ({ label, wipe: true })),
      user_disks_to_wipe: options.userDisksToWipe ?? [],
      mode: options.mode ?? "ALL",
    };
    return this.unaryPerNode(methods.reset, request, nodes, false);
  }

  /**
   * Upgrades each node through the API it has: LifecycleService/Upgrade (Talos 1.13+; ImageService/Pull first, the
   * image boots at the Reboot cairn sends afterwards) where the node implements it, else the single
   * MachineService/Upgrade call, which reboots by itself (deprecated since 1.13). The choice is per node — a node
   * answering Unimplemented for the lifecycle API gets the legacy call — so a mixed-version cluster upgrades too.
   * `legacy` or `stage` forces the legacy call (staging exists only there).
   */
  async upgrade(
    image: string,
    options: UpgradeOptions = {},
    nodes?: readonly string[],
  ): Promise<UpgradeResult[]> {
    const targets: (string | undefined)[] = nodes?.length ? [...nodes] : [undefined];
    const results: UpgradeResult[] = [];
    const rebootAfter: (string | undefined)[] = [];
    for (const target of targets) {
      const label = target ?? this.fallbackNode(undefined);
      if (!options.legacy && !options.stage) {
        const r = await this.upgradeLifecycle(image, options, target, label);
        if (r) {
          results.push(r);
          if (r.ok) rebootAfter.push(target);
          continue;
        }
        options.onProgress?.(label, "lifecycle upgrade API not available, using the legacy upgrade call");
      }
      results.push(await this.upgradeLegacy(image, options, target, label));
    }
    if (!options.noReboot && rebootAfter.length) {
      const mode: T.RebootMode = options.rebootMode === "powercycle" ? "POWERCYCLE" : "DEFAULT";
      const named = rebootAfter.filter((n): n is string => n !== undefined);
      const reboots = await this.reboot(mode, named.length ? named : undefined);
      for (const rb of reboots) {
        if (rb.ok) continue;
        const r = results.find((x) => x.node === rb.node);
        if (r) Object.assign(r, { ok: false, error: rb.error });
      }
    }
    return results;
  }

  private async upgradeLegacy(
    image: string,
    options: UpgradeOptions,
    target: string | undefined,
    label: string,
  ): Promise<UpgradeResult> {
    const [r] = await this.unaryPerNode<T.Upgrade>(
      methods.upgradeLegacy,
      {
        image,
        preserve: false,
        stage: options.stage ?? false,
        force: options.force ?? false,
        reboot_mode: options.rebootMode === "powercycle" ? "POWERCYCLE" : "DEFAULT",
      },
      target ? [target] : undefined,
      false,
    );
    if (!r) return { node: label, api: "legacy", ok: false, error: new TalosNodeError(label, "empty reply") };
    return r.ok
      ? { node: label, api: "legacy", ok: true, ack: r.value.ack }
      : { node: label, api: "legacy", ok: false, error: r.error };
  }

  /** The lifecycle upgrade of one node; undefined when the node does not implement the lifecycle API. */
  private async upgradeLifecycle(
    image: string,
    options: UpgradeOptions,
    node: string | undefined,
    label: string,
  ): Promise<UpgradeResult | undefined> {
    const containerd: T.ContainerdInstance = { driver: "CONTAINERD", namespace: "NS_SYSTEM" };
    const progress = (m: string): void => options.onProgress?.(label, m);
    try {
      const exitCode = await this.upgradeOneLifecycle(image, containerd, nodeTarget(node), progress);
      if (exitCode === 0) return { node: label, api: "lifecycle", ok: true };
      const why =
        exitCode === undefined
          ? "upgrade stream ended without an exit code"
          : `upgrade failed with exit code ${exitCode}`;
      return { node: label, api: "lifecycle", ok: false, error: new TalosNodeError(label, why) };
    } catch (e) {
      if (e instanceof TalosVersionMismatchError) return undefined;
      if (!(e instanceof TalosApiError)) throw e;
      return { node: label, api: "lifecycle", ok: false, error: asNodeError(label, e) };
    }
  }

  private async upgradeOneLifecycle(
    image: string,
    containerd: T.ContainerdInstance,
    target: Targeting,
    progress: (m: string) => void,
  ): Promise<number | undefined> {
    const pull = this.transport.serverStream(methods.imagePull, { containerd, image_ref: image }, target, {
      idempotent: true,
    });
    for await (const r of pull) if (r.name) progress(`pulled ${r.name}`);
    let exitCode: number | undefined;
    const upgrade = this.transport.serverStream(
      methods.lifecycleUpgrade,
      { containerd, source: { image_name: image } },
      target,
      { idempotent: false },
    );
    for await (const r of upgrade) {
      if (r.progress?.message) progress(r.progress.message);
      if (r.progress?.response === "exit_code") exitCode = r.progress.exit_code ?? 0;
    }
    return exitCode;
  }

  etcdMemberList(queryLocal = false, nodes?: readonly string[]): Promise<NodeResult<T.EtcdMembers>[]> {
    return this.unaryPerNode(methods.etcdMemberList, { query_local: queryLocal }, nodes, true);
  }

  /** `memberId` as decimal or 0x-hex (talosctl prints IDs in hex). */
  etcdRemoveMemberByID(
    memberId: string | bigint,
    nodes?: readonly string[],
  ): Promise<NodeResult<T.WithMetadata>[]> {
    const id =
      typeof memberId === "bigint"
        ? memberId
        : BigInt(/^[0-9a-f]+$/i.test(memberId) && /[a-f]/i.test(memberId) ? `0x${memberId}` : memberId);
    return this.unaryPerNode(methods.etcdRemoveMemberByID, { member_id: id.toString() }, nodes, false);
  }

  etcdLeaveCluster(nodes?: readonly string[]): Promise<NodeResult<T.WithMetadata>[]> {
    return this.unaryPerNode(methods.etcdLeaveCluster, {}, nodes, false);
  }

  etcdForfeitLeadership(nodes?: readonly string[]): Promise<NodeResult<T.EtcdForfeitLeadership>[]> {
    return this.unaryPerNode(methods.etcdForfeitLeadership, {}, nodes, false);
  }

  etcdStatus(nodes?: readonly string[]): Promise<NodeResult<T.EtcdStatus>[]> {
    return this.unaryPerNode(methods.etcdStatus, {}, nodes, true);
  }

  serviceList(nodes?: readonly string[]): Promise<NodeResult<T.ServiceList>[]> {
    return this.unaryPerNode(methods.serviceList, {}, nodes, true);
  }

  /** Raw etcd snapshot bytes from one node, in order. A node error mid-stream throws TalosNodeError. */
  async *etcdSnapshot(node?: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
    const label = node ?? this.fallbackNode(undefined);
    const stream = this.transport.serverStream(methods.etcdSnapshot, {}, nodeTarget(node), {
      idempotent: true,
      ...(signal ? { signal } : {}),
    });
    for await (const chunk of stream) {
      const err = metadataError(label, chunk);
      if (err) throw err;
      if (chunk.bytes.length) yield Buffer.from(chunk.bytes);
    }
  }

  /** Uploads a snapshot for `bootstrap --recover-from`; follow with bootstrap({ recoverEtcd: true }). */
  async etcdRecover(
    snapshot: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    node?: string,
  ): Promise<NodeResult<T.WithMetadata>[]> {
    async function* chunks(): AsyncGenerator<T.Data> {
      for await (const bytes of snapshot) yield { bytes, metadata: null };
    }
    const reply = (await this.transport.clientStream(methods.etcdRecover, chunks(), nodeTarget(node), {
      idempotent: false,
    })) as T.Envelope<T.WithMetadata>;
    return perNode(reply, node ?? this.fallbackNode(undefined));
  }

  /** The admin kubeconfig from a control-plane node, extracted from its unterminated tar.gz. */
  async kubeconfig(node?: string): Promise<Buffer> {
    const label = node ?? this.fallbackNode(undefined);
    const parts: Buffer[] = [];
    for await (const chunk of this.transport.serverStream(methods.kubeconfig, {}, nodeTarget(node), {
      idempotent: true,
    })) {
      const err = metadataError(label, chunk);
      if (err) throw err;
      parts.push(Buffer.from(chunk.bytes));
    }
    let file: Buffer | undefined;
    try {
      file = extractFromTarGz(Buffer.concat(parts), "kubeconfig");
    } catch (e) {
      throw new TalosProtocolError(
        `${label}: kubeconfig archive could not be read: ${(e as Error).message}`,
        { node: label },
      );
    }
    if (!file)
      throw new TalosProtocolError(`${label}: kubeconfig archive holds no "kubeconfig" file`, {
        node: label,
      });
    return file;
  }

  private dataStream(
    method: typeof methods.logs | typeof methods.dmesg,
    request: unknown,
    nodes: readonly string[] | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<StreamChunk> {
    const one = async function* (this: TalosClient, node: string | undefined): AsyncGenerator<StreamChunk> {
      const label = node ?? this.fallbackNode(undefined);
      for await (const chunk of this.transport.serverStream(
        method as typeof methods.logs,
        request as T.LogsRequest,
        nodeTarget(node),
        {
          idempotent: true,
          ...(signal ? { signal } : {}),
        },
      )) {
        const error = metadataError(label, chunk);
        yield error
          ? { node: label, bytes: Buffer.alloc(0), error }
          : { node: label, bytes: Buffer.from(chunk.bytes) };
      }
    };
    if (!nodes || nodes.length === 0) return one.call(this, undefined);
    return mergeStreams(
      nodes.map((n) => ({ node: n, stream: one.call(this, n) })),
      (node, e) => ({ node, bytes: Buffer.alloc(0), error: asNodeError(node, e) }),
    );
  }

  /** Service or container logs; per-node failures arrive as chunks with `error`. */
  logs(id: string, options: LogsOptions = {}, nodes?: readonly string[]): AsyncGenerator<StreamChunk> {
    const request: T.LogsRequest = {
      namespace: options.kubernetes ? "k8s.io" : "system",
      id,
      driver: options.kubernetes ? "CRI" : "CONTAINERD",
      follow: options.follow ?? false,
      tail_lines: options.tailLines ?? -1,
    };
    return this.dataStream(methods.logs, request, nodes, options.signal);
  }

  dmesg(
    options: { follow?: boolean; tail?: boolean; signal?: AbortSignal } = {},
    nodes?: readonly string[],
  ): AsyncGenerator<StreamChunk> {
    return this.dataStream(
      methods.dmesg,
      { follow: options.follow ?? false, tail: options.tail ?? false },
      nodes,
      options.signal,
    );
  }

  /** Machine events with their payload decoded when cairn knows the type. */
  async *events(
    options: {
      tailEvents?: number;
      tailId?: string;
      tailSeconds?: number;
      actorId?: string;
      signal?: AbortSignal;
    } = {},
    nodes?: readonly string[],
  ): AsyncGenerator<MachineEventView> {
    const request: T.EventsRequest = {
      tail_events: options.tailEvents ?? 0,
      tail_id: options.tailId ?? "",
      tail_seconds: options.tailSeconds ?? 0,
      with_actor_id: options.actorId ?? "",
    };
    const one = async function* (
      this: TalosClient,
      target: string | undefined,
    ): AsyncGenerator<MachineEventView> {
      const node = target ?? this.fallbackNode(undefined);
      for await (const ev of this.transport.serverStream(methods.events, request, nodeTarget(target), {
        idempotent: true,
        ...(options.signal ? { signal: options.signal } : {}),
      })) {
        const error = metadataError(node, ev);
        const typeUrl = ev.data?.type_url ?? "";
        yield {
          node,
          id: ev.id,
          actorId: ev.actor_id,
          type: typeUrl.slice(typeUrl.lastIndexOf("/") + 1),
          payload: ev.data ? decodeAny(ev.data) : undefined,
          ...(error ? { error } : {}),
        };
      }
    };
    if (!nodes || nodes.length === 0) {
      yield* one.call(this, undefined);
      return;
    }
    yield* mergeStreams(
      nodes.map((n) => ({ node: n, stream: one.call(this, n) })),
      (node, e): MachineEventView => ({
        node,
        id: "",
        actorId: "",
        type: "",
        payload: undefined,
        error: asNodeError(node, e),
      }),
    );
  }

  /**
   * The node-side cluster health check. Yields progress messages; a message with metadata.error fails the check
   * (as talosctl); the stream ending is success.
   */
  async *healthCheck(
    options: HealthCheckOptions = {},
    node?: string,
  ): AsyncGenerator<{ node: string; message: string }> {
    const label = node ?? this.fallbackNode(undefined);
    const request: T.HealthCheckRequest = {
      wait_timeout: msToDuration(options.waitTimeoutMs ?? 20 * 60_000),
      cluster_info: {
        control_plane_nodes: options.controlPlaneNodes ?? [],
        worker_nodes: options.workerNodes ?? [],
        force_endpoint: options.forceEndpoint ?? "",
      },
    };
    for await (const p of this.transport.serverStream(methods.healthCheck, request, nodeTarget(node), {
      idempotent: true,
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      const err = metadataError(label, p);
      if (err) throw err;
      yield { node: p.metadata?.hostname || label, message: p.message };
    }
  }

  // COSI: always the single `node` header (apid rejects `nodes` for COSI).

  private cosiTarget(node: string | undefined): Targeting {
    return node ? { node } : undefined;
  }

  /** Resolves a type name or alias: the built-in table first, then the node's ResourceDefinitions. */
  async resolveResourceType(name: string, node?: string): Promise<ResourceType> {
    const known = knownResourceType(name);
    if (known) return known;
    const defs = await this.cosiList<ResourceDefinitionSpec>(RESOURCE_TYPES.resourceDefinitions, node);
    const n = name.toLowerCase();
    const def = defs.find(
      (d) =>
        d.id.toLowerCase() === n ||
        d.spec?.type?.toLowerCase() === n ||
        (d.spec?.allAliases ?? d.spec?.aliases ?? []).some((a) => a.toLowerCase() === n),
    );
    if (!def)
      throw new TalosProtocolError(`resource type "${name}" is not known to the node`, node ? { node } : {});
    return { type: def.spec.type, namespace: def.spec.defaultNamespace, aliases: def.spec.allAliases ?? [] };
  }

  async cosiGet<S = unknown>(
    rt: ResourceType,
    id: string,
    node?: string,
    namespace?: string,
  ): Promise<ParsedResource<S>> {
    const reply = await this.transport.unary(
      methods.cosiGet,
      { namespace: namespace ?? rt.namespace, type: rt.type, id },
      this.cosiTarget(node),
      { idempotent: true },
    );
    if (!reply.resource) throw new TalosProtocolError(`${rt.type} ${id}: empty reply`, node ? { node } : {});
    return parseResource<S>(reply.resource);
  }

  async cosiList<S = unknown>(
    rt: ResourceType,
    node?: string,
    namespace?: string,
  ): Promise<ParsedResource<S>[]> {
    const out: ParsedResource<S>[] = [];
    for await (const r of this.transport.serverStream(
      methods.cosiList,
      { namespace: namespace ?? rt.namespace, type: rt.type },
      this.cosiTarget(node),
      { idempotent: true },
    )) {
      if (r.resource) out.push(parseResource<S>(r.resource));
    }
    return out;
  }

  /** Watches a type (or one ID); yields events with parsed resources until the signal aborts. */
  async *cosiWatch<S = unknown>(
    rt: ResourceType,
    options: { id?: string; namespace?: string; tailEvents?: number; signal?: AbortSignal } = {},
    node?: string,
  ): AsyncGenerator<{ type: T.CosiEventType; resource?: ParsedResource<S>; error?: string }> {
    const request: T.WatchRequest = {
      namespace: options.namespace ?? rt.namespace,
      type: rt.type,
      ...(options.id ? { id: options.id } : {}),
      options: { bootstrap_contents: options.id === undefined, tail_events: options.tailEvents ?? 0 },
      api_version: 1,
    };
    for await (const r of this.transport.serverStream(methods.cosiWatch, request, this.cosiTarget(node), {
      idempotent: true,
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      for (const ev of r.event) {
        yield {
          type: ev.event_type,
          ...(ev.resource ? { resource: parseResource<S>(ev.resource) } : {}),
          ...(ev.error ? { error: ev.error } : {}),
        };
      }
    }
  }

  // Typed reads the engine uses.

  members(node?: string): Promise<ParsedResource<MemberSpec>[]> {
    return this.cosiList<MemberSpec>(RESOURCE_TYPES.members, node);
  }

  machineStatus(node?: string): Promise<ParsedResource<MachineStatusSpec>> {
    return this.cosiGet<MachineStatusSpec>(
      RESOURCE_TYPES.machineStatus,
      RESOURCE_TYPES.machineStatus.singleton,
      node,
    );
  }

  services(node?: string): Promise<ParsedResource<ServiceSpec>[]> {
    return this.cosiList<ServiceSpec>(RESOURCE_TYPES.services, node);
  }

  etcdMembers(node?: string): Promise<ParsedResource<EtcdMemberSpec>[]> {
    return this.cosiList<EtcdMemberSpec>(RESOURCE_TYPES.etcdMembers, node);
  }

  versions(node?: string): Promise<ParsedResource<VersionSpec>> {
    return this.cosiGet<VersionSpec>(RESOURCE_TYPES.versions, RESOURCE_TYPES.versions.singleton, node);
  }

  nodeAddresses(
    node?: string,
    id: string = RESOURCE_TYPES.nodeAddresses.singleton,
  ): Promise<ParsedResource<NodeAddressSpec>> {
    return this.cosiGet<NodeAddressSpec>(RESOURCE_TYPES.nodeAddresses, id, node);
  }

  /** The active machine config document text (sensitive: needs os:admin). */
  async machineConfig(node?: string): Promise<string> {
    const r = await this.cosiGet(
      RESOURCE_TYPES.machineConfigs,
      RESOURCE_TYPES.machineConfigs.singleton,
      node,
    );
    // The spec is the config document itself; it may arrive as a YAML string scalar.
    return typeof r.spec === "string" ? r.spec : r.yaml;
  }
}
