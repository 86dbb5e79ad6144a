// Plain-object shapes of the Talos API messages cairn uses, as produced by messages.ts decoding (field names as in
// the .proto files, snake_case). Conventions: 64-bit integers are decimal strings (etcd member IDs do not fit a JS
// number), enums are their names, bytes are Uint8Array, unset sub-messages are null (or omitted when encoding).

interface RpcStatus {
  code: number;
  message: string;
  details?: Any[];
}

export interface Any {
  type_url: string;
  value: Uint8Array;
}

export interface Timestamp {
  seconds: string | number;
  nanos: number;
}

export interface Duration {
  seconds: string | number;
  nanos: number;
}

/** common.Metadata: hostname is the target as given in `nodes`; error/status mark a per-node failure. */
interface Metadata {
  hostname: string;
  error: string;
  status?: RpcStatus | null;
}

export interface WithMetadata {
  metadata?: Metadata | null;
}

export interface Data extends WithMetadata {
  bytes: Uint8Array;
}

type ContainerDriver = "CONTAINERD" | "CRI";
type ContainerdNamespace = "NS_UNKNOWN" | "NS_SYSTEM" | "NS_CRI";

export interface ContainerdInstance {
  driver: ContainerDriver;
  namespace: ContainerdNamespace;
}

// machine.MachineService

export type ApplyMode = "REBOOT" | "AUTO" | "NO_REBOOT" | "STAGED" | "TRY";

export interface ApplyConfigurationRequest {
  data: Uint8Array;
  mode: ApplyMode;
  dry_run: boolean;
  try_mode_timeout?: Duration | null;
}

export interface ApplyConfiguration extends WithMetadata {
  warnings: string[];
  mode: ApplyMode;
  mode_details: string;
}

export interface BootstrapRequest {
  recover_etcd: boolean;
  recover_skip_hash_check: boolean;
}

export type RebootMode = "DEFAULT" | "POWERCYCLE" | "FORCE";

export interface RebootRequest {
  mode: RebootMode;
}

export interface ActorReply extends WithMetadata {
  actor_id: string;
}

interface ResetPartitionSpec {
  label: string;
  wipe: boolean;
}

export type WipeMode = "ALL" | "SYSTEM_DISK" | "USER_DISKS";

export interface ResetRequest {
  graceful: boolean;
  reboot: boolean;
  system_partitions_to_wipe: ResetPartitionSpec[];
  user_disks_to_wipe: string[];
  mode: WipeMode;
}

export interface ShutdownRequest {
  force: boolean;
}

export interface UpgradeRequest {
  image: string;
  preserve: boolean;
  stage: boolean;
  force: boolean;
  reboot_mode: "DEFAULT" | "POWERCYCLE";
}

export interface Upgrade extends WithMetadata {
  ack: string;
  actor_id: string;
}

export interface LifecycleServiceUpgradeRequest {
  containerd: ContainerdInstance | null;
  source: { image_name: string } | null;
}

interface LifecycleServiceInstallProgress {
  message?: string;
  exit_code?: number;
  /** Which arm of the oneof is set. */
  response?: "message" | "exit_code";
}

export interface LifecycleServiceUpgradeResponse {
  progress: LifecycleServiceInstallProgress | null;
}

export interface ImageServicePullRequest {
  containerd: ContainerdInstance | null;
  image_ref: string;
}

export interface ImageServicePullResponse {
  name?: string;
  pull_progress?: {
    layer_id: string;
    progress: { status: string; elapsed: Duration | null; offset: string; total: string } | null;
  };
  response?: "name" | "pull_progress";
}

interface ServiceEvent {
  msg: string;
  state: string;
  ts: Timestamp | null;
}

interface ServiceHealth {
  unknown: boolean;
  healthy: boolean;
  last_message: string;
  last_change: Timestamp | null;
}

interface ServiceInfo {
  id: string;
  state: string;
  events: { events: ServiceEvent[] } | null;
  health: ServiceHealth | null;
}

export interface ServiceList extends WithMetadata {
  services: ServiceInfo[];
}

export interface LogsRequest {
  namespace: string;
  id: string;
  driver: ContainerDriver;
  follow: boolean;
  tail_lines: number;
}

export interface ReadRequest {
  path: string;
}

export interface DmesgRequest {
  follow: boolean;
  tail: boolean;
}

export interface EventsRequest {
  tail_events: number;
  tail_id: string;
  tail_seconds: number;
  with_actor_id: string;
}

export interface MachineEvent extends WithMetadata {
  data: Any | null;
  id: string;
  actor_id: string;
}

interface VersionInfo {
  tag: string;
  sha: string;
  built: string;
  go_version: string;
  os: string;
  arch: string;
}

export interface Version extends WithMetadata {
  version: VersionInfo | null;
  platform: { name: string; mode: string } | null;
  features: { rbac: boolean } | null;
}

interface EtcdMember {
  id: string;
  hostname: string;
  peer_urls: string[];
  client_urls: string[];
  is_learner: boolean;
}

export interface EtcdMembers extends WithMetadata {
  legacy_members: string[];
  members: EtcdMember[];
}

interface EtcdMemberStatus {
  protocol_version: string;
  db_size: string;
  db_size_in_use: string;
  leader: string;
  raft_index: string;
  raft_term: string;
  raft_applied_index: string;
  errors: string[];
  is_learner: boolean;
  member_id: string;
  storage_version: string;
}

export interface EtcdStatus extends WithMetadata {
  member_status: EtcdMemberStatus | null;
}

export interface EtcdForfeitLeadership extends WithMetadata {
  member: string;
}

/** Every unary Talos reply: one message per node. */
export interface Envelope<T> {
  messages: T[];
}

// cluster.ClusterService

export interface HealthCheckRequest {
  wait_timeout: Duration | null;
  cluster_info: { control_plane_nodes: string[]; worker_nodes: string[]; force_endpoint: string } | null;
}

export interface HealthCheckProgress extends WithMetadata {
  message: string;
}

// cosi.resource.State

interface ResourceMetadata {
  namespace: string;
  type: string;
  id: string;
  version: string;
  owner: string;
  phase: string;
  created: Timestamp | null;
  updated: Timestamp | null;
  finalizers: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Resource {
  metadata: ResourceMetadata | null;
  spec: { proto_spec: Uint8Array; yaml_spec: string } | null;
}

export interface GetRequest {
  namespace: string;
  type: string;
  id: string;
}

export interface GetResponse {
  resource: Resource | null;
}

export interface ListRequest {
  namespace: string;
  type: string;
  options?: { id_query?: { regexp: string } | null } | null;
}

export interface ListResponse {
  resource: Resource | null;
}

export type CosiEventType = "CREATED" | "UPDATED" | "DESTROYED" | "BOOTSTRAPPED" | "ERRORED" | "NOOP";

export interface WatchRequest {
  namespace: string;
  type: string;
  id?: string;
  options?: { bootstrap_contents?: boolean; tail_events?: number } | null;
  api_version: number;
}

export interface CosiEvent {
  resource: Resource | null;
  event_type: CosiEventType;
  old: Resource | null;
  error?: string;
  bookmark?: Uint8Array;
}

export interface WatchResponse {
  event: CosiEvent[];
}

/** Recursively optional input: proto3 fills every omitted field with its default. */
export type Input<V> = V extends Uint8Array
  ? Uint8Array
  : V extends (infer E)[]
    ? Input<E>[]
    : V extends object
      ? { [K in keyof V]?: Input<V[K]> | null }
      : V;
