// The Hetzner actions, carried out through the API and safe to run again: every resource is found by its unique
// name and cairn's label before anything is made, "already exists" (uniqueness_error) means another run made it and
// it is used, and a server goes through its steps — created stopped, attached at its planned private address,
// powered on — only as far as it has not got yet. So an apply killed anywhere, run again, never makes a duplicate.
import type { ActionContext, ActionHandler } from "../../engine/types.js";
import { CairnError } from "../../errors.js";
import type { Action as HAction, HetznerClient, Server } from "./client.js";
import { HetznerApiError } from "./errors.js";
import { CLUSTER_LABEL, ownedLabels } from "./labels.js";
import { LB_PORTS, lbService } from "./resources.js";
import { encodeUserData } from "./userdata.js";

export interface HetznerHandlerContext {
  client(): HetznerClient;
  /** The node's machine config now (secret), with its hash. */
  config(node: string): { text: string; hash: string } | undefined;
  /** Records a server cairn made (its id and addresses), or forgets it. */
  record(node: string, server: { id: number; ipv4?: string; ip?: string } | undefined): void;
}

const str = (v: unknown): string => String(v);
const isCode = (e: unknown, ...codes: string[]): boolean =>
  e instanceof HetznerApiError && codes.includes(e.apiCode);
const actionsOf = (answer: unknown): HAction[] => {
  const a = answer as { action?: HAction | null; actions?: HAction[]; next_actions?: HAction[] };
  return [...(a.action ? [a.action] : []), ...(a.actions ?? []), ...(a.next_actions ?? [])];
};

function mustOwn(
  cluster: string,
  what: string,
  x: { name: string; id: number; labels: Record<string, string> },
): void {
  if (x.labels?.[CLUSTER_LABEL] !== cluster)
    throw new CairnError(
      "apply",
      `${what} ${x.name} (${x.id}) exists but is not cairn's (no label ${CLUSTER_LABEL}=${cluster}): not touching it`,
      {
        hint: "rename or delete it yourself, then run `cairn apply` again",
      },
    );
}

async function network(hc: HetznerClient, name: string): Promise<{ id: number } | undefined> {
  return (await hc.networks({ name }))[0];
}

async function serverByName(hc: HetznerClient, name: string): Promise<Server | undefined> {
  return (await hc.servers({ name }))[0];
}

async function deleteServer(hc: HetznerClient, id: number, ctx: ActionContext): Promise<void> {
  try {
    ctx.journal.note("delete", id);
    await hc.waitAction(await hc.deleteServer(id));
    ctx.progress(`server ${id} deleted`);
  } catch (e) {
    if (!isCode(e, "not_found")) throw e;
    ctx.progress(`server ${id} is gone already`);
  }
}

