// `cairn init`: a commented starter cairn.yaml. Pure: options in, text out. The text is written by hand rather
// than through a YAML encoder because the comments are the point — they teach the fields — and because it
// must validate as written for every provider and node count (test/init.test.ts loads every combination).
import { DEFAULT_TALOS_VERSION, talosMinor } from "../talos/versions.js";
import { DNS1123_LABEL } from "../fields.js";

export const INIT_PROVIDERS = ["static", "proxmox", "hetzner"] as const;
type InitProvider = (typeof INIT_PROVIDERS)[number];

export interface InitOptions {
  provider: InitProvider;
  controlplanes: number;
  workers: number;
  name: string;
  talosVersion: string;
}

export const INIT_DEFAULTS: InitOptions = {
  provider: "static",
  controlplanes: 3,
  workers: 0,
  name: "homelab",
  talosVersion: DEFAULT_TALOS_VERSION,
};

/** Upper bound per role: the static maintenance addresses (.101–.149, .151–.199) are laid out for this many. */
const INIT_MAX_NODES = 49;

/** Problems with the options, as messages for the user; empty when they are usable. */
export function checkInitOptions(o: InitOptions): string[] {
  const problems: string[] = [];
  if (!(INIT_PROVIDERS as readonly string[]).includes(o.provider))
    problems.push(`--provider must be one of ${INIT_PROVIDERS.join(", ")}, not "${o.provider}"`);
  if (!Number.isInteger(o.controlplanes) || o.controlplanes < 1 || o.controlplanes > INIT_MAX_NODES)
    problems.push(`--controlplanes must be a whole number from 1 to ${INIT_MAX_NODES}`);
  if (!Number.isInteger(o.workers) || o.workers < 0 || o.workers > INIT_MAX_NODES)
    problems.push(`--workers must be a whole number from 0 to ${INIT_MAX_NODES}`);
  // Node names are "<name>-cp-NN": keep room for the suffix inside a 63-character label.
  if (!DNS1123_LABEL.test(o.name) || o.name.length > 56)
    problems.push(
      `--name must be a DNS-1123 label (lowercase letters, digits, '-'; at most 56 characters here), not "${o.name}"`,
    );
  if (!talosMinor(o.talosVersion) || !/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(o.talosVersion))
    problems.push(
      `--talos-version "${o.talosVersion}" is not a Talos release cairn supports (v1.9.x – v1.13.x)`,
    );
  return problems;
}

/** The starter spec. Call checkInitOptions first; this assumes the options are sound. */
export function renderInitSpec(o: InitOptions): string {
  const minor = talosMinor(o.talosVersion);
  const k8s = minor?.defaultKubernetes ?? "1.34.1";
  const ha = o.controlplanes > 1;
  const out: string[] = [];
  const line = (s = "") => out.push(s);

  line("# yaml-language-server: $schema=./node_modules/cairn/schema/cairn.schema.json");
  line(
    `# Starter spec from: cairn init --provider ${o.provider} --controlplanes ${o.controlplanes} --workers ${o.workers}`,
  );
  line("# Edit the addresses to match your network, then: cairn validate cairn.yaml --show-plan");
  line("# Every field is described in the JSON Schema above (editors complete and check it).");
  line("apiVersion: cairn.dev/v1alpha1");
  line("kind: Cluster");
  line(`name: ${o.name} # also the talosconfig context and the kubeconfig cluster name`);
  line();
  line("talos:");
  line(`  version: ${o.talosVersion} # picks the machine-config contract; cairn supports 1.9 – 1.13`);
  line(
    "  # Image Factory schematic shared by every node; a node's own `schematic` replaces the fields it sets.",
  );
  line("  schematic:");
  if (o.provider === "proxmox")
    line("    extensions: [siderolabs/qemu-guest-agent] # lets Proxmox see the VM's addresses");
  else line("    extensions: [] # e.g. siderolabs/iscsi-tools, siderolabs/intel-ucode");
  line(
    `  installDisk: ${o.provider === "static" ? "/dev/sda" : o.provider === "proxmox" ? "/dev/vda" : "/dev/sda"}`,
  );
  line();
  line("kubernetes:");
  line(`  # version: ${k8s} # default: the Talos release's own; must sit inside its supported window`);
  line("  podSubnets: [10.244.0.0/16]");
  line("  serviceSubnets: [10.96.0.0/12]");
  if (o.workers === 0) {
    line("  # No workers: let ordinary pods run on the control planes.");
    line("  allowSchedulingOnControlPlanes: true");
  } else {
    line("  allowSchedulingOnControlPlanes: false # workloads go to the workers");
  }
  line();

  if (o.provider === "hetzner") renderHetznerNetwork(o, line);
  else renderLanNetwork(o, ha, line);

  line();
  line("provider:");
  if (o.provider === "proxmox") {
    line("  type: proxmox");
    line("  endpoint: https://pve.example.lan:8006 # any node of the Proxmox cluster");
    line("  # The API token is read from these environment variables, never from this file.");
    line("  tokenIdEnv: PROXMOX_TOKEN_ID # user@realm!tokenname");
    line("  tokenSecretEnv: PROXMOX_TOKEN_SECRET");
    line("  storage: local-lvm # VM disks");
    line("  isoStorage: local # the Talos ISO");
    line("  bridge: vmbr0");
  } else if (o.provider === "hetzner") {
    line("  type: hetzner");
    line("  tokenEnv: HCLOUD_TOKEN # the API token is read from this environment variable");
    line("  location: nbg1 # fsn1, nbg1, hel1 (eu-central), ash, hil, sin");
    line("  networkZone: eu-central");
    line("  firewall:");
    line("    # Replace with your own public address: only it may reach the Talos and Kubernetes APIs.");
    line("    talosApiFrom: [203.0.113.10/32]");
    line("    kubernetesApiFrom: [203.0.113.10/32]");
  } else {
    line(
      "  # Machines you booted from the Talos ISO: in maintenance mode they wait on port 50000 for a config.",
    );
    line("  type: static");
  }
  line();
  line("nodes:");
  for (let i = 1; i <= o.controlplanes; i++) renderNode(o, "controlplane", i, line);
  for (let i = 1; i <= o.workers; i++) renderNode(o, "worker", i, line);
  line();
  line("addons:");
  line("  cni:");
  line("    type: cilium # or flannel (Talos' default), or none to bring your own");
  line("    kubeProxyReplacement: true");
  if (o.provider === "hetzner") {
    line("  storage:");
    line("    type: hcloud-csi # Hetzner Cloud volumes");
  } else {
    line("  loadBalancer:");
    line("    type: metallb # answers ARP for LoadBalancer services on the management network");
    line("    mode: l2");
    line("    pools:");
    line("      - name: default");
    line("        addresses: [192.168.10.240-192.168.10.250] # `address: auto` never picks from a pool");
  }
  line("# tenants:");
  line("#   - name: team-a # a namespace with a quota, default-deny isolation and OIDC groups");
  line('#     quota: { requests.memory: 4Gi, pods: "20" }');
  return out.join("\n") + "\n";
}

