// What each Talos API method does on a twin node. Maintenance mode serves ApplyConfiguration and read-only COSI
// only; normal mode checks the caller's roles per method and answers from node state and the real etcd member.
import * as grpc from "@grpc/grpc-js";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { codec, talosRoot, durationToMs } from "../talos/api/messages.js";
import type * as T from "../talos/api/types.js";
import { parseVersion, compareMinor, minorOf } from "../talos/versions.js";
import { applySemantics, rebootNeededFor } from "../talos/api/apply-semantics.js";
import { ConfigRejected, readAppliedConfig } from "./config.js";
import { findType, buildResources, simulatedServices } from "./cosi.js";
import * as etcd from "./etcd.js";
import { adminKubeconfig, packKubeconfig } from "./kubeconfig.js";
import type { CallContext, NodeMode, TwinNode } from "./node.js";
import { isAllowed } from "./rbac.js";

export class RpcError extends Error {
  readonly code: grpc.status;
  constructor(code: grpc.status, message: string) {
    super(message);
    this.code = code;
  }
}

export type Impl =
  | { kind: "unary"; run(req: Buffer, ctx: CallContext): Promise<Buffer> }
  | { kind: "server-stream"; run(req: Buffer, ctx: CallContext, send: (b: Buffer) => void): Promise<void> }
  | { kind: "client-stream"; run(reqs: Buffer[], ctx: CallContext): Promise<Buffer> };

const NOT_IN_MAINTENANCE = "API is not implemented in maintenance mode";
const MS = "/machine.MachineService/";
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Request/response codecs of a method, from the .proto declaration. */
function codecs<Req, Res>(
  path: string,
): { req: ReturnType<typeof codec<Req>>; res: ReturnType<typeof codec<Res>> } {
  const [, service, name] = /^\/([^/]+)\/([^/]+)$/.exec(path) ?? [];
  const m = talosRoot().lookupService(service!).methods[name!]!;
  m.resolve();
  return {
    req: codec<Req>(m.resolvedRequestType!.fullName.slice(1)),
    res: codec<Res>(m.resolvedResponseType!.fullName.slice(1)),
  };
}

function unary<Req, Res>(
  path: string,
  fn: (req: Req, ctx: CallContext) => Promise<T.Input<Res>> | T.Input<Res>,
): Impl {
  return {
    kind: "unary",
    async run(bytes, ctx) {
      const c = codecs<Req, Res>(path);
      return c.res.encode(await fn(c.req.decode(bytes), ctx));
    },
  };
}

function stream<Req, Res>(
  path: string,
  fn: (req: Req, ctx: CallContext, send: (msg: T.Input<Res>) => void) => Promise<void>,
): Impl {
  return {
    kind: "server-stream",
    async run(bytes, ctx, send) {
      const c = codecs<Req, Res>(path);
      await fn(c.req.decode(bytes), ctx, (msg) => send(c.res.encode(msg)));
    },
  };
}

/** One reply message for the local node: Talos leaves metadata empty when the call is not proxied. */
const one = <X>(msg: X): { messages: X[] } => ({ messages: [msg] });

function requireControlPlane(node: TwinNode): void {
  if (!node.isControlPlane)
    throw new RpcError(grpc.status.FAILED_PRECONDITION, "etcd is not running on a worker node");
}

function requireEtcd(node: TwinNode): void {
  requireControlPlane(node);
  if (!node.etcd.running) throw new RpcError(grpc.status.UNAVAILABLE, "etcd is not running on this node");
}

function etcdFailure(e: unknown): RpcError {
  if (e instanceof RpcError) return e;
  return new RpcError(grpc.status.INTERNAL, e instanceof Error ? e.message : String(e));
}

/** Version tag of an installer image reference ("ghcr.io/siderolabs/installer:v1.12.3" → "v1.12.3"). */
export function imageTag(image: string): string | undefined {
  const name = image.split("@")[0]!;
  const colon = name.lastIndexOf(":");
  if (colon === -1 || colon < name.lastIndexOf("/")) return undefined;
  const tag = name.slice(colon + 1);
  return parseVersion(tag) ? (tag.startsWith("v") ? tag : `v${tag}`) : undefined;
}

/**
 * ApplyConfiguration as the node's Talos version answers it (talos/api/apply-semantics.ts has the facts): ≤1.13
 * reboots in AUTO when a v1alpha1 change cannot be applied live and refuses such a change in NO_REBOOT/TRY; 1.14
 * applies everything live, reports AUTO as NO_REBOOT and refuses REBOOT outside maintenance mode.
 */
