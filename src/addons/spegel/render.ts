// Spegel on Talos (Talos docs "Spegel"): containerd must keep the unpacked layers it would otherwise discard, or a
// node has nothing to serve its peers — a CRI config fragment Talos merges into containerd's configuration, on every
// node (containerd restarts to read it, which Talos does when the file changes). Talos keeps containerd's registry
// host configuration in /etc/cri/conf.d/hosts, where Spegel writes its mirror entries. The DaemonSet mounts host
// paths: the namespace is privileged.
import { namespace } from "../objects.js";
import { emptyOutput, type AddonContext, type AddonOutput } from "../types.js";
import { SPEGEL_CHART } from "./versions.js";

const SPEGEL_NAMESPACE = "spegel";
const SPEGEL_CRI_FRAGMENT = "/var/etc/cri/conf.d/20-spegel.part";

export function renderSpegel(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const s = ctx.spec.addons.spegel!;
  out.objects.push({ layer: "controllers", object: namespace(SPEGEL_NAMESPACE, { privileged: true }) });
  out.releases.push({
    name: "spegel",
    namespace: SPEGEL_NAMESPACE,
    chart: { ...SPEGEL_CHART },
    values: {
      spegel: {
        containerdRegistryConfigPath: "/etc/cri/conf.d/hosts",
        ...(s.registries ? { mirroredRegistries: [...s.registries] } : {}),
      },
    },
    dependsOn: ctx.spec.addons.cni?.type === "cilium" ? ["cilium"] : [],
  });
  out.talosPatches.push({
    roles: ["controlplane", "worker"],
    reason: "Spegel: containerd keeps unpacked image layers so the node can serve them to its peers",
    patch: {
      machine: {
        files: [
          {
            op: "create",
            path: SPEGEL_CRI_FRAGMENT,
            permissions: 0,
            content: '[plugins."io.containerd.cri.v1.images"]\n  discard_unpacked_layers = false\n',
          },
        ],
      },
    },
  });
  return out;
}
