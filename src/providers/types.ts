// The provider contract: where a cluster's machines come from. One folder per provider under src/providers/<type>/
// with the same files (schema, checks, platform facts, target: observe/plan/handlers), registered in registry.ts.
// Providers sit below the cluster spec: they declare what they read of it here (the Model satisfies these shapes)
// and never import src/clusterspec, src/render, src/ops or src/cli.
import type { z } from "zod";
import type { Action, ActionHandler } from "../engine/types.js";
import type { Finding } from "../findings.js";
import type { TaggedAttachment, VlanTagging } from "./tagging.js";

/** What a provider's checks read of cairn.yaml. */
export interface ProviderSpecView {
  provider: { type: string };
  networks?: Readonly<Record<string, { cidr: string; carries: readonly string[] }>>;
  nodes: readonly ({ name: string; role: "controlplane" | "worker" } & Record<string, unknown>)[];
}

/** What a provider reads of the spec to name a default endpoint. */
export interface ProviderEndpointView {
  provider: { type: string };
  networks: Readonly<Record<string, { cidr: string; carries: readonly string[] }>>;
}

/** What a provider reads of the resolved model. */
interface ProviderModel {
  name: string;
  talosVersion: string;
  spec: {
    provider: { type: string };
    /** The spec's named networks (a provider makes the private network from the management one). */
    networks?: Readonly<Record<string, { cidr: string; carries: readonly string[] }>>;
    nameservers?: readonly string[];
  };
  /** The Kubernetes API endpoint the machine configs name (a provider may have to serve it: a load balancer). */
  endpoint?: { url: string; host: string; port: number };
  /** The boot image: Image Factory platform, disk format, and whether each node's addresses are baked in (META). */
  image?: { platform: string; format: string; networkMeta: boolean };
  nodes: readonly ProviderNode[];
}

export interface ProviderNode {
  name: string;
  role: "controlplane" | "worker";
  /** The node's planned management address (cairn's dial address once it runs), when it has one. */
  address: string | undefined;
  /** The node's attachments in spec order: one NIC each on a hypervisor. */
  interfaces?: readonly ProviderInterface[];
  /** The node's spec entry; a provider reads its own placement block (`static:`, `proxmox:`, …) from it. */
  spec: object;
}

/** One attachment of a node to a network, as a provider needs it (the model's interface has these fields). */
export interface ProviderInterface extends TaggedAttachment {
  network: string;
  address: string | undefined;
  prefix: number;
  cidr: string;
  gateway: string | undefined;
  mtu: number | undefined;
  dhcp: boolean;
  link: { name?: string };
}

/** The boot image a node's machine is made from (Image Factory), as the renderer derives it from the spec. */
export interface NodeBootImage {
  /** Image Factory schematic id (64 hex). */
  schematicId: string;
  talosVersion: string;
  /** nocloud, metal, hcloud. */
  platform: string;
  /** The disk image format the spec asks for (qcow2, raw, raw.xz, iso, …). */
  format: string;
  secureBoot: boolean;
  /** Official extensions in the schematic (a provider enables the guest agent when it is there). */
  extensions: readonly string[];
}

/** A provider's record in cairn's state file (one section per provider, owned by it). */
interface ProviderStateStore {
  get(): unknown;
  set(value: unknown): void;
}

/** What every provider knows about the machines it made, for planning (read-only; observe starts nothing). */
export interface ProviderObservation {
  /** One line for `cairn plan` / `status` ("twin running on 127.0.42.0/24 (SIMULATED)", "3 VMs found"). */
  summary: string;
  /**
   * The machines' previous life is gone (a twin that was stopped or restarted): cairn's record of the nodes
   * describes machines that no longer exist, so plans start from a fresh cluster.
   */
  fresh: boolean;
  /** Set when there are no machines to talk to at all (no twin running): why, in one sentence, and what to do. */
  absent?: string;
  /** Provider-specific facts its planner reads. */
  details?: unknown;
}

export interface ProviderPlanInput {
  observed: ProviderObservation;
  /** Nodes of the spec with no machine yet (in spec order). */
  joining: readonly ProviderNode[];
  /** Nodes cairn manages that left the spec, with the role they had. */
  leaving: readonly { name: string; role: "controlplane" | "worker" }[];
}

export interface ProviderPlan {
  /** Cluster-wide actions first (start the twin, create networks, a load balancer, update drifted machines). */
  before: Action[];
  /** Per joining node: the action that makes its machine answer in maintenance mode (absent: nothing to do). */
  provision: Record<string, Action>;
  /** Per leaving node: the action (kind `deprovision`) that deletes its machine after the reset. */
  deprovision: Record<string, Action>;
  /**
   * Per node: an action that runs once the node runs its config (after its wait for secure mode, when the plan has
   * one), e.g. removing the first-boot seed that holds its machine config.
   */
  settle?: Record<string, Action>;
  /** Engine concurrency the provider's actions want (creates in parallel); the operation takes the larger. */
  concurrency?: number;
  blockers: string[];
  warnings: string[];
}