function applyConfig(
  req: T.ApplyConfigurationRequest,
  ctx: CallContext,
): T.Input<T.Envelope<T.ApplyConfiguration>> {
  const node = ctx.node;
  const v = parseVersion(node.version);
  const is113 = v !== undefined && compareMinor(minorOf(v), "1.13") >= 0;
  const semantics = applySemantics(node.version);
  let mode = req.mode;
  if (ctx.mode === "maintenance") {
    // ≤1.12's maintenance service knows only AUTO/REBOOT/TRY; 1.13 serves it from apid and maps REBOOT → NO_REBOOT.
    if (!is113 && (mode === "NO_REBOOT" || mode === "STAGED"))
      throw new RpcError(
        grpc.status.UNIMPLEMENTED,
        `apply configuration mode ${mode} is not supported in maintenance mode`,
      );
    if (is113 && mode === "REBOOT") mode = "NO_REBOOT";
  } else if (semantics && !semantics.rebootMode && mode === "REBOOT") {
    throw new RpcError(
      grpc.status.UNIMPLEMENTED,
      "the REBOOT mode is not supported, please use AUTO or NO_REBOOT modes instead",
    );
  }
  const text = Buffer.from(req.data).toString("utf8");
  let config;
  try {
    config = readAppliedConfig(text, node.version);
  } catch (e) {
    if (e instanceof ConfigRejected) throw new RpcError(grpc.status.INVALID_ARGUMENT, e.message);
    throw e;
  }
  // What the node cannot apply live (only ≤1.13 asks; 1.14 applies every change live).
  const blockers =
    ctx.mode === "normal" && semantics?.autoMayReboot && node.config
      ? rebootNeededFor(node.version, node.config.text, text)
      : [];
  const immediateError = `this config change can't be applied in immediate mode\ndiff:\n${blockers.map((p) => `  ${p}`).join("\n")}`;
  if (ctx.mode === "normal") {
    if (mode === "AUTO") mode = blockers.length ? "REBOOT" : "NO_REBOOT";
    else if ((mode === "NO_REBOOT" || mode === "TRY") && blockers.length)
      throw new RpcError(grpc.status.INVALID_ARGUMENT, immediateError);
  }
  const rebootDetails = `Applied configuration with a reboot${req.mode === "AUTO" ? `: ${immediateError}` : ""}`;
  if (req.dry_run)
    return one({
      mode,
      mode_details: `Dry run: ${mode === "REBOOT" ? rebootDetails : "the configuration is valid and would be applied"} (simulated by the twin)`,
      warnings: [],
    });
  if (ctx.mode === "maintenance") {
    node.applyFromMaintenance(config);
    return one({
      mode,
      mode_details: "Applied configuration, the node installs and reboots (simulated by the twin)",
      warnings: [],
    });
  }
  switch (mode) {
    case "STAGED":
      node.stagedConfig = config;
      return one({
        mode,
        mode_details: "Staged configuration to be applied after the next reboot",
        warnings: [],
      });
    case "REBOOT":
      node.stagedConfig = config;
      node.reboot();
      return one({ mode, mode_details: rebootDetails, warnings: [] });
    case "TRY": {
      const previous = node.config;
      node.config = config;
      const ms = durationToMs(req.try_mode_timeout) || 60_000;
      setTimeout(() => {
        if (node.config === config) node.config = previous;
      }, ms).unref();
      return one({
        mode,
        mode_details: `Applied configuration in try mode, rolling back in ${ms} ms`,
        warnings: [],
      });
    }
    default:
      node.config = config;
      return one({
        mode,
        mode_details: "Applied configuration without a reboot",
        warnings: [],
      });
  }
}

function maintenanceImpl(node: TwinNode, path: string): Impl | RpcError {
  if (path === `${MS}ApplyConfiguration`)
    return unary<T.ApplyConfigurationRequest, T.Envelope<T.ApplyConfiguration>>(path, (req, ctx) =>
      applyConfig(req, ctx),
    );
  if (
    path === "/cosi.resource.State/Get" ||
    path === "/cosi.resource.State/List" ||
    path === "/cosi.resource.State/Watch"
  )
    return cosiImpl(node, path, true);
  return new RpcError(grpc.status.UNIMPLEMENTED, NOT_IN_MAINTENANCE);
}