type Line = (s?: string) => void;

function renderLanNetwork(o: InitOptions, ha: boolean, line: Line): void {
  if (ha) {
    line("controlPlane:");
    line("  # A shared address Talos moves between the control planes; the API endpoint defaults to it.");
    line("  vip:");
    line("    address: 192.168.10.10");
    line("  extraSANs: [] # more names for the API certificate, e.g. k8s.example.lan");
  } else {
    line("controlPlane:");
    line("  # One control plane: the endpoint defaults to https://<its address>:6443.");
    line("  extraSANs: [] # more names for the API certificate, e.g. k8s.example.lan");
  }
  line();
  line("networks:");
  line("  mgmt:");
  line("    cidr: 192.168.10.0/24");
  line("    gateway: 192.168.10.1");
  line("    # vlan: 10 # 802.1Q VLAN of this network");
  line(
    o.provider === "static"
      ? "    # tagging: node # who tags it: node (Talos, eth0.10 on a trunk; the default here) or hypervisor (the switch port)"
      : "    # tagging: hypervisor # who tags it: hypervisor (the VM NIC or the cloud; the default here) or node (Talos, eth0.10)",
  );
  line("    # mtu: 1500");
  line("    carries: [management, loadBalancers]");
  line("    # Addresses `address: auto` must leave alone: other hosts, and the DHCP range");
  if (o.provider === "static") {
    line("    # (the machines sit on DHCP addresses in maintenance mode, before cairn configures them).");
    line("    reserved: [192.168.10.2-192.168.10.9, 192.168.10.100-192.168.10.199]");
  } else {
    line("    # (Proxmox VMs boot with their final address, so no DHCP range is needed for them).");
    line("    reserved: [192.168.10.2-192.168.10.9]");
  }
  line();
  line("nameservers: [192.168.10.1]");
  line("ntp: [time.cloudflare.com]");
}

function renderHetznerNetwork(o: InitOptions, line: Line): void {
  line("controlPlane:");
  line(
    o.controlplanes > 1
      ? "  # Hetzner has no Layer 2 VIP. The endpoint defaults to the first control plane; for HA put a Hetzner"
      : "  # The endpoint defaults to https://<the control plane's address>:6443; for HA put a Hetzner",
  );
  line("  # load balancer (provider.loadBalancer) or a DNS name in front and set `endpoint`.");
  line("  extraSANs: []");
  line();
  line("networks:");
  line("  # The Hetzner private network. The public interface is DHCP and handled by the provider.");
  line("  private:");
  line("    cidr: 10.0.0.0/16");
  line("    reserved: [10.0.0.1] # Hetzner's gateway: the first address of the network");
  line("    carries: [management]");
}

function renderNode(o: InitOptions, role: "controlplane" | "worker", i: number, line: Line): void {
  const nn = String(i).padStart(2, "0");
  const name = `${o.name}-${role === "controlplane" ? "cp" : "worker"}-${nn}`;
  line(`  - name: ${name}`);
  line(`    role: ${role}`);
  if (o.provider === "proxmox") {
    const vmid = (role === "controlplane" ? 200 : 300) + i;
    const size =
      role === "controlplane" ? "cores: 2, memory: 4096, disk: 32" : "cores: 4, memory: 8192, disk: 64";
    line(`    proxmox: { host: pve1, vmid: ${vmid}, ${size} } # host: the PVE node it runs on`);
  } else if (o.provider === "hetzner") {
    line(
      role === "controlplane"
        ? `    hetzner: { serverType: cpx22, placementGroup: ${o.name}-cp } # spread over physical hosts`
        : "    hetzner: { serverType: cpx32 }",
    );
  } else {
    // Maintenance-mode addresses come from the DHCP range reserved above.
    const dhcp = (role === "controlplane" ? 100 : 150) + i;
    line(`    static: { address: 192.168.10.${dhcp} } # where it answers in maintenance mode`);
  }
  const net = o.provider === "hetzner" ? "private" : "mgmt";
  const link = o.provider === "hetzner" ? "eth1" : "eth0";
  line("    interfaces:");
  line(
    i === 1 && role === "controlplane"
      ? `      - { network: ${net}, name: ${link}, address: auto } # or a fixed address; mac: selects the link by MAC`
      : `      - { network: ${net}, name: ${link}, address: auto }`,
  );
}
