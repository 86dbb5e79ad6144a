// MetalLB in L2 mode: the controller and speakers from the chart, one IPAddressPool per spec pool and one
// L2Advertisement for all of them (on the listed links only, when given). On Talos the speakers need a privileged
// namespace (Talos enforces the baseline Pod Security level) and, on clusters of control planes only, nodes without
// Talos' exclude-from-external-load-balancers label (spec-facts.ts).
import { namespace } from "../objects.js";
import { excludeFromLoadBalancersPatch } from "../spec-facts.js";
import { emptyOutput, type AddonContext, type AddonOutput } from "../types.js";
import { METALLB_CHART } from "./versions.js";

const METALLB_NAMESPACE = "metallb-system";

export function renderMetallb(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const lb = ctx.spec.addons.loadBalancer!;
  out.objects.push({ layer: "controllers", object: namespace(METALLB_NAMESPACE, { privileged: true }) });
  out.releases.push({
    name: "metallb",
    namespace: METALLB_NAMESPACE,
    chart: { ...METALLB_CHART },
    values: {},
    dependsOn: ctx.spec.addons.cni?.type === "cilium" ? ["cilium"] : [],
  });
  for (const p of lb.pools)
    out.objects.push({
      layer: "configs",
      object: {
        apiVersion: "metallb.io/v1beta1",
        kind: "IPAddressPool",
        metadata: { name: p.name, namespace: METALLB_NAMESPACE },
        spec: { addresses: [...p.addresses], ...(p.autoAssign ? {} : { autoAssign: false }) },
      },
    });
  if (lb.pools.length)
    out.objects.push({
      layer: "configs",
      object: {
        apiVersion: "metallb.io/v1beta1",
        kind: "L2Advertisement",
        metadata: { name: "l2-advertisement", namespace: METALLB_NAMESPACE },
        spec: {
          ipAddressPools: lb.pools.map((p) => p.name),
          ...(lb.interfaces.length ? { interfaces: [...lb.interfaces] } : {}),
        },
      },
    });
  const patch = excludeFromLoadBalancersPatch(ctx.spec);
  if (patch) out.talosPatches.push(patch);
  return out;
}