function cosiLookup(ctx: CallContext, namespace: string, type: string, readOnlyPublic: boolean) {
  const rt = findType(type);
  if (!rt || (namespace && namespace !== rt.defaultNamespace))
    throw new RpcError(grpc.status.PERMISSION_DENIED, `access denied: unknown resource ${namespace}/${type}`);
  // Sensitive resources need admin; maintenance mode (reader) never sees them.
  if (rt.sensitive && (readOnlyPublic || !ctx.roles.has("os:admin")))
    throw new RpcError(grpc.status.PERMISSION_DENIED, `access denied: ${rt.type} is sensitive`);
  return { rt, namespace: namespace || rt.defaultNamespace };
}

function cosiImpl(node: TwinNode, path: string, maintenance: boolean): Impl {
  if (path.endsWith("/Get"))
    return unary<T.GetRequest, T.GetResponse>(path, (req, ctx) => {
      const { rt, namespace } = cosiLookup(ctx, req.namespace, req.type, maintenance);
      const found = buildResources(node, rt, namespace).find((r) => r.metadata?.id === req.id);
      if (!found)
        throw new RpcError(
          grpc.status.NOT_FOUND,
          `resource ${rt.type}(${namespace}/${req.id}@undefined) doesn't exist`,
        );
      return { resource: found };
    });
  if (path.endsWith("/List"))
    return stream<T.ListRequest, T.ListResponse>(path, async (req, ctx, send) => {
      const { rt, namespace } = cosiLookup(ctx, req.namespace, req.type, maintenance);
      const re = req.options?.id_query?.regexp ? new RegExp(req.options.id_query.regexp) : undefined;
      for (const r of buildResources(node, rt, namespace))
        if (!re || re.test(r.metadata!.id)) send({ resource: r });
    });
  return stream<T.WatchRequest, T.WatchResponse>(path, async (req, ctx, send) => {
    const { rt, namespace } = cosiLookup(ctx, req.namespace, req.type, maintenance);
    const wanted = (r: T.Resource): boolean => !req.id || r.metadata!.id === req.id;
    let known = new Map<string, T.Resource>();
    const snapshot = (): Map<string, T.Resource> =>
      new Map(
        buildResources(node, rt, namespace)
          .filter(wanted)
          .map((r) => [r.metadata!.id, r]),
      );
    known = snapshot();
    if (req.options?.bootstrap_contents || req.id) {
      const events = [...known.values()].map((r) => ({ resource: r, event_type: "CREATED" as const }));
      if (req.options?.bootstrap_contents)
        events.push({ resource: null as unknown as T.Resource, event_type: "BOOTSTRAPPED" as never });
      if (events.length) send({ event: events });
    }
    // Poll node state: the twin has no controller runtime, and a few hundred ms matches how fast stages change.
    const gen = node.generation;
    while (!ctx.isCancelled() && node.server !== undefined && gen === node.generation) {
      await Promise.race([delay(200), ctx.cancelled]);
      const next = snapshot();
      const events: T.Input<T.CosiEvent>[] = [];
      for (const [id, r] of next) {
        const old = known.get(id);
        if (!old) events.push({ resource: r, event_type: "CREATED" });
        else if (old.spec?.yaml_spec !== r.spec?.yaml_spec)
          events.push({ resource: r, old, event_type: "UPDATED" });
      }
      for (const [id, r] of known) if (!next.has(id)) events.push({ resource: r, event_type: "DESTROYED" });
      known = next;
      if (events.length) send({ event: events });
    }
  });
}

function checkRoles(ctx: CallContext): void {
  if (!isAllowed(ctx.path, ctx.roles)) throw new RpcError(grpc.status.PERMISSION_DENIED, "not authorized");
}

export function implementation(
  node: TwinNode,
  mode: NodeMode,
  path: string,
  ctx: CallContext,
): Impl | RpcError {
  if (mode === "maintenance") return maintenanceImpl(node, path);
  try {
    checkRoles(ctx);
  } catch (e) {
    return e as RpcError;
  }
  if (path.startsWith("/cosi.resource.State/")) return cosiImpl(node, path, false);
  const service = /^\/([^/]+)\//.exec(path)?.[1];
  if (service && SINCE[service] && !atLeast(node.version, SINCE[service]))
    return new RpcError(grpc.status.UNIMPLEMENTED, `unknown service ${service}`);
  const impl = NORMAL[path];
  return impl ? impl(node) : new RpcError(grpc.status.UNIMPLEMENTED, `${path} is not simulated by the twin`);
}

