// Cilium, as Talos needs it (siderolabs docs "Deploying Cilium CNI"): IPAM from the node pod CIDRs Talos' controller
// manager allocates, the API server through KubePrism (localhost:7445) so Cilium works before any Service exists,
// Talos' own cgroup2 and bpffs mounts (cgroup.autoMount off, hostRoot /sys/fs/cgroup) and the capability set
// without SYS_MODULE (Talos forbids module loading from pods). One values object feeds both the bootstrap
// `cilium install` and Flux's HelmRelease, so Flux adopts the release without changing it.
import { BOOTSTRAP_FILES, KUBEPRISM } from "../bootstrap.js";
import { toYaml } from "../manifest-yaml.js";
import { CILIUM_POOL_LABEL, excludeFromLoadBalancersPatch } from "../spec-facts.js";
import { emptyOutput, type AddonContext, type AddonOutput, type K8sObject } from "../types.js";
import { ciliumReleaseOf } from "./checks.js";
import { CILIUM_CHART_OCI, CILIUM_CLI_IMAGE, CILIUM_HELM_REPOSITORY, ciliumRelease } from "./versions.js";

const CILIUM_NAMESPACE = "kube-system";

const AGENT_CAPABILITIES = [
  "CHOWN",
  "KILL",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "SYS_ADMIN",
  "SYS_RESOURCE",
  "DAC_OVERRIDE",
  "FOWNER",
  "SETGID",
  "SETUID",
];
const CLEAN_STATE_CAPABILITIES = ["NET_ADMIN", "SYS_ADMIN", "SYS_RESOURCE"];

/** The Helm values cairn gives Cilium, in a fixed key order. */
function ciliumValues(ctx: AddonContext): Record<string, unknown> {
  const spec = ctx.spec;
  const cni = spec.addons.cni!;
  const lb = spec.addons.loadBalancer;
  const kpr = cni.kubeProxyReplacement === true;
  const native = cni.routing === "native";
  const v: Record<string, unknown> = {
    ipam: { mode: "kubernetes" },
    kubeProxyReplacement: kpr,
    k8sServiceHost: KUBEPRISM.host,
    k8sServicePort: KUBEPRISM.port,
    securityContext: {
      capabilities: { ciliumAgent: [...AGENT_CAPABILITIES], cleanCiliumState: [...CLEAN_STATE_CAPABILITIES] },
    },
    cgroup: { autoMount: { enabled: false }, hostRoot: "/sys/fs/cgroup" },
    routingMode: native ? "native" : "tunnel",
  };
  // Dual-stack and IPv6-only pod networks: Cilium runs IPv4 only unless told.
  const subnets = spec.kubernetes.podSubnets;
  const v4 = subnets.find((s) => !s.includes(":"));
  const v6 = subnets.find((s) => s.includes(":"));
  if (!v4) v.ipv4 = { enabled: false };
  if (v6) v.ipv6 = { enabled: true };
  if (native) {
    const routed = cni.nativeRoutingCIDR;
    if (v4) v.ipv4NativeRoutingCIDR = routed && !routed.includes(":") ? routed : v4;
    if (v6) v.ipv6NativeRoutingCIDR = routed && routed.includes(":") ? routed : v6;
    v.autoDirectNodeRoutes = cni.autoDirectNodeRoutes ?? true;
  } else v.tunnelProtocol = cni.tunnelProtocol ?? "vxlan";
  if (cni.masquerade === false) {
    if (v4) v.enableIPv4Masquerade = false;
    if (v6) v.enableIPv6Masquerade = false;
  }
  if (cni.hostLegacyRouting) v.bpf = { hostLegacyRouting: true };
  if (cni.loadBalancerMode === "dsr") v.loadBalancer = { mode: "dsr" };
  if (cni.devices?.length) v.devices = [...cni.devices];
  if (cni.l2Announcements ?? (lb?.type === "cilium" && lb.mode === "l2"))
    v.l2announcements = { enabled: true };
  if (cni.gatewayAPI) v.gatewayAPI = { enabled: true, enableAlpn: true, enableAppProtocol: true };
  if (cni.hubble) v.hubble = { enabled: true, relay: { enabled: true }, ui: { enabled: true } };
  if (cni.encryption === "wireguard") v.encryption = { enabled: true, type: "wireguard" };
  if (cni.mutualAuth)
    v.authentication = {
      mutual: {
        spire: {
          enabled: true,
          // The bundled SPIRE server would otherwise claim a PersistentVolume, which needs a StorageClass.
          install: { enabled: true, server: { dataStorage: { enabled: false } } },
        },
      },
    };
  v.operator = { replicas: cni.operatorReplicas ?? (spec.nodes.length === 1 ? 1 : 2) };
  return v;
}

