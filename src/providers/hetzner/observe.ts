// A read-only look at a Hetzner Cloud project for one cairn cluster: the live catalogue (server types, locations,
// which types each location offers), the Talos snapshots, and every server, network, firewall, placement group, load
// balancer and floating IP — cairn's own carry the label cairn.dev/cluster=<name>; the others are listed only so
// plans can refuse a name clash and destroy can say what it left alone. Nothing is created or changed.
import type {
  Firewall,
  FloatingIp,
  HetznerClient,
  Image,
  LoadBalancer,
  Location,
  Network,
  PlacementGroup,
  Server,
  ServerType,
} from "./client.js";
import { CLUSTER_LABEL } from "./labels.js";

export interface HetznerObservation {
  serverTypes: ServerType[];
  locations: Location[];
  /** Snapshots labelled os=talos (the image recipe's). */
  snapshots: Image[];
  servers: Server[];
  networks: Network[];
  firewalls: Firewall[];
  placementGroups: PlacementGroup[];
  loadBalancers: LoadBalancer[];
  floatingIps: FloatingIp[];
  /** The operator's CIDRs for the firewall: given, or the public address detected now. */
  operator: { cidrs: string[]; detected?: { ip: string; via: string } } | { error: string; via: string };
}

export const ownedBy = (cluster: string, x: { labels?: Record<string, string> | null }): boolean =>
  x.labels?.[CLUSTER_LABEL] === cluster;

export const DEFAULT_PUBLIC_IP_URL = "https://api.ipify.org";

/** The address this machine reaches the internet from, as an echo service sees it (one GET, 5 s). */
async function detectPublicAddress(
  url: string,
  fetchFn: typeof fetch = fetch,
): Promise<{ ip: string } | { error: string }> {
  try {
    const res = await fetchFn(url, { signal: AbortSignal.timeout(5000) });
    const text = (await res.text()).trim();
    if (!res.ok) return { error: `${url} answered ${res.status}` };
    if (!/^[0-9a-fA-F.:]+$/.test(text) || text.length > 45)
      return { error: `${url} did not answer with an address` };
    return { ip: text };
  } catch (e) {
    return { error: `${url}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export async function observeHetzner(
  hc: HetznerClient,
  input: { given: string[]; publicIpUrl: string; fetch?: typeof fetch },
): Promise<HetznerObservation> {
  const [
    serverTypes,
    locations,
    snapshots,
    servers,
    networks,
    firewalls,
    placementGroups,
    loadBalancers,
    floatingIps,
  ] = await Promise.all([
    hc.serverTypes(),
    hc.locations(),
    hc.images({ type: "snapshot", label_selector: "os=talos" }),
    hc.servers(),
    hc.networks(),
    hc.firewalls(),
    hc.placementGroups(),
    hc.loadBalancers(),
    hc.floatingIps(),
  ]);
  let operator: HetznerObservation["operator"];
  if (input.given.length) operator = { cidrs: input.given };
  else {
    const d = await detectPublicAddress(input.publicIpUrl, input.fetch);
    operator =
      "ip" in d
        ? {
            cidrs: [`${d.ip}/${d.ip.includes(":") ? 128 : 32}`],
            detected: { ip: d.ip, via: input.publicIpUrl },
          }
        : { error: d.error, via: input.publicIpUrl };
  }
  return {
    serverTypes,
    locations,
    snapshots,
    servers,
    networks,
    firewalls,
    placementGroups,
    loadBalancers,
    floatingIps,
    operator,
  };
}