export function hetznerHandlers(h: HetznerHandlerContext): Record<string, ActionHandler> {
  const ensureNetwork: ActionHandler = async (action, ctx) => {
    const hc = h.client();
    const p = action.params;
    const subnet = { type: "cloud" as const, network_zone: str(p.zone), ip_range: str(p.subnet) };
    let net = (await hc.networks({ name: str(p.name) }))[0];
    if (!net) {
      ctx.journal.note("create", p.name);
      try {
        net = await hc.createNetwork({
          name: str(p.name),
          ip_range: str(p.ipRange),
          subnets: [subnet],
          labels: ownedLabels(str(p.cluster)),
        });
        ctx.progress(`network ${net.name} (${net.id}) created`);
        return;
      } catch (e) {
        if (!isCode(e, "uniqueness_error")) throw e;
        net = (await hc.networks({ name: str(p.name) }))[0]!;
      }
    }
    mustOwn(str(p.cluster), "network", net);
    if (!net.subnets.some((s) => s.ip_range === subnet.ip_range)) {
      await hc.waitAction((await hc.networkAction(net.id, "add_subnet", subnet)).action);
      ctx.progress(`subnet ${subnet.ip_range} added to network ${net.name}`);
    }
  };

  const ensureFirewall: ActionHandler = async (action, ctx) => {
    const hc = h.client();
    const p = action.params;
    const cluster = str(p.cluster);
    const selector = `${CLUSTER_LABEL}=${cluster}`;
    const rules = p.rules as Parameters<HetznerClient["createFirewall"]>[0]["rules"];
    let fw = (await hc.firewalls({ name: str(p.name) }))[0];
    if (!fw) {
      ctx.journal.note("create", p.name);
      try {
        const r = await hc.createFirewall({
          name: str(p.name),
          labels: ownedLabels(cluster),
          ...(rules ? { rules } : {}),
          apply_to: [{ type: "label_selector", label_selector: { selector } }],
        });
        await hc.waitActions(r.actions);
        ctx.progress(`firewall ${r.firewall.name} (${r.firewall.id}) created, applied to ${selector}`);
        return;
      } catch (e) {
        if (!isCode(e, "uniqueness_error")) throw e;
        fw = (await hc.firewalls({ name: str(p.name) }))[0]!;
      }
    }
    mustOwn(cluster, "firewall", fw);
    await hc.waitActions((await hc.firewallAction(fw.id, "set_rules", { rules })).actions);
    const applied = (fw.applied_to as { type?: string; label_selector?: { selector?: string } }[]).some(
      (t) => t.type === "label_selector" && t.label_selector?.selector === selector,
    );
    if (!applied)
      await hc.waitActions(
        (
          await hc.firewallAction(fw.id, "apply_to_resources", {
            apply_to: [{ type: "label_selector", label_selector: { selector } }],
          })
        ).actions,
      );
    ctx.progress(`firewall ${fw.name} rules set`);
  };

  const ensurePlacementGroup: ActionHandler = async (action, ctx) => {
    const hc = h.client();
    const p = action.params;
    const existing = (await hc.placementGroups({ name: str(p.name) }))[0];
    if (existing) {
      mustOwn(str(p.cluster), "placement group", existing);
      return;
    }
    try {
      const g = await hc.createPlacementGroup({
        name: str(p.name),
        type: "spread",
        labels: ownedLabels(str(p.cluster)),
      });
      ctx.progress(`placement group ${g.name} (${g.id}) created`);
    } catch (e) {
      if (!isCode(e, "uniqueness_error")) throw e;
    }
  };

  const ensureLoadBalancer: ActionHandler = async (action, ctx) => {
    const hc = h.client();
    const p = action.params;
    const cluster = str(p.cluster);
    const net = await network(hc, str(p.network));
    if (!net)
      throw new CairnError("apply", `network ${str(p.network)} is missing`, {
        hint: "run `cairn apply` again",
      });
    let lb = (await hc.loadBalancers({ name: str(p.name) }))[0];
    if (!lb) {
      ctx.journal.note("create", p.name);
      try {
        const r = await hc.createLoadBalancer({
          name: str(p.name),
          load_balancer_type: str(p.type),
          location: str(p.location),
          algorithm: { type: "round_robin" },
          labels: ownedLabels(cluster),
          services: LB_PORTS.map(lbService),
        });
        await hc.waitAction(r.action);
        ctx.progress(`load balancer ${r.load_balancer.name} (${r.load_balancer.id}) created`);
      } catch (e) {
        if (!isCode(e, "uniqueness_error")) throw e;
      }
      lb = (await hc.loadBalancers({ name: str(p.name) }))[0]!;
    }
    mustOwn(cluster, "load balancer", lb);
    if (!lb.private_net.some((x) => x.network === net.id)) {
      ctx.journal.note("attach", p.ip);
      await hc.waitAction(
        (await hc.loadBalancerAction(lb.id, "attach_to_network", { network: net.id, ip: str(p.ip) })).action,
      );
      ctx.progress(`load balancer attached to ${str(p.network)} at ${str(p.ip)}`);
    }
    const services = lb.services as { listen_port?: number }[];
    for (const port of LB_PORTS)
      if (!services.some((s) => s.listen_port === port))
        await hc.waitAction((await hc.loadBalancerAction(lb.id, "add_service", lbService(port))).action);
    const targets = lb.targets as { type?: string; label_selector?: { selector?: string } }[];
    if (!targets.some((t) => t.type === "label_selector" && t.label_selector?.selector === str(p.selector)))
      await hc.waitAction(
        (
          await hc.loadBalancerAction(lb.id, "add_target", {
            type: "label_selector",
            label_selector: { selector: str(p.selector) },
            use_private_ip: true,
          })
        ).action,
      );
    const now = (await hc.loadBalancers({ name: str(p.name) }))[0];
    ctx.progress(
      `load balancer ${str(p.name)}: ${now?.public_net.ipv4.ip ?? "no public IPv4"} and ${str(p.ip)}, TCP ${LB_PORTS.join(", ")} to ${str(p.selector)}`,
    );
  };

  const assignFloatingIp = async (
    hc: HetznerClient,
    name: string,
    serverId: number,
    ctx: ActionContext,
  ): Promise<void> => {
    const fip = (await hc.floatingIps({ name }))[0];
    if (!fip || fip.server === serverId) return;
    await hc.waitAction((await hc.floatingIpAction(fip.id, "assign", { server: serverId })).action);
    ctx.progress(`floating IP ${fip.ip} assigned to server ${serverId}`);
  };

  const ensureFloatingIp: ActionHandler = async (action, ctx) => {
    const hc = h.client();
    const p = action.params;
    let fip = (await hc.floatingIps({ name: str(p.name) }))[0];
    if (!fip) {
      try {
        const r = await hc.createFloatingIp({
          type: "ipv4",
          name: str(p.name),
          home_location: str(p.location),
          description: `cairn: ${str(p.cluster)} API`,
          labels: ownedLabels(str(p.cluster)),
        });
        if (r.action) await hc.waitAction(r.action);
        fip = r.floating_ip;
        ctx.progress(`floating IP ${fip.ip} reserved`);
      } catch (e) {
        if (!isCode(e, "uniqueness_error")) throw e;
        fip = (await hc.floatingIps({ name: str(p.name) }))[0]!;
      }
    }
    mustOwn(str(p.cluster), "floating IP", fip);
    if (p.server) {
      const s = await serverByName(hc, str(p.server));
      if (s) await assignFloatingIp(hc, str(p.name), s.id, ctx);
    }
  };

  const provision: ActionHandler = async (action, ctx) => {
    const hc = h.client();
    const p = action.params;
    const node = str(p.node);
    const labels = p.labels as Record<string, string>;
    const cluster = labels[CLUSTER_LABEL]!;
    let server = await serverByName(hc, str(p.name));
    if (server) mustOwn(cluster, "server", server);
    else {
      const config = h.config(node);
      if (!config || config.hash !== str(p.configHash))
        throw new CairnError(
          "config-changed",
          `${node}: its machine config changed after the plan was made; no server was created`,
          { hint: "run `cairn apply` again to plan with the current spec" },
        );
      const group = (await hc.placementGroups({ name: str(p.placementGroup) }))[0];
      ctx.journal.note("create", p.name);
      try {
        const r = await hc.createServer({
          name: str(p.name),
          server_type: str(p.serverType),
          image: Number(p.image),
          location: str(p.location),
          start_after_create: false,
          user_data: encodeUserData(config.text).value,
          labels,
          ...(group ? { placement_group: group.id } : {}),
        });
        ctx.progress(`server ${r.server.name} (${r.server.id}) created, stopped`);
        await hc.waitActions(actionsOf(r));
      } catch (e) {
        if (!isCode(e, "uniqueness_error")) throw e;
        ctx.progress(`server ${str(p.name)} was created by an earlier run`);
      }
      server = (await serverByName(hc, str(p.name)))!;
      if (!server)
        throw new CairnError("apply", `server ${str(p.name)} is missing right after it was created`);
    }
    h.record(node, { id: server.id, ...(server.public_net.ipv4 ? { ipv4: server.public_net.ipv4.ip } : {}) });
    const net = await network(hc, str(p.network));
    if (!net)
      throw new CairnError("apply", `network ${str(p.network)} is missing`, {
        hint: "run `cairn apply` again",
      });
    if (!server.private_net.some((x) => x.network === net.id)) {
      // A server must be off to be attached at a chosen address before its first boot reads its network.
      ctx.journal.note("attach", p.ip);
      try {
        await hc.waitAction(
          (await hc.serverAction(server.id, "attach_to_network", { network: net.id, ip: str(p.ip) })).action,
        );
      } catch (e) {
        if (!isCode(e, "server_already_attached")) throw e;
      }
      ctx.progress(`attached to ${str(p.network)} at ${str(p.ip)}`);
    }
    server = await hc.server(server.id);
    if (server.status !== "running") {
      ctx.journal.note("poweron", server.id);
      await hc.waitAction((await hc.serverAction(server.id, "poweron")).action);
      ctx.progress(`powered on`);
    }
    h.record(node, {
      id: server.id,
      ...(server.public_net.ipv4 ? { ipv4: server.public_net.ipv4.ip } : {}),
      ip: str(p.ip),
    });
    if (p.floatingIp) await assignFloatingIp(hc, str(p.floatingIp), server.id, ctx);
  };

  const removeServer: ActionHandler = async (action, ctx) => {
    const p = action.params;
    if (p.id === undefined) return;
    const hc = h.client();
    const s = await hc.server(Number(p.id)).catch((e: unknown) => {
      if (isCode(e, "not_found")) return undefined;
      throw e;
    });
    if (s) {
      mustOwn(str(p.cluster), "server", s);
      await deleteServer(hc, s.id, ctx);
    } else ctx.progress(`server ${str(p.name)} (${str(p.id)}) is gone already`);
    if (p.node) h.record(str(p.node), undefined);
  };

  const labelsUpdate: ActionHandler = async (action, ctx) => {
    await h
      .client()
      .updateServer(Number(action.params.id), { labels: action.params.labels as Record<string, string> });
    ctx.progress("labels set");
  };

  /** Destroy: one owned resource by kind and id, tolerating one already gone. */
  const gone =
    (
      fn: (hc: HetznerClient, p: Record<string, unknown>, ctx: ActionContext) => Promise<void>,
    ): ActionHandler =>
    async (action, ctx) => {
      try {
        await fn(h.client(), action.params, ctx);
      } catch (e) {
        if (!isCode(e, "not_found")) throw e;
        ctx.progress("gone already");
      }
    };

  return {
    "hetzner-network": ensureNetwork,
    "hetzner-firewall": ensureFirewall,
    "hetzner-placement-group": ensurePlacementGroup,
    "hetzner-load-balancer": ensureLoadBalancer,
    "hetzner-floating-ip": ensureFloatingIp,
    "hetzner-server-labels": labelsUpdate,
    "hetzner-server-delete": removeServer,
    provision,
    deprovision: removeServer,
    "hetzner-lb-delete": gone(async (hc, p) => hc.deleteLoadBalancer(Number(p.id))),
    "hetzner-fip-delete": gone(async (hc, p) => hc.deleteFloatingIp(Number(p.id))),
    "hetzner-pg-delete": gone(async (hc, p) => hc.deletePlacementGroup(Number(p.id))),
    "hetzner-network-delete": gone(async (hc, p) => hc.deleteNetwork(Number(p.id))),
    "hetzner-firewall-delete": gone(async (hc, p, ctx) => {
      const fw = (await hc.firewalls({ name: str(p.name) })).find((f) => f.id === Number(p.id));
      if (!fw) return ctx.progress("gone already");
      const applied = fw.applied_to as Record<string, unknown>[];
      if (applied.length)
        await hc.waitActions(
          (
            await hc.firewallAction(fw.id, "remove_from_resources", {
              remove_from: applied.map((t) =>
                t.type === "label_selector"
                  ? { type: "label_selector", label_selector: t.label_selector }
                  : { type: "server", server: { id: (t.server as { id: number }).id } },
              ),
            })
          ).actions,
        );
      await hc.deleteFirewall(fw.id);
    }),
  };
}