const EMPTY_REPLY = one({});

/** Services a node serves only from this Talos minor on (api/machine/{lifecycle,image}.proto arrived in 1.13). */
const SINCE: Record<string, string> = {
  "machine.LifecycleService": "1.13",
  "machine.ImageService": "1.13",
};

function atLeast(version: string, minor: string): boolean {
  const v = parseVersion(version);
  return v !== undefined && compareMinor(minorOf(v), minor) >= 0;
}

const NORMAL: Record<string, (node: TwinNode) => Impl> = {
  [`${MS}ApplyConfiguration`]: () =>
    unary<T.ApplyConfigurationRequest, T.Envelope<T.ApplyConfiguration>>(
      `${MS}ApplyConfiguration`,
      (req, ctx) => applyConfig(req, ctx),
    ),

  [`${MS}Version`]: (node) =>
    unary<unknown, T.Envelope<T.Version>>(`${MS}Version`, () =>
      one({
        version: {
          tag: node.version,
          sha: "twin",
          built: "",
          go_version: "simulated",
          os: "linux",
          arch: process.arch === "arm64" ? "arm64" : "amd64",
        },
        platform: { name: "twin (simulated)", mode: "metal" },
        features: { rbac: node.config?.rbac ?? true },
      }),
    ),

  [`${MS}Bootstrap`]: (node) =>
    unary<T.BootstrapRequest, T.Envelope<T.WithMetadata>>(`${MS}Bootstrap`, async (req) => {
      if (!node.isControlPlane || node.stage !== "running")
        throw new RpcError(grpc.status.FAILED_PRECONDITION, "bootstrap is not available yet");
      if (node.hasEtcdData || node.bootstrapping || node.twin.clusterBootstrapped(node))
        throw new RpcError(grpc.status.ALREADY_EXISTS, "etcd data directory is not empty");
      if (req.recover_etcd && !node.hasRecoverySnapshot())
        throw new RpcError(
          grpc.status.FAILED_PRECONDITION,
          `recovery etcd snapshot is not uploaded: stat ${node.recoverySnapshotPath}: no such file or directory`,
        );
      // Talos answers at once and runs the bootstrap sequence in the background.
      node.bootstrapping = true;
      void node
        .bootstrapEtcd(req.recover_etcd, req.recover_skip_hash_check)
        .catch((e: unknown) => node.twin.logError(node, e));
      return EMPTY_REPLY;
    }),

  [`${MS}EtcdMemberList`]: (node) =>
    unary<{ query_local: boolean }, T.Envelope<T.EtcdMembers>>(`${MS}EtcdMemberList`, async () => {
      requireEtcd(node);
      const members = await etcd
        .memberList(node.address)
        .catch((e: unknown) => Promise.reject(etcdFailure(e)));
      return one({
        legacy_members: [],
        members: members.map((m) => ({
          id: m.id,
          hostname: m.name,
          peer_urls: m.peerURLs,
          client_urls: m.clientURLs,
          is_learner: m.isLearner,
        })),
      });
    }),

  [`${MS}EtcdStatus`]: (node) =>
    unary<unknown, T.Envelope<T.EtcdStatus>>(`${MS}EtcdStatus`, async () => {
      requireEtcd(node);
      const s = await etcd.status(node.address).catch((e: unknown) => Promise.reject(etcdFailure(e)));
      return one({
        member_status: {
          protocol_version: s.version,
          db_size: String(s.dbSize),
          db_size_in_use: String(s.dbSizeInUse),
          leader: s.leader,
          raft_index: s.raftIndex,
          raft_term: s.raftTerm,
          raft_applied_index: s.raftAppliedIndex,
          errors: s.errors,
          is_learner: s.isLearner,
          member_id: s.memberId,
          storage_version: "",
        },
      });
    }),

  [`${MS}EtcdRemoveMemberByID`]: (node) =>
    unary<{ member_id: string }, T.Envelope<T.WithMetadata>>(`${MS}EtcdRemoveMemberByID`, async (req) => {
      requireEtcd(node);
      const members = await etcd.memberList(node.address);
      if (!members.some((m) => m.id === req.member_id))
        throw new RpcError(grpc.status.NOT_FOUND, `member ${BigInt(req.member_id).toString(16)} not found`);
      await etcd
        .memberRemove(node.address, req.member_id)
        .catch((e: unknown) => Promise.reject(etcdFailure(e)));
      node.twin.memberRemoved(req.member_id);
      return EMPTY_REPLY;
    }),

  [`${MS}EtcdLeaveCluster`]: (node) =>
    unary<unknown, T.Envelope<T.WithMetadata>>(`${MS}EtcdLeaveCluster`, async () => {
      requireEtcd(node);
      await node.leaveEtcd().catch((e: unknown) => Promise.reject(etcdFailure(e)));
      return EMPTY_REPLY;
    }),

  [`${MS}EtcdForfeitLeadership`]: (node) =>
    unary<unknown, T.Envelope<T.EtcdForfeitLeadership>>(`${MS}EtcdForfeitLeadership`, async () => {
      requireEtcd(node);
      const s = await etcd.status(node.address);
      if (s.leader !== s.memberId) return one({ member: "" });
      const members = await etcd.memberList(node.address);
      const target = members.find((m) => m.id !== s.memberId && m.clientURLs.length > 0 && !m.isLearner);
      if (!target) return one({ member: "" });
      await etcd.moveLeader(node.address, target.id).catch((e: unknown) => Promise.reject(etcdFailure(e)));
      return one({ member: target.name });
    }),

  [`${MS}EtcdSnapshot`]: (node) =>
    stream<unknown, T.Data>(`${MS}EtcdSnapshot`, async (_req, _ctx, send) => {
      requireEtcd(node);
      const file = join(node.stateDir, `snapshot-${Date.now()}.db`);
      try {
        await etcd.snapshotSave(node.address, file).catch((e: unknown) => Promise.reject(etcdFailure(e)));
        const data = await readFile(file);
        for (let off = 0; off < data.length; off += 1 << 20)
          send({ bytes: data.subarray(off, off + (1 << 20)) });
      } finally {
        await rm(file, { force: true });
      }
    }),

  [`${MS}EtcdRecover`]: (node) => ({
    kind: "client-stream",
    async run(reqs) {
      requireControlPlane(node);
      if (node.etcd.running)
        throw new RpcError(
          grpc.status.FAILED_PRECONDITION,
          "etcd is running, recovery is only possible before bootstrap",
        );
      const data = codec<T.Data>("common.Data");
      node.writeRecoverySnapshot(Buffer.concat(reqs.map((r) => Buffer.from(data.decode(r).bytes))));
      return codecs<unknown, T.Envelope<T.WithMetadata>>(`${MS}EtcdRecover`).res.encode(EMPTY_REPLY);
    },
  }),

  [`${MS}Kubeconfig`]: (node) =>
    stream<unknown, T.Data>(`${MS}Kubeconfig`, async (_req, _ctx, send) => {
      if (!node.isControlPlane || !node.config?.k8sCa?.key)
        throw new RpcError(
          grpc.status.FAILED_PRECONDITION,
          "kubeconfig is only available on control plane nodes",
        );
      send({ bytes: packKubeconfig(await adminKubeconfig(node.config)) });
    }),

  [`${MS}ServiceList`]: (node) =>
    unary<unknown, T.Envelope<T.ServiceList>>(`${MS}ServiceList`, () =>
      one({
        services: simulatedServices(node).map((s) => ({
          id: s.id,
          state: s.running ? "Running" : "Waiting",
          events: {
            events: [
              {
                msg: s.running ? "Health check successful (simulated)" : "Waiting for bootstrap (simulated)",
                state: s.running ? "Running" : "Waiting",
              },
            ],
          },
          health: { unknown: s.unknown, healthy: s.healthy, last_message: "" },
        })),
      }),
    ),

  [`${MS}Reboot`]: (node) =>
    unary<T.RebootRequest, T.Envelope<T.ActorReply>>(`${MS}Reboot`, () => {
      node.reboot();
      return one({ actor_id: node.bootId });
    }),

  [`${MS}Shutdown`]: (node) =>
    unary<T.ShutdownRequest, T.Envelope<T.ActorReply>>(`${MS}Shutdown`, () => {
      node.shutdown();
      return one({ actor_id: node.bootId });
    }),

  [`${MS}Reset`]: (node) =>
    unary<T.ResetRequest, T.Envelope<T.ActorReply>>(`${MS}Reset`, async (req) => {
      const labels = req.system_partitions_to_wipe.filter((p) => p.wipe).map((p) => p.label);
      const userOnly = req.mode === "USER_DISKS";
      const wipeState = !userOnly && (labels.length === 0 || labels.includes("STATE"));
      const wipeEphemeral = !userOnly && (labels.length === 0 || labels.includes("EPHEMERAL"));
      if (req.graceful && node.isControlPlane && node.etcd.running && wipeEphemeral) {
        await node.leaveEtcd().catch((e: unknown) => Promise.reject(etcdFailure(e)));
      }
      node.reset(req.graceful, wipeState, wipeEphemeral);
      return one({ actor_id: node.bootId });
    }),

  [`${MS}Upgrade`]: (node) =>
    unary<T.UpgradeRequest, T.Envelope<T.Upgrade>>(`${MS}Upgrade`, (req) => {
      const tag = imageTag(req.image);
      if (!tag)
        throw new RpcError(
          grpc.status.INVALID_ARGUMENT,
          `error validating installer image "${req.image}": no version tag`,
        );
      node.upgrade(tag);
      return one({ ack: "Upgrade request received", actor_id: node.bootId });
    }),

  "/machine.LifecycleService/Upgrade": (node) =>
    stream<T.LifecycleServiceUpgradeRequest, T.LifecycleServiceUpgradeResponse>(
      "/machine.LifecycleService/Upgrade",
      async (req, _ctx, send) => {
        const image = req.source?.image_name ?? "";
        const tag = imageTag(image);
        if (!tag)
          throw new RpcError(
            grpc.status.INVALID_ARGUMENT,
            `error validating installer image "${image}": no version tag`,
          );
        send({ progress: { message: `installing ${image} (simulated by the twin)` } });
        send({ progress: { message: "upgrade installed, it boots at the next reboot" } });
        send({ progress: { exit_code: 0 } });
        node.installUpgrade(tag);
      },
    ),

  "/machine.ImageService/Pull": () =>
    stream<T.ImageServicePullRequest, T.ImageServicePullResponse>(
      "/machine.ImageService/Pull",
      async (req, _ctx, send) => {
        send({ name: req.image_ref });
      },
    ),

  [`${MS}Read`]: (node) =>
    stream<T.ReadRequest, T.Data>(`${MS}Read`, async (req, _ctx, send) => {
      if (req.path === "/proc/sys/kernel/random/boot_id")
        return send({ bytes: Buffer.from(`${node.bootId}\n`) });
      throw new RpcError(
        grpc.status.NOT_FOUND,
        `open ${req.path}: no such file or directory (the twin simulates only boot_id)`,
      );
    }),

  [`${MS}Dmesg`]: (node) =>
    stream<T.DmesgRequest, T.Data>(`${MS}Dmesg`, async (_req, _ctx, send) => {
      send({ bytes: Buffer.from(`[talos] twin node ${node.name} booted ${node.version} (simulated)\n`) });
    }),

  [`${MS}Logs`]: (node) =>
    stream<T.LogsRequest, T.Data>(`${MS}Logs`, async (req, _ctx, send) => {
      const lines = node.log
        .slice(-50)
        .map((c) => `${c.at} ${req.id || "machined"}: ${c.method} code=${c.code} (simulated)\n`)
        .join("");
      send({ bytes: Buffer.from(lines) });
    }),

  "/cluster.ClusterService/HealthCheck": (node) =>
    stream<T.HealthCheckRequest, T.HealthCheckProgress>(
      "/cluster.ClusterService/HealthCheck",
      async (req, ctx, send) => {
        const deadline = Date.now() + (durationToMs(req.wait_timeout) || 60_000);
        const checks: [string, () => string | undefined][] = [
          ["waiting for etcd to be healthy", () => node.twin.etcdProblem(node)],
          ["waiting for all nodes to be ready", () => node.twin.readinessProblem(node)],
        ];
        send({
          message: `discovered nodes: ${node.twin
            .discoveryMembers(node)
            .map((n) => n.address)
            .join(", ")} (simulated)`,
        });
        for (const [what, check] of checks) {
          send({ message: `${what}: ...` });
          let problem = check();
          while (problem && Date.now() < deadline && !ctx.isCancelled()) {
            await delay(250);
            problem = check();
          }
          if (problem) {
            send({ message: `${what}: ${problem}`, metadata: { hostname: "", error: problem } });
            return;
          }
          send({ message: `${what}: OK` });
        }
      },
    ),
};