/** One difference between what a provider observed and what the spec asks for (`cairn diff`). */
export interface ProviderDrift {
  /** The machine's node, or the cluster-wide resource ("network oxide", "load balancer oxide-api"). */
  subject: string;
  /** In the provider's terms: "cores: running 2, spec 4". */
  changes: string[];
}

/** What `cairn destroy` would delete at the provider, and what it leaves alone. */
export interface ProviderDestroyPlan {
  actions: Action[];
  /** Resources cairn found but does not own (similar names, other clusters), described, never touched. */
  leftAlone: string[];
  /** Things cairn owns but does not delete, and why ("Talos snapshot 123: shared by every cluster"). */
  kept: string[];
  blockers: string[];
}

/**
 * A provider bound to one cluster: how to reach its nodes, what exists, the provider's part of a plan and the
 * handlers that carry it out. Built once per command from the model and the cluster's state.
 */
export interface ProviderTarget {
  readonly type: string;
  /** The machines are simulated (the twin): every user-facing line says so. */
  readonly simulated: boolean;
  /** "the twin (SIMULATED)", "static machines", … for messages. */
  readonly label: string;
  /** Secure Talos API address of a node, when known (a twin slot is assigned when the node is provisioned). */
  address(node: string): string | undefined;
  /** Where the node answers in maintenance mode, when known. */
  maintenanceAddress(node: string): string | undefined;
  /** A read-only look at the machines: starts nothing, writes nothing. */
  observe(): Promise<ProviderObservation>;
  /** Pure: the provider's actions for the nodes that join and leave. */
  plan(input: ProviderPlanInput): ProviderPlan;
  /** Handlers for the action kinds its plans use. */
  handlers(): Record<string, ActionHandler>;
  /**
   * Under the operation's lock, after the user confirmed and before the run: bring cairn's record in line with
   * what was observed (the twin forgets a rehearsal whose machines are gone). Returns notices for the user.
   */
  prepare(observed: ProviderObservation): Promise<string[]>;
  /** The machines' own drift from the spec (VM config, firewall rules), normalised: real differences only. */
  drift?(observed: ProviderObservation): ProviderDrift[];
  /** `cairn destroy`: delete everything the provider made for the cluster (handlers() carries them out). */
  destroy?(observed: ProviderObservation): ProviderDestroyPlan;
  /** Releases connections (API clients) so the process can exit. */
  close?(): void | Promise<void>;
}

/** What a target is built from. */
export interface TargetContext {
  model: ProviderModel;
  /** The provider's own section of the state file. */
  state: ProviderStateStore;
  /** Names of nodes cairn's state knows (joined earlier), with their last dial address. */
  known: () => Readonly<Record<string, { address?: string; role: "controlplane" | "worker" }>>;
  /** The cluster's directory (`.cairn/<cluster>`); the twin keeps its daemon state under it. */
  dir: string;
  /** Options of a simulated target (the twin): subnet, reboot time. */
  twin?: { subnet?: string; rebootMs?: number; talosVersion?: string };
  /**
   * The machine config the spec gives a node (secret: it may go into a first-boot seed — user_data, a cidata
   * volume — but never into plans, journals or messages). Absent when the command did not synthesise configs.
   */
  config?: (node: string) => { text: string; hash: string } | undefined;
  /** The Image Factory image a node boots, as the renderer derives it (schematic, platform, format). */
  bootImage?: (node: string) => NodeBootImage | undefined;
  /** Where API tokens and endpoint overrides are read (process.env unless a test injects one). */
  env?: NodeJS.ProcessEnv;
  /** The directory of cairn.yaml: relative paths in the provider's section (a CA file) are resolved from it. */
  specDir?: string;
}

/** A provider type as the registry holds it. */
export interface ProviderDefinition {
  /** `provider.type` in cairn.yaml ("static", "proxmox", "hetzner"). */
  readonly type: string;
  /** The zod schema of `provider:` for this type: one option of the discriminated union. */
  readonly section: z.ZodObject;
  /** The zod schema of a node's placement block `nodes[].<type>`, when the provider has one. */
  readonly placement?: z.ZodType;
  /** Talos platform of its installer and boot images (Image Factory) unless the spec says otherwise. */
  readonly platform: "metal" | "nocloud" | "hcloud";
  /** Where VLAN tags go unless the spec says otherwise: the hypervisor's NIC, or Talos on the node. */
  readonly vlanTagging: VlanTagging;
  /** Provider-specific checks of the spec (endpoint formats, unique VM ids, known locations). */
  checks(spec: ProviderSpecView): Finding[];
  /**
   * The Kubernetes endpoint's host when the spec names neither an endpoint nor a VIP, if the provider serves one
   * (Hetzner: its load balancer's fixed private address); otherwise the first control plane is the endpoint.
   */
  endpointHost?(spec: ProviderEndpointView): string | undefined;
  /** The real machines of a cluster on this provider. */
  target(ctx: TargetContext): ProviderTarget;
}
