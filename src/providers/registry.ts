// The provider registry: one line per provider. `providerTarget` picks the machines a command works on — the
// spec's provider, or the twin standing in for it (`--twin`).
import type { Finding } from "../findings.js";
import { error } from "../findings.js";
import { hetznerProvider } from "./hetzner/index.js";
import { proxmoxProvider } from "./proxmox/index.js";
import { staticProvider } from "./static/index.js";
import { twinTarget } from "./twin/index.js";
import type {
  ProviderDefinition,
  ProviderEndpointView,
  ProviderSpecView,
  ProviderTarget,
  TargetContext,
} from "./types.js";

const PROVIDERS: readonly ProviderDefinition[] = [proxmoxProvider, hetznerProvider, staticProvider];

function providerDefinition(type: string): ProviderDefinition {
  const p = PROVIDERS.find((x) => x.type === type);
  // The spec's schema admits only registered types, so an unknown one is a bug.
  if (!p) throw new Error(`no provider "${type}" in the registry`);
  return p;
}

/** What a provider decides when the spec does not say: its Talos platform and where VLAN tags go. */
export function providerDefaults(providerType: string): Pick<ProviderDefinition, "platform" | "vlanTagging"> {
  const { platform, vlanTagging } = providerDefinition(providerType);
  return { platform, vlanTagging };
}

/** The endpoint host a provider serves when the spec names none (its load balancer), if any. */
export function providerEndpointHost(spec: ProviderEndpointView): string | undefined {
  return providerDefinition(spec.provider.type).endpointHost?.(spec);
}

export function providerTarget(ctx: TargetContext, options: { simulated: boolean }): ProviderTarget {
  return options.simulated ? twinTarget(ctx) : providerDefinition(ctx.model.spec.provider.type).target(ctx);
}

/** Every provider's checks: the spec's provider checks its section and placements; other placements are refused. */
export function checkProviders(spec: ProviderSpecView): Finding[] {
  const type = spec.provider.type;
  const out: Finding[] = [];
  spec.nodes.forEach((n, i) => {
    for (const p of PROVIDERS) {
      if (p.type !== type && p.placement && n[p.type] !== undefined)
        out.push({
          ...error(
            "provider.wrong-placement",
            ["nodes", i, p.type],
            `node "${n.name}" has a ${p.type}: block but the provider is ${type}`,
            type === "static"
              ? `remove the ${p.type}: block, or give static: { address: … } instead`
              : `remove the ${p.type}: block and describe the node under ${type}:`,
          ),
          atKey: true,
        });
    }
  });
  out.push(...providerDefinition(type).checks(spec));
  return out;
}