/** addons.loadBalancer pools as Cilium LB IPAM pools; a range becomes start/stop, an address start, a CIDR cidr. */
function lbPools(ctx: AddonContext, apiVersion: string): K8sObject[] {
  const lb = ctx.spec.addons.loadBalancer;
  if (lb?.type !== "cilium") return [];
  return lb.pools.map((p) => ({
    apiVersion,
    kind: "CiliumLoadBalancerIPPool",
    metadata: { name: p.name },
    spec: {
      blocks: p.addresses.map((a) => {
        const t = a.trim();
        if (t.includes("/")) return { cidr: t };
        const dash = t.indexOf("-");
        return dash < 0 ? { start: t } : { start: t.slice(0, dash).trim(), stop: t.slice(dash + 1).trim() };
      }),
      // A pool that must not hand out addresses on its own serves only Services that carry its label.
      ...(p.autoAssign ? {} : { serviceSelector: { matchLabels: { [CILIUM_POOL_LABEL]: p.name } } }),
    },
  }));
}

/** Go regular expressions, anchored: "eth0" alone would also match eth01 or veth0. */
const anchored = (link: string) => `^${link.replace(/[.+*?^$()[\]{}|\\]/g, "\\$&")}$`;

export function renderCilium(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const cni = ctx.spec.addons.cni!;
  const kpr = cni.kubeProxyReplacement === true;
  out.talosPatches.push({
    roles: ["controlplane", "worker"],
    reason: `addons.cni.type ${cni.type}: Talos installs no CNI of its own`,
    patch: { cluster: { network: { cni: { name: "none" } } } },
  });
  if (kpr)
    out.talosPatches.push({
      roles: ["controlplane"],
      reason: "kube-proxy replacement: Talos runs no kube-proxy",
      patch: { cluster: { proxy: { disabled: true } } },
    });
  if (cni.type !== "cilium") return out;

  const { version } = ciliumReleaseOf(ctx.spec);
  const release = ciliumRelease(version)!;
  const values = ciliumValues(ctx);
  out.releases.push({
    name: "cilium",
    namespace: CILIUM_NAMESPACE,
    chart: { name: "cilium", version, repository: CILIUM_CHART_OCI },
    values,
    dependsOn: [],
  });
  out.bootstrap.push({
    name: "cilium",
    order: 20,
    image: CILIUM_CLI_IMAGE,
    // No --wait: a retried pod must not meet a half-installed release it cannot install again.
    command: [
      "cilium",
      "install",
      "--version",
      version,
      "--repository",
      CILIUM_HELM_REPOSITORY,
      "--namespace",
      CILIUM_NAMESPACE,
      "--datapath-mode",
      cni.routing === "native" ? "native" : "tunnel",
      "--values",
      `${BOOTSTRAP_FILES}/cilium-values.yaml`,
    ],
    files: { "cilium-values.yaml": toYaml(values) },
  });

  for (const pool of lbPools(ctx, release.lbPoolApiVersion))
    out.objects.push({ layer: "configs", object: pool });
  const lb = ctx.spec.addons.loadBalancer;
  if (lb?.type === "cilium" && lb.mode === "l2") {
    out.objects.push({
      layer: "configs",
      object: {
        apiVersion: "cilium.io/v2alpha1",
        kind: "CiliumL2AnnouncementPolicy",
        metadata: { name: "l2-announcements" },
        spec: {
          loadBalancerIPs: true,
          ...(lb.interfaces.length ? { interfaces: lb.interfaces.map(anchored) } : {}),
        },
      },
    });
    const patch = excludeFromLoadBalancersPatch(ctx.spec);
    if (patch) out.talosPatches.push(patch);
  }
  if (cni.mutualAuth)
    out.notes.push(
      "Cilium mutual authentication: the SPIRE server keeps its data in memory (no PersistentVolume)",
    );
  if (cni.encryption === "wireguard") out.notes.push("WireGuard: allow UDP 51871 between all nodes");
  return out;
}
